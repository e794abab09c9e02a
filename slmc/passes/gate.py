"""gate: accept or reject each task's SLM on its evaluation, then decide every served site (offload/shadow/keep)."""

from __future__ import annotations

from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Decision, LLMCall
from slmc.passes.evaluate import gate_target
from slmc.training.gate import DEFAULT_MAX_FALLBACK, MIN_TEST_ROWS, Verdict, judge, site_verdict


@dataclass(frozen=True)
class Gate(Pass):
    name = "gate"
    summary = "accept an SLM only if its agreement lower bound clears the target; decide each site"
    requires = ("evaluated",)
    provides = ("gated",)
    target: float | None = None  # default: ctx.options["gate_target"] (0.95)
    max_fallback: float = DEFAULT_MAX_FALLBACK
    min_rows: int = MIN_TEST_ROWS

    def run(self, ctx: PassContext, graph: AgentGraph) -> AgentGraph:
        target = gate_target(ctx, self.target)
        for task in graph.tasks():
            if task.slm is None:
                verdict = Verdict(Decision.KEEP, ("no SLM was selected for this task",))
            elif task.finetune is None:
                verdict = Verdict(Decision.KEEP, ("no fine-tune plan (too few training calls)",))
            elif task.eval is None or task.eval.n == 0:
                verdict = judge(None) if task.eval is None else Verdict(Decision.KEEP, ("trained but not evaluated",))
            else:
                verdict = judge(task.eval, target=target, max_fallback=self.max_fallback, min_rows=self.min_rows)
            graph.update(task.id, decision=verdict.decision, decision_reasons=verdict.reasons)
            ctx.log(f"{task.id}: {verdict.decision} ({'; '.join(verdict.reasons)})")
        tasks = graph.tasks()
        ctx.note(f"{sum(t.decision == Decision.OFFLOAD for t in tasks)} of {len(tasks)} tasks offloaded")
        for site in graph.nodes(LLMCall):
            verdict = site_verdict(site.id, tasks)
            if verdict is not None:
                graph.update(site.id, decision=verdict.decision, decision_reasons=verdict.reasons)
        return graph
