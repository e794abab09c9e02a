"""Gate messages say what they compare and on how many calls; held-out sizes that can clear a target; the share
served by SLMs counts offloaded calls less their fallbacks (issue 14, item 3)."""

from __future__ import annotations

import pytest

from slmc.ir.nodes import Contract, Decision, EvalResult, LLMCall, Task, Traffic
from slmc.ir.unit import Reports
from slmc.report.summary import summarize
from slmc.training.gate import best_lower_bound, judge, rows_to_clear

from .conftest import make_graph


def test_judge_says_what_it_compares_and_on_how_many_calls():
    low = EvalResult(metric="label", agreement=0.95, lower_bound=0.948, n=400, threshold=0.3, fallback_rate=0.16,
                     accepted_agreement=0.97)  # fmt: skip
    reason = judge(low, target=0.95).reasons[0]
    assert reason.startswith("lower bound 0.948 < target 0.95")
    assert "n=400" in reason and "336 accepted" in reason and "fallback 16%" in reason
    ok = judge(EvalResult(metric="label", agreement=0.99, lower_bound=0.97, n=400), target=0.95).reasons[0]
    assert ok.startswith("lower bound 0.970 >= target 0.95") and "n=400" in ok


def test_rows_to_clear_is_the_first_n_that_clears():
    assert best_lower_bound(52) >= 0.95 > best_lower_bound(51)
    assert rows_to_clear(0.95, agreement=1.0, fallback=0.0) == 52
    need = rows_to_clear(0.95)  # good enough: 0.975 on accepted calls at 10 % fallback
    assert 200 <= need <= 260
    assert rows_to_clear(0.95, agreement=0.95) == 1_000_000  # at the target itself: never provable


def test_share_served_counts_fallback():
    task = Task(id="task:mood", sites=("llm:mood@agent.py:20",), calls=100, contract=Contract(kind="label"),
                decision=Decision.OFFLOAD,
                eval=EvalResult(metric="label", agreement=0.99, lower_bound=0.97, n=100, fallback_rate=0.2))  # fmt: skip
    graph = make_graph([task])
    graph.update("llm:mood@agent.py:20", decision=Decision.OFFLOAD, traffic=Traffic(calls=100))
    graph.add(LLMCall(id="llm:other@agent.py:30", traffic=Traffic(calls=100)))
    summary = summarize(graph, Reports())
    assert summary["calls_to_slm_share"] == pytest.approx(0.4)  # 100 offloaded calls x (1 - 0.2) of 200
