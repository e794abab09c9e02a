"""noqa comments, per-file ignores and selection, applied by the lint API to findings of a hand-built graph."""

from __future__ import annotations

from slmc.compiler.config import LintSettings
from slmc.errors import Diagnostic
from slmc.ir import AgentGraph
from slmc.lint.api import is_suppressed, lint_graph, noqa_codes

from .builders import add_site

SOURCE = {
    "agent.py": [
        "def f(text):",  # 1
        "    return client.chat.completions.create(  # slmc: noqa",  # 2
        "        messages=msgs,",  # 3
        "    )",  # 4
        "def g(text):",  # 5
        "    return client.chat.completions.create(",  # 6
        "        messages=msgs,  # slmc: noqa: SLM203, SLM3",  # 7
        "    )",  # 8
        "def h(text):",  # 9
        "    return client.chat.completions.create(messages=msgs)  # slmc: noqa: SLM201",  # 10
    ]
}
NARROW_UNBOUNDED = {"system": "Classify: one of a, b. Answer with only the label.", "model": "gpt-4o", "options": {}}


def graph() -> AgentGraph:
    g = AgentGraph()
    add_site(g, "f", 2, end_line=4, **NARROW_UNBOUNDED)
    add_site(g, "g", 6, end_line=8, **NARROW_UNBOUNDED)
    add_site(g, "h", 10, **NARROW_UNBOUNDED)
    return g


def lines_of(path: str) -> list[str]:
    return SOURCE[path]


def test_noqa_parsing() -> None:
    assert noqa_codes("x()  # slmc: noqa") == set()
    assert noqa_codes("x()  # slmc: noqa: SLM101,SLM203") == {"SLM101", "SLM203"}
    assert noqa_codes("x()  #slmc:noqa:slm101 , offloadable-call") == {"SLM101", "OFFLOADABLE-CALL"}
    assert noqa_codes("x()  # noqa: F401") is None
    assert noqa_codes("x()") is None


def test_noqa_on_any_line_of_the_call_with_codes_and_prefixes() -> None:
    kept, suppressed = lint_graph(graph(), LintSettings(), lines_of)
    got = [(d.line, d.code) for d in kept]
    assert (2, "SLM101") not in got and not [c for line, c in got if line == 2]  # blank noqa: everything on f
    assert (6, "SLM101") in got and (6, "SLM203") not in got and (6, "SLM301") not in got  # codes + prefix on line 7
    assert {(10, "SLM101"), (10, "SLM203"), (10, "SLM301")} <= set(got)
    assert suppressed == 3 + 2  # f: SLM101, SLM203, SLM301; g: SLM203, SLM301


def test_noqa_by_rule_name_and_never_for_input_errors() -> None:
    d = Diagnostic("agent.py", 1, 1, "SLM101", "m", name="offloadable-call")
    assert is_suppressed(d, ["call()  # slmc: noqa: offloadable-call"])
    e = Diagnostic("agent.py", 1, 1, "E001", "syntax error")
    assert not is_suppressed(e, ["call(  # slmc: noqa"])


def test_selection_and_per_file_ignores() -> None:
    kept, _ = lint_graph(graph(), LintSettings(select=("SLM3",)), lines_of)
    assert {d.code for d in kept} == {"SLM301"}
    kept, _ = lint_graph(graph(), LintSettings(ignore=("SLM2", "SLM3")), lines_of)
    assert {d.code for d in kept} == {"SLM101"}
    kept, _ = lint_graph(graph(), LintSettings(per_file_ignores={"agent.py": ("SLM1",)}), lines_of)
    assert "SLM101" not in {d.code for d in kept} and "SLM203" in {d.code for d in kept}


def test_input_errors_are_reported_as_errors() -> None:
    bad = Diagnostic("broken.py", 3, 1, "E001", "syntax error: invalid syntax")
    kept, _ = lint_graph(AgentGraph(), LintSettings(), lambda p: [], [bad])
    assert [(d.code, d.severity, d.name) for d in kept] == [("E001", "error", "syntax-error")]
    kept, _ = lint_graph(AgentGraph(), LintSettings(ignore=("E001",)), lambda p: [], [bad])
    assert kept == []
