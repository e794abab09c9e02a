"""Property: any JSON value in any field, at any depth, of a record of any supported format never makes ingest,
``slmc traces stats|show|ingest`` or the passes up to curate raise; what ingest writes is strict JSON that reads back
without problems."""

from __future__ import annotations

import json
import math
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trace_samples import SAMPLES, SITE, paths, replaced

from slmc.compiler.cli import main
from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir import AgentGraph, LLMCall, Loc, Message, Prompt, PromptPart, SiteKind
from slmc.ir.nodes import EdgeKind
from slmc.ir.unit import CompileUnit
from slmc.traces.ingest import read_traces

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "user", "assistant", "tool", "text", "GENERATION", "llm", "chat", "{}", "[1]", "9" * 25]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
PLACES = [(name, path) for name, sample in SAMPLES.items() for path in paths(sample)]


def strict_loads(line: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} written into JSON")

    return json.loads(line, parse_constant=refuse)


def graph() -> AgentGraph:
    g = AgentGraph()
    g.add(LLMCall(SITE, site=SiteKind.REQUEST, loc=Loc("agent.py", 20, 5, 24, 40), function="classify"))
    prompt = Prompt("prompt:classify", messages=(Message("system", (PromptPart("Classify the ticket into one"),)),))
    g.add(prompt)
    g.add_edge(prompt.id, SITE, EdgeKind.PROMPT)
    return g


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--debug", *argv])
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    places=st.lists(st.sampled_from(PLACES), min_size=1, max_size=3),
    values=st.lists(JSON_VALUES, min_size=3, max_size=3),
    as_array=st.booleans(),
)
def test_any_value_in_any_field_never_crashes_ingest_stats_show_or_the_passes(places, values, as_array) -> None:
    rows = []
    for (name, path), value in zip(places, values, strict=False):
        try:
            rows.append(replaced(SAMPLES[name], path, value))
        except (KeyError, IndexError, TypeError):  # an earlier replacement removed the place: the sample as is
            rows.append(json.loads(json.dumps(SAMPLES[name])))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / ("traces.json" if as_array else "traces.jsonl")
        if as_array:  # a pretty-printed JSON array: the streaming scanner instead of the JSONL reader
            src.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        else:  # JSONL with NaN/Infinity tokens and escaped lone surrogates as Python writes them
            src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

        records, problems = read_traces([src])
        assert len(records) <= len(rows)
        for rec in records:  # well-typed whatever the input held
            assert isinstance(rec.id, str) and rec.id and isinstance(rec.source, str) and rec.source
            assert all(isinstance(m, dict) and isinstance(m["role"], str) for m in rec.messages)
            assert all(m["content"] is None or isinstance(m["content"], str | list) for m in rec.messages)
            assert rec.output is None or isinstance(rec.output, str)
            assert rec.input_tokens is None or (type(rec.input_tokens) is int and rec.input_tokens >= 0)
            assert rec.latency_ms is None or (type(rec.latency_ms) in (int, float) and math.isfinite(rec.latency_ms))
            assert rec.timestamp is None or (type(rec.timestamp) in (int, float) and math.isfinite(rec.timestamp))
            strict_loads(rec.to_json())

        for argv in (["stats", str(src)], ["stats", str(src), "--json"], ["show", str(src), "-n", "0"]):
            code, out, err = cli("traces", *argv)
            assert code == 0 if records else (code in (0, 1) and err.strip() and "Traceback" not in err), err
        code, out, err = cli("traces", "show", str(src), "--json", "-n", "0")
        assert code == 0 if records else code in (0, 1), err
        shown = [line for line in out.split("\n") if line]  # not splitlines: U+0085 and U+2028 are text in JSON
        assert len([strict_loads(line) for line in shown]) == len(records)

        written = Path(tmp) / "out.jsonl"
        code, out, err = cli("traces", "ingest", str(src), "--out", str(written))
        assert code in (0, 1), err  # 1: nothing written and problems reported
        lines = [line for line in written.read_text(encoding="utf-8").split("\n") if line]
        assert len(lines) == len(records)
        for line in lines:
            strict_loads(line)
        again, problems = read_traces([written])
        assert problems == [] and len(again) == len(records)

        ctx = PassContext(root=Path(tmp), settings=Settings(embedder="tfidf"))
        PassManager.from_spec("triage,link-traces,scrub-pii{workers=1},curate").run(ctx, CompileUnit(graph(), again))
