"""`slmc traces stats` on a file with no trace record (empty, not JSON, JSON of another shape, a Python file): exit 1
with one message that says what was found and what to do, never a table of zeros and exit 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmc.compiler.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support_agent" / "traces.jsonl"


def stats(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["traces", "stats", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.jsonl", "", "empty.jsonl is empty: no trace records"),
        ("notes.jsonl", "hello\nnot json\n", "no trace records in notes.jsonl (2 malformed JSON line(s))"),
        ("other.json", '{"a": 1}', "no trace records in other.json (1 record(s) of unknown shape)"),
        ("agent.py", "import os\n\nprint(os.getcwd())\n" * 40, "no trace records in agent.py ("),
    ],
)
def test_stats_on_a_file_without_traces_exits_1_with_one_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: str,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(content)
    for extra in ((), ("--json",)):
        code, out, err = stats(capsys, name, *extra)
        assert code == 1 and out == ""
        assert err.startswith("slmc traces stats: error: ") and says in err
        assert "hint: is this a trace file?" in err and err.count("\n") <= 3  # one message, not a line per record


def test_stats_still_reads_a_trace_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(EXAMPLE.read_text().splitlines()[0] + "\n")
    code, out, _ = stats(capsys, str(path), "--json")
    assert code == 0 and json.loads(out)["records"] == 1


def _otlp_span(attributes: dict[str, str]) -> str:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "span",
        "kind": 3,
        "startTimeUnixNano": "1731000000000000000",
        "endTimeUnixNano": "1731000000100000000",
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()],
    }
    return json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "s"}, "spans": [span]}]}]})


def test_stats_says_why_records_were_skipped_and_what_to_turn_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spans that are read but give no record: the message names the reason, and for GenAI spans recorded without
    message content the hint is the setting to turn on, not "is this a trace file?"."""
    llm = tmp_path / "spans.jsonl"
    llm.write_text(_otlp_span({"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}) + "\n")
    code, out, err = stats(capsys, str(llm))
    assert code == 1 and out == "" and err.count("\n") <= 3
    assert "(1 record(s) skipped: LLM span without content)" in err
    assert "first problem: " in err and "E107" in err
    assert "is this a trace file?" not in err
    assert "hint: the file holds LLM spans without prompts or answers" in err
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT" in err
    http = tmp_path / "http.jsonl"
    http.write_text(_otlp_span({"http.request.method": "GET"}) + "\n")
    code, _, err = stats(capsys, str(http))
    assert code == 1 and "(1 record(s) skipped: non-LLM span)" in err and "hint: is this a trace file?" in err
