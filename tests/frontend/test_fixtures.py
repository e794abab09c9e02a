"""Every fixture: the sites the frontend finds equal the inline ``# expect:`` comments exactly (both directions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.frontend import analyze_paths

from .expectations import check_extras, expectations, fixture_cases, found


def _analyse(case: Path):
    if case.is_dir():
        return analyze_paths([case], root=case)
    return analyze_paths([case], root=case.parent)


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda p: p.name)
def test_fixture_sites_match_inline_expectations(case: Path) -> None:
    expected, _ = expectations(case)
    graph, diagnostics = _analyse(case)
    graph.verify()
    assert diagnostics == []
    got = found(graph)
    want = {(e.path, e.line, e.key): e for e in expected}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"
    problems = [p for k, e in want.items() for p in check_extras(graph, got[k], e.extras)]
    assert not problems, "\n".join(problems)


def test_fixture_set_is_broad_and_has_negatives() -> None:
    cases = fixture_cases()
    assert len(cases) >= 30
    assert sum(expectations(c)[1] for c in cases) >= 30  # `expect: none` lines


def test_wrapper_chain_across_six_modules_reaches_the_request() -> None:
    case = fixture_cases()[[c.name for c in fixture_cases()].index("pkg_chain")]
    graph, _ = analyze_paths([case], root=case)
    entry = next(s for s in graph.sites() if s.loc.path == "agent/cli.py" and s.site == "wrapper-call")
    request = graph.request_of(entry.id)
    assert request is not None and request.id == "llm:complete@agent/core.py:5"
    hops = 0
    cur = entry
    while cur.target:
        cur = graph.node(cur.target)
        hops += 1
    assert hops >= 6
    assert request.model == "gpt-4o-mini"  # a constant imported from another module
    step_call = graph.node("llm:__call__@agent/steps/intent.py:10")
    assert step_call.labels == ("order", "refund", "question")  # the answer is checked against a tuple
    assert "label-set" in step_call.consumers
