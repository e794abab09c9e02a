"""evaluate: score each trained SLM against the teacher on held-out calls and calibrate its confidence threshold."""

from __future__ import annotations

from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.ir.graph import AgentGraph
from slmc.passes.plan_finetune import build_dir


def training_device(ctx: PassContext, device: str) -> str:
    """The pass option, else ``ctx.options["device"]``; ``cpu_only`` forces the CPU."""
    if ctx.options.get("cpu_only"):
        return "cpu"
    if device == "auto":
        return ctx.options.get("device") or "auto"
    return device


def gate_target(ctx: PassContext, override: float | None = None) -> float:
    from slmc.training.gate import DEFAULT_TARGET

    value = override if override is not None else ctx.options.get("gate_target", DEFAULT_TARGET)
    return float(value if value is not None else DEFAULT_TARGET)


@dataclass(frozen=True)
class Evaluate(Pass):
    name = "evaluate"
    summary = "measure agreement with the teacher on held-out calls and calibrate the fallback threshold"
    requires = ("trained",)
    provides = ("evaluated",)
    device: str = "auto"
    batch_size: int = 32
    confidence: float = 0.95  # level of the one-sided lower confidence bound
    target: float | None = None  # default: ctx.options["gate_target"] (0.95)

    def run(self, ctx: PassContext, graph: AgentGraph) -> AgentGraph:
        from slmc.training.embed import Embedder
        from slmc.training.evaluation import evaluate_task

        build = build_dir(ctx)
        device = training_device(ctx, self.device)
        embedder = Embedder(ctx.options.get("embedder") or "minilm")
        target = gate_target(ctx, self.target)
        results = ctx.artifacts.setdefault("evaluations", {})
        for task in graph.tasks():
            if task.finetune is None or task.eval is None or not task.eval.adapter:
                continue
            ctx.milestone(f"{task.id}: evaluating {task.eval.adapter}")
            evaluation = evaluate_task(
                task,
                build,
                target=target,
                confidence=self.confidence,
                device=None if device == "auto" else device,
                batch_size=self.batch_size,
                progress=ctx.progress,
                embedder=embedder,
            )
            results[task.id] = {
                "test": evaluation.test_summary,
                "validation_operating_point": evaluation.validation_point.to_dict(),
                "ground_truth_rows": evaluation.ground_truth_n,
            }
            graph.update(task.id, eval=evaluation.result)
            ctx.note(f"{task.id} agreement {evaluation.result.agreement:.1%} (n={evaluation.result.n})")
        return graph
