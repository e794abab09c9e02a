"""Hostile and broken trace files: one bad record is counted, reported with file:line and skipped; nothing crashes,
nothing stops the run, and what ingest writes is always strict JSON."""

from __future__ import annotations

import gzip
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from slmc.compiler.cli import main
from slmc.traces.ingest import IngestReport, iter_traces, read_traces
from slmc.traces.record import Frame, TraceRecord

GOOD = {"messages": [{"role": "user", "content": "refund please"}, {"role": "assistant", "content": "billing"}]}


def strict_loads(line: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} written into JSON")

    return json.loads(line, parse_constant=refuse)


def write_lines(path: Path, *lines: str | bytes) -> Path:
    data = b"".join((line.encode() if isinstance(line, str) else line) + b"\n" for line in lines)
    path.write_bytes(data)
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--debug", *map(str, argv)])
    return code, out.getvalue(), err.getvalue()


def good_line() -> str:
    return json.dumps(GOOD)


# ---- the named cases -------------------------------------------------------------------------------------------------
def test_source_that_is_a_list_is_ingested_as_slmc_and_the_run_goes_on(tmp_path):
    src = write_lines(tmp_path / "t.jsonl", good_line(), '{"source": [], "messages": [], "output": "x"}', good_line())
    code, out, err = cli("traces", "ingest", src, "--out", tmp_path / "o.jsonl")
    assert code == 0, err
    assert "wrote 3 records" in out
    records, problems = read_traces([tmp_path / "o.jsonl"])
    assert problems == [] and [r.source for r in records] == ["openai-ft", "slmc", "openai-ft"]


def test_langfuse_type_that_is_a_list_is_reported_with_its_line_and_skipped(tmp_path):
    bad = {"id": "o1", "traceId": "t1", "type": [], "startTime": "2026-11-01T10:00:00Z", "input": "hi"}
    src = write_lines(tmp_path / "lf.jsonl", good_line(), json.dumps(bad), good_line())
    code, out, err = cli("traces", "ingest", src, "--out", tmp_path / "o.jsonl")
    assert code == 0, err
    assert f"{src}:2:1: E102" in err and "wrote 2 records" in out


def test_100k_nested_brackets_on_one_line_are_skipped_with_a_diagnostic(tmp_path):
    deep = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    src = write_lines(tmp_path / "deep.jsonl", good_line(), deep, good_line())
    code, out, err = cli("traces", "ingest", src, "--out", tmp_path / "o.jsonl")
    assert code == 0, err
    assert f"{src}:2:1: E106" in err and "wrote 2 records" in out
    # also as the first line (the file is then read as concatenated JSON values) and inside a JSON array
    first = write_lines(tmp_path / "first.jsonl", "[" * 100_000 + "]" * 100_000, good_line())
    array = tmp_path / "array.json"
    array.write_text("[\n" + good_line() + ",\n" + "[" * 100_000 + "]" * 100_000 + "\n]\n")
    for path in (first, array):
        report = IngestReport()
        assert len(list(iter_traces([path], report))) == 1
        assert [d.code for d in report.diagnostics] == ["E106"]


def test_nesting_just_past_the_depth_cap_is_refused_and_at_the_cap_is_read(tmp_path):
    from slmc.traces.ingest._stream import MAX_DEPTH

    def nested(depth: int) -> str:  # the record itself is one level: "label" holds depth - 1 more
        return '{"source": "slmc", "output": "x", "label": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    src = write_lines(tmp_path / "t.jsonl", nested(MAX_DEPTH), nested(MAX_DEPTH + 1), nested(2000))
    report = IngestReport()
    records = list(iter_traces([src], report))
    assert len(records) == 1
    assert [(d.line, d.code) for d in report.diagnostics] == [(2, "E106"), (3, "E106")]


def test_deep_json_inside_a_string_attribute_does_not_crash(tmp_path):
    span = {
        "name": "chat",
        "traceId": "t",
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": "[" * 50_000 + "]" * 50_000,
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "ok"}]}]),
        },
    }
    records, problems = read_traces([write_lines(tmp_path / "s.jsonl", json.dumps(span))])
    assert problems == [] and records[0].output == "ok"


def test_messages_of_null_and_numbers_and_numeric_content_become_well_typed(tmp_path):
    rows = [
        {"source": "slmc", "messages": [None, 5], "output": "x"},
        {"source": "slmc", "messages": [{"role": 3, "content": 5}, {"content": {"text": "hi"}}], "output": 7},
        {"messages": [{"role": "user", "content": 12.5}, {"role": "assistant", "content": "ok"}]},
    ]
    src = write_lines(tmp_path / "t.jsonl", *map(json.dumps, rows))
    records, problems = read_traces([src])
    assert problems == []
    assert records[0].messages == []
    assert records[1].messages == [{"role": "3", "content": "5"}, {"role": "user", "content": "hi"}]
    assert records[1].output == "7"
    assert records[2].messages == [{"role": "user", "content": "12.5"}]
    for args in (("stats", src), ("stats", src, "--json"), ("show", src), ("show", src, "--json")):
        code, _out, err = cli("traces", *args)
        assert code == 0, err


def test_token_counts_and_numbers_of_the_wrong_type_do_not_crash_stats_or_show(tmp_path):
    rows = [
        {"source": "slmc", "output": "x", "input_tokens": "many", "output_tokens": [1], "latency_ms": "slow"},
        {"source": "slmc", "output": "y", "input_tokens": "12", "output_tokens": 3.0, "latency_ms": 5, "error": {}},
        {"source": "slmc", "output": "z", "model": ["m"], "site_id": {"a": 1}, "error": {"type": "E", "message": "m"}},
        {"request": {"messages": [{"role": "user", "content": "q"}]}, "response": {"usage": {"prompt_tokens": 1e999}}},
    ]
    src = write_lines(tmp_path / "t.jsonl", *map(json.dumps, rows))
    records, problems = read_traces([src])
    assert problems == []
    assert [(r.input_tokens, r.output_tokens, r.latency_ms) for r in records[:2]] == [(None, None, None), (12, 3, 5.0)]
    assert records[2].model is None and records[2].site_id is None and records[2].error == "E: m"
    assert records[3].input_tokens is None  # 1e999 is read as null
    code, out, err = cli("traces", "stats", src, "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["records"] == 4 and stats["input_tokens"] == 12 and stats["output_tokens"] == 3
    code, out, err = cli("traces", "show", src, "--limit", "0")
    assert code == 0, err
    assert "E: m" in out


def test_stats_and_show_survive_records_built_in_code_with_odd_fields(capsys):
    from slmc.compiler.commands.traces import _print_record, summarise

    odd = TraceRecord(
        id=5,  # type: ignore[arg-type]
        source=["x"],  # type: ignore[arg-type]
        messages=[None, {"role": ["r"], "content": {"a": 1}, "tool_calls": 3}],  # type: ignore[list-item]
        input_tokens="many",  # type: ignore[arg-type]
        output_tokens=-3,
        latency_ms="x",  # type: ignore[arg-type]
        error=["e"],  # type: ignore[arg-type]
        tool_calls=[1],  # type: ignore[list-item]
        output=5,  # type: ignore[arg-type]
    )
    summary = summarise(iter([odd, TraceRecord(output="ok", latency_ms=float("nan"))]))
    assert summary["records"] == 2 and summary["input_tokens"] == 0 and summary["latency_ms"]["p50"] is None
    _print_record(odd)
    odd.error = None
    _print_record(odd)
    assert "── 5" in capsys.readouterr().out


def test_a_gzip_file_named_jsonl_is_read_by_its_magic_bytes(tmp_path):
    path = tmp_path / "traces.jsonl"
    path.write_bytes(gzip.compress((good_line() + "\n" + good_line() + "\n").encode()))
    records, problems = read_traces([path])
    assert problems == [] and len(records) == 2
    pretty = tmp_path / "array.json"  # a JSON array, gzip-compressed, without .gz: the other reader
    pretty.write_bytes(gzip.compress(json.dumps([GOOD, GOOD], indent=2).encode()))
    records, problems = read_traces([pretty])
    assert problems == [] and len(records) == 2
    plain = tmp_path / "plain.jsonl.gz"  # named .gz but not compressed: read as it is
    plain.write_text(good_line() + "\n")
    records, problems = read_traces([plain])
    assert problems == [] and len(records) == 1


def test_a_17_mib_line_is_skipped_with_a_diagnostic_and_the_cap_is_configurable(tmp_path, monkeypatch):
    huge = json.dumps(
        {"messages": [{"role": "user", "content": "x" * (17 << 20)}, {"role": "assistant", "content": "y"}]}
    )
    src = write_lines(tmp_path / "big.jsonl", good_line(), huge, good_line(), huge)  # also as the last line
    report = IngestReport()
    records = list(iter_traces([src], report))
    assert len(records) == 2
    assert [(d.line, d.code) for d in report.diagnostics] == [(2, "E105"), (4, "E105")]
    assert "16777216 bytes" in report.diagnostics[0].message
    # a higher cap reads it (option), a lower one refuses a normal line (environment)
    assert len(list(iter_traces([src], max_line_bytes=18 << 20))) == 4
    monkeypatch.setenv("SLMC_MAX_LINE_BYTES", "20")
    small = write_lines(tmp_path / "small.jsonl", good_line(), "{}")
    report = IngestReport()
    assert list(iter_traces([small], report)) == [] and [d.code for d in report.diagnostics] == ["E105", "E102"]
    code, out, err = cli("traces", "stats", small, "--max-line-bytes", "100000", "--json")
    assert code == 0 and json.loads(out)["records"] == 1
    monkeypatch.setenv("SLMC_MAX_LINE_BYTES", "lots")
    out_file = tmp_path / "keep.jsonl"
    out_file.write_text("kept\n")
    code, out, err = cli("traces", "ingest", small, "--out", out_file)
    assert code == 2 and "line-size cap" in err and "internal error" not in err
    assert out_file.read_text() == "kept\n"  # refused before --out is touched


def test_a_huge_value_in_a_json_array_is_skipped_by_the_cap(tmp_path):
    path = tmp_path / "array.json"
    path.write_text("[\n" + good_line() + ',\n"' + "x" * 300_000 + '",\n' + good_line() + "\n]\n")
    report = IngestReport()
    assert len(list(iter_traces([path], report, max_line_bytes=100_000))) == 2
    assert [(d.line, d.code) for d in report.diagnostics] == [(3, "E105")]


def test_nan_and_infinity_in_input_are_never_written(tmp_path):
    line = (
        '{"source": "slmc", "output": "x", "latency_ms": NaN, "timestamp": Infinity, "label": -Infinity,'
        ' "params": {"temperature": NaN, "top_p": 1e999}, "meta": {"w": [NaN]}, "messages": [{"role": "user",'
        ' "content": "\\ud800 lone"}]}'
    )
    src = write_lines(tmp_path / "nan.jsonl", good_line(), line)
    out = tmp_path / "o.jsonl"
    code, stdout, err = cli("traces", "ingest", src, "--out", out)
    assert code == 0, err
    rows = [strict_loads(x) for x in out.read_text(encoding="utf-8").split("\n") if x]
    assert rows[1]["params"] == {"temperature": None, "top_p": None} and rows[1]["meta"]["w"] == [None]
    assert "latency_ms" not in rows[1] and "timestamp" not in rows[1] and "label" not in rows[1]
    assert rows[1]["messages"][0]["content"] == "\ufffd lone"
    code, stdout, err = cli("traces", "show", src, "--json")
    assert code == 0 and all(strict_loads(x) for x in stdout.split("\n") if x)


def test_to_json_never_writes_nan_or_lone_surrogates():
    rec = TraceRecord(
        source="slmc",
        output="a\ud800b",
        latency_ms=math.nan,
        params={"t": math.inf, "nested": [{"x": -math.inf}], "\udfff": 1},
        label=math.nan,
        stack=[Frame("a.py", 1, "f")],
    )
    line = rec.to_json()
    data = strict_loads(line)
    line.encode("utf-8")  # no lone surrogate left
    assert data["output"] == "a\ufffdb" and data["params"] == {"t": None, "nested": [{"x": None}], "\ufffd": 1}
    assert "latency_ms" not in data or data["latency_ms"] is None
    assert data["stack"] == [{"path": "a.py", "line": 1, "function": "f", "end_line": 0}]
    from slmc.traces.store import record_json

    assert strict_loads(record_json(rec)) == data
    plain = TraceRecord(source="slmc", output="ok", params={"t": 0.5})
    assert plain.to_json() == json.dumps(plain.to_dict(), ensure_ascii=False, sort_keys=True)


def test_one_bad_line_among_good_ones_exits_0_and_names_the_line(tmp_path):
    src = write_lines(tmp_path / "t.jsonl", good_line(), "{not json", b'{"a": "\xff"}', good_line())
    code, out, err = cli("traces", "ingest", src, "--out", tmp_path / "o.jsonl")
    assert code == 0
    assert f"{src}:2:1: E101" in err and f"{src}:3:1: E104" in err and "wrote 2 records" in out


@pytest.mark.parametrize(
    "row",
    [
        {"source": "slmc", "stack": [{"path": 5, "line": "x", "function": None, "end_line": -1}, 3], "output": "o"},
        {
            "source": "slmc",
            "timestamp": "99999999999999999999999999",
            "output": "o",
            "meta": {"code.filepath": "a.py", "code.lineno": "²"},
        },
        {"name": "s", "traceId": "t", "attributes": {"gen_ai.system": "x", "gen_ai.prompt": "p"}, "events": 5},
        {"run_type": "llm", "inputs": {"messages": [[]]}, "outputs": {"generations": [[]]}, "error": "e"},
    ],
)
def test_odd_rows_never_stop_ingest_or_the_passes(tmp_path, row):
    from slmc.compiler.passmanager import PassContext, PassManager
    from slmc.compiler.settings import Settings
    from slmc.ir import AgentGraph
    from slmc.ir.unit import CompileUnit

    src = write_lines(tmp_path / "t.jsonl", good_line(), json.dumps(row), good_line())
    records, problems = read_traces([src])
    assert len(records) + len(problems) >= 3
    ctx = PassContext(root=tmp_path, settings=Settings(embedder="tfidf"))
    PassManager.from_spec("triage,link-traces,scrub-pii{workers=1},curate").run(ctx, CompileUnit(AgentGraph(), records))
