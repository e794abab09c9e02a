from __future__ import annotations

from slmc.compiler.passmanager import PassContext
from slmc.ir.nodes import Contract, LLMCall, Task, Verdict
from slmc.ir.unit import CompileUnit
from slmc.passes.cluster_tasks import ClusterTasks
from slmc.passes.infer_contracts import InferContracts
from slmc.passes.score_offload import ScoreOffload, task_signals
from slmc.traces.record import TraceRecord

from .conftest import ASK, REPLY, check_golden, graph_text


def _scored(agent, **opts):
    unit, ctx = agent
    for p in (ClusterTasks(embedder="tfidf"), InferContracts(), ScoreOffload(**opts)):
        unit = p.run(ctx, unit)
    unit.graph.verify()
    return unit.graph, unit


def test_score_offload_golden(agent):
    graph, _ = _scored(agent, min_calls=20)
    check_golden("score_offload.ir.txt", graph_text(graph))


def test_verdicts_per_task_and_site(agent):
    graph, unit = _scored(agent, min_calls=20)
    verdicts = {t.contract.kind: t.offload.verdict for t in graph.tasks()}
    assert verdicts == {
        "label": Verdict.NARROW,
        "json": Verdict.NARROW,
        "tool-call": Verdict.NARROW,
        "text": Verdict.OPEN_ENDED,
    }
    reply = graph.node(REPLY)
    assert isinstance(reply, LLMCall) and reply.offload.verdict == Verdict.OPEN_ENDED
    text_task = next(t for t in graph.tasks() if t.contract.kind == "text")
    assert "temperature 0.70" in text_task.offload.reasons
    ask = graph.node(ASK)
    assert ask.offload.verdict == Verdict.NARROW and ask.offload.calls == 36  # 24 sentiment + 12 extraction
    summary = unit.reports.offload
    assert summary["calls"] == 96 and summary["narrow_calls"] == 72
    assert summary["fraction_calls"] == 0.75
    # the e-mail replies are long: the narrow share of tokens and dollars is below the share of calls
    assert summary["fraction_usd"] < summary["fraction_tokens"] < 0.75


def test_too_few_calls_is_unclear(agent):
    graph, _ = _scored(agent)  # default min_calls=50 > 24 per task
    narrowish = [t for t in graph.tasks() if t.contract.kind != "text"]
    assert all(t.offload.verdict == Verdict.UNCLEAR for t in narrowish)
    assert all(any("only 24 calls" in r for r in t.offload.reasons) for t in narrowish)


def test_inconsistent_answers_to_equal_inputs_lower_the_score():
    msgs = [{"role": "user", "content": "Is this spam? Win a prize"}]
    steady = [TraceRecord(messages=msgs, output="spam", task="task:t") for _ in range(6)]
    shaky = [TraceRecord(messages=msgs, output=a, task="task:t") for a in ["spam", "ham"] * 3]
    task = Task("task:t", contract=Contract("label", labels=("ham", "spam"), strictness=1.0))
    assert task_signals(task, steady, [])["consistency"][0] == 1.0
    assert task_signals(task, shaky, [])["consistency"][0] == 0.0


def test_no_traces_still_scores_from_static_evidence():
    ctx = PassContext()
    from .conftest import make_graph

    graph = make_graph()
    graph.add(Task("task:x", sites=(REPLY,), calls=0, contract=Contract("text", strictness=0.05)))
    graph = ScoreOffload().run(ctx, CompileUnit(graph, [])).graph
    offload = graph.node("task:x").offload
    assert offload.verdict == Verdict.OPEN_ENDED and offload.score < 0.2
