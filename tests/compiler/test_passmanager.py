from __future__ import annotations

from dataclasses import dataclass

import pytest

from slmc.compiler import passmanager as pm
from slmc.errors import SlmcError
from slmc.ir import AgentGraph, LLMCall, Loc
from slmc.ir.unit import CompileUnit


@dataclass(frozen=True)
class Mark(pm.Pass):
    name = "mark"
    provides = ("marked",)
    model: str = "m"
    limit: int = 3
    ratio: float = 0.5
    strict: bool = False
    tags: tuple[str, ...] = ()

    def run(self, ctx, unit):
        for s in unit.graph.sites():
            unit.graph.update(s.id, model=f"{self.model}-{self.limit}")
        return unit


@dataclass(frozen=True)
class NeedsMark(pm.Pass):
    name = "needs-mark"
    requires = ("marked",)

    def run(self, ctx, unit):
        return unit


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    monkeypatch.setitem(pm.REGISTRY, "mark", f"{__name__}:Mark")
    monkeypatch.setitem(pm.REGISTRY, "needs-mark", f"{__name__}:NeedsMark")


def test_parse_typed_options() -> None:
    (p,) = pm.parse_pipeline("mark{model=x,limit=7,ratio=0.25,strict=true,tags=a:b}")
    assert p == Mark(model="x", limit=7, ratio=0.25, strict=True, tags=("a", "b"))
    assert p.spec() == "mark{model=x,limit=7,ratio=0.25,strict=True,tags=a:b}"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "unknown pass 'nope'"),
        ("mark{limit=x}", "'x' is not a valid int"),
        ("mark{colour=red}", "pass mark has no option 'colour'"),
        ("mark{limit}", "needs a value"),
        ("mark,,", "cannot parse pipeline"),
    ],
)
def test_parse_errors_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(SlmcError, match=message):
        pm.parse_pipeline(spec)


def test_validation_names_the_missing_pass() -> None:
    with pytest.raises(SlmcError, match="needs-mark requires marked: add mark before it"):
        pm.validate_pipeline(pm.parse_pipeline("needs-mark,mark"))
    pm.validate_pipeline(pm.parse_pipeline("mark,needs-mark"))


def test_run_records_facts_and_prints_ir() -> None:
    g = AgentGraph()
    g.add(LLMCall(id="llm:f@a.py:1", loc=Loc("a.py", 1)))
    printed: list[str] = []
    manager = pm.PassManager.from_spec("mark{limit=4},needs-mark", print_ir_after_all=True, printer=printed.append)
    out = manager.run(pm.PassContext(), CompileUnit(g)).graph
    assert out.node("llm:f@a.py:1").model == "m-4"
    assert out.meta.facts == ["sites", "marked"]
    assert out.meta.passes_run == ["mark{limit=4}", "needs-mark"]
    assert len(printed) == 2 and printed[0].startswith("// ----- IR after mark{limit=4} -----")
