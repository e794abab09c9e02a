"""The evaluator memoises values by node identity: a node built during analysis (a string annotation parsed into an
expression, a schema name) must not hand its value to a later node that happens to be allocated at the same address."""

from __future__ import annotations

import gc
from pathlib import Path

from slmc.frontend import syntax as cst
from slmc.frontend.project import Analysis
from slmc.frontend.resolve import Class

SOURCE = """
import openai

client = openai.OpenAI()

class Planner:
    pass

class Writer:
    pass

def make(a: "Planner", b: "Writer"):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": str((a, b))}])
"""


def _analysis() -> Analysis:
    analysis = Analysis(Path("."))
    analysis.add_file("agents.py", None, SOURCE)
    analysis.run()
    return analysis


def test_throwaway_nodes_never_share_a_memo_entry() -> None:
    analysis = _analysis()
    ev = analysis.ev
    scope = analysis.project.modules["agents"].scope
    seen: dict[str, set[str]] = {"Planner": set(), "Writer": set()}
    for i in range(200):  # nodes parsed and dropped in turn: CPython reuses freed addresses quickly
        name = "Planner" if i % 2 == 0 else "Writer"
        value = ev.value(cst.parse_expression(name), scope)
        assert isinstance(value, Class)
        seen[name].add(value.key)
        gc.collect()
    assert seen == {"Planner": {"agents:Planner"}, "Writer": {"agents:Writer"}}


def test_string_annotations_resolve_to_their_own_class() -> None:
    analysis = _analysis()
    ev = analysis.ev
    fn = ev.scopes["agents:make"]
    annotations = [p.annotation.annotation for p in fn.params]
    for _ in range(50):  # each call parses the string again
        keys = [getattr(ev.instance_of(a, fn), "cls", None) for a in annotations]
        assert keys == ["agents:Planner", "agents:Writer"]
