"""The quality gate on synthetic evaluation results, and the gate pass on a hand-made graph."""

from __future__ import annotations

from slmc.compiler.passmanager import PassContext, parse_pipeline
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Decision, EvalResult, FinetunePlan, SLMChoice, Task
from slmc.ir.unit import CompileUnit
from slmc.training.gate import judge, site_verdict

from .conftest import make_graph


def result(lower: float, *, n: int = 200, fallback: float = 0.05, agreement: float = 0.97) -> EvalResult:
    return EvalResult(
        metric="label",
        agreement=agreement,
        lower_bound=lower,
        n=n,
        threshold=0.2,
        fallback_rate=fallback,
        accepted_agreement=agreement + 0.01,
    )


def test_judge_accepts_only_a_lower_bound_above_target():
    ok = judge(result(0.96), target=0.95)
    assert ok.accepted and "0.960" in ok.reasons[0] and ">= target 0.95" in ok.reasons[0]
    low = judge(result(0.94), target=0.95)
    assert low.decision == Decision.KEEP and "< target 0.95" in low.reasons[0]
    assert judge(result(0.94), target=0.9).accepted


def test_judge_rejects_small_samples_heavy_fallback_and_missing_results():
    assert "too few" in judge(result(0.99, n=5)).reasons[0]
    heavy = judge(result(0.99, fallback=0.8), max_fallback=0.5)
    assert heavy.decision == Decision.KEEP and heavy.reasons[0].startswith("fallback 80% > max 50%")
    assert "every call" in judge(result(0.99, fallback=1.0)).reasons[0]
    assert judge(None).decision == Decision.KEEP


def _task(tid: str, sites: tuple[str, ...], decision: Decision | None, calls: int = 10) -> Task:
    return Task(id=tid, sites=sites, calls=calls, decision=decision)


def test_site_verdict_needs_every_traffic_carrying_task():
    a = "llm:f@a.py:1"
    tasks = [_task("task:x", (a,), Decision.OFFLOAD), _task("task:y", (a,), Decision.KEEP)]
    assert site_verdict(a, tasks).decision == Decision.SHADOW
    tasks[1] = _task("task:y", (a,), Decision.KEEP, calls=0)  # carries no traffic: does not hold the site back
    assert site_verdict(a, tasks).decision == Decision.OFFLOAD
    assert site_verdict(a, [_task("task:x", (a,), Decision.KEEP)]).decision == Decision.KEEP
    assert site_verdict("llm:g@a.py:9", tasks) is None


def test_gate_pass_sets_task_and_site_decisions():
    plan = FinetunePlan(dataset="d", validation="v", test="t", method="full")
    slm = SLMChoice(model="m", source="scratch:tiny", params_b=0.002, method="full")
    shared, solo = "llm:route@agent.py:5", "llm:label@agent.py:9"
    tasks = [
        Task(id="task:good", sites=(shared, solo), calls=50, slm=slm, finetune=plan, eval=result(0.97)),
        Task(id="task:bad", sites=(shared,), calls=50, slm=slm, finetune=plan, eval=result(0.80)),
        Task(id="task:unplanned", sites=(), calls=3, slm=slm),
    ]
    graph = make_graph(tasks)
    (gate,) = parse_pipeline("gate", Settings(gate_target=0.95))
    unit = CompileUnit(graph)
    said = "task:unplanned: only 3 training calls (< 20); not planned"  # as plan-finetune reports it
    unit.reports.diagnostics.append({"path": "", "line": 0, "col": 0, "code": "W501", "message": said})
    graph = gate.run(PassContext(), unit).graph
    assert graph.node("task:good").decision == Decision.OFFLOAD
    assert graph.node("task:bad").decision == Decision.KEEP
    assert graph.node("task:unplanned").decision_reasons[0] == "not trained: only 3 training calls (< 20); not planned"
    assert graph.node(solo).decision == Decision.OFFLOAD
    assert graph.node(shared).decision == Decision.SHADOW
    # A lower target from the options lets the weaker task through too.
    (gate,) = parse_pipeline("gate", Settings(gate_target=0.75))
    graph = gate.run(PassContext(), CompileUnit(graph)).graph
    assert graph.node(shared).decision == Decision.OFFLOAD
