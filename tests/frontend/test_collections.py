"""While a tree is analysed and linted the cyclic collector runs young collections only (``young_collections_only``);
the thresholds the caller had are back afterwards, also after an exception, and young cyclic garbage is still
freed on the way."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from slmc.frontend import project
from slmc.frontend.project import young_collections_only
from slmc.lint import lint_paths


class _Node:
    pass


def test_thresholds_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with young_collections_only():
        inside = gc.get_threshold()
        assert inside[0] >= 50_000 and inside[2] >= 1_000_000
    assert gc.get_threshold() == before
    with pytest.raises(ValueError), young_collections_only():
        raise ValueError("boom")
    assert gc.get_threshold() == before


def test_young_cycles_are_still_collected() -> None:
    with young_collections_only(threshold=1_000):
        gc.collect()  # counts back to zero: the cycle below is young when the next collection runs
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        ref = weakref.ref(a)
        del a, b
        kept = [[i] for i in range(5_000)]  # live allocations past the threshold: young collections run
        assert ref() is None
        del kept


def test_lint_and_analysis_restore_the_callers_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "agent.py").write_text(
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    )
    seen: list[tuple[int, int, int]] = []
    run = project.Analysis._run

    def spy(self: project.Analysis) -> object:
        seen.append(gc.get_threshold())
        return run(self)

    monkeypatch.setattr(project.Analysis, "_run", spy)
    before = gc.get_threshold()
    report = lint_paths([tmp_path])
    assert gc.get_threshold() == before
    assert seen and seen[0][0] >= 50_000  # the analysis ran with young collections only
    assert len(report.graph.sites()) == 1
