"""gate: accept or reject each task's SLM on its evaluation, then decide every served site (offload/shadow/keep)."""

from __future__ import annotations

from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.ir.nodes import Decision, LLMCall
from slmc.ir.unit import CompileUnit
from slmc.training.gate import DEFAULT_MAX_FALLBACK, DEFAULT_TARGET, MIN_TEST_ROWS, Verdict, judge, site_verdict


@dataclass(frozen=True)
class Gate(Pass):
    name = "gate"
    summary = "accept an SLM only if its agreement lower bound clears the target; decide each site"
    requires = ("evaluated",)
    provides = ("gated",)
    target: float = setting_field("gate_target", DEFAULT_TARGET)  # required agreement (lower confidence bound)
    max_fallback: float = setting_field("max_fallback", DEFAULT_MAX_FALLBACK)
    min_rows: int = MIN_TEST_ROWS

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        for task in graph.tasks():
            if task.slm is None:
                verdict = Verdict(Decision.KEEP, ("no SLM was selected for this task",))
            elif task.finetune is None:
                verdict = Verdict(Decision.KEEP, (_why_not_planned(unit, task.id),))
            elif task.eval is None or task.eval.n == 0:
                verdict = judge(None) if task.eval is None else Verdict(Decision.KEEP, ("trained but not evaluated",))
            else:
                verdict = judge(task.eval, target=self.target, max_fallback=self.max_fallback, min_rows=self.min_rows)
            graph.update(task.id, decision=verdict.decision, decision_reasons=verdict.reasons)
            ctx.log(f"{task.id}: {verdict.decision} ({'; '.join(verdict.reasons)})")
        tasks = graph.tasks()
        ctx.note(f"{sum(t.decision == Decision.OFFLOAD for t in tasks)} of {len(tasks)} tasks offloaded")
        for site in graph.nodes(LLMCall):
            verdict = site_verdict(site.id, tasks)
            if verdict is not None:
                graph.update(site.id, decision=verdict.decision, decision_reasons=verdict.reasons)
        return unit


NOT_PLANNED = ("I504", "W501", "W505")  # plan-finetune's reasons for leaving a task untrained


def _why_not_planned(unit: CompileUnit, task_id: str) -> str:
    """Why plan-finetune left a task without a plan, as it said it (open-ended, too few calls, a name taken)."""
    prefix = f"{task_id}: "
    for d in unit.reports.diagnostics:
        message = d.get("message") if isinstance(d, dict) else None
        if isinstance(message, str) and d.get("code") in NOT_PLANNED and message.startswith(prefix):
            return "not trained: " + message[len(prefix) :]
    return "no fine-tune plan"
