"""Every fixture: the sites the frontend finds equal the inline ``# expect:`` comments exactly (both directions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.compiler.frontend import analyze_paths

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
