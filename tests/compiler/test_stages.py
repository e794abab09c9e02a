from __future__ import annotations

from pathlib import Path

from slmc.compiler.stages import StageCache, hash_files, hash_json
from slmc.ir import AgentGraph, LLMCall, Loc
from slmc.ir.unit import CompileUnit, Reports
from slmc.traces.record import Frame, TraceRecord


def _state() -> CompileUnit:
    g = AgentGraph()
    g.add(LLMCall(id="llm:f@a.py:3", loc=Loc("a.py", 3), model="gpt-4o"))
    rec = TraceRecord(id="r1", messages=[{"role": "user", "content": "hi"}], output="yo", stack=[Frame("a.py", 3, "f")])
    return CompileUnit(g, [rec], Reports(scrub={"EMAIL": 2}))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "c")
    cache.save("link-traces", "k1", _state())
    assert cache.has("link-traces", "k1")
    loaded = cache.load("link-traces", "k1")
    assert loaded.graph.node("llm:f@a.py:3").model == "gpt-4o"
    assert loaded.traces[0].stack == [Frame("a.py", 3, "f")]
    assert loaded.reports == Reports(scrub={"EMAIL": 2})


def test_a_stage_without_its_done_marker_does_not_count(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "c")
    cache.save("curate", "k2", _state())
    (tmp_path / "c" / "curate-k2" / "done").unlink()  # as if killed before the marker was written
    assert not cache.has("curate", "k2")


def test_keys_follow_content_not_names(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    k1 = hash_files([a], tmp_path)
    a.write_text("x = 2\n")
    assert hash_files([a], tmp_path) != k1
    assert hash_json({"a": 1, "b": 2}) == hash_json({"b": 2, "a": 1})
