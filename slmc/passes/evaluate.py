"""evaluate: score each trained SLM against the teacher on held-out calls and calibrate its confidence threshold."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.ir.unit import CompileUnit, EvaluationReport
from slmc.passes.plan_finetune import build_dir
from slmc.training.gate import DEFAULT_TARGET


def training_device(ctx: PassContext, device: str) -> str:
    """The pass's ``device`` option (the settings' precedence already applied); ``cpu_only`` forces the CPU."""
    return "cpu" if ctx.settings.cpu_only else device


def model_embedder(ctx: PassContext) -> str:
    """The sentence encoder of classifier-head tasks: the ``embedder`` setting, MiniLM when left at auto."""
    return ctx.settings.embedder if ctx.settings.embedder not in ("", "auto") else "minilm"


@dataclass(frozen=True)
class Evaluate(Pass):
    name = "evaluate"
    summary = "measure agreement with the teacher on held-out calls and calibrate the fallback threshold"
    requires = ("trained",)
    provides = ("evaluated",)
    device: str = setting_field("device", "auto")
    batch_size: int = setting_field("batch_size", 32)
    confidence: float = 0.95  # level of the one-sided lower confidence bound
    target: float = setting_field("gate_target", DEFAULT_TARGET)  # required agreement (lower confidence bound)

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training.embed import Embedder
        from slmc.training.evaluation import evaluate_task
        from slmc.training.reuse import eval_key, reused_eval, save_eval

        graph = unit.graph
        build = build_dir(ctx)
        device = training_device(ctx, self.device)
        embedder = Embedder(model_embedder(ctx))
        results = unit.reports.evaluations
        for task in graph.tasks():
            if task.finetune is None or task.eval is None or not task.eval.adapter:
                continue
            model = build / task.eval.adapter
            key = eval_key(build, task, model, {"target": self.target, "confidence": self.confidence})
            saved = reused_eval(model, key)  # a model reused from the deployed bundle, on the same rows
            if saved is not None:
                result, results[task.id] = saved
                graph.update(
                    task.id,
                    eval=dataclasses.replace(result, adapter=task.eval.adapter, train_seconds=task.eval.train_seconds),
                )
                ctx.note(f"{task.id} agreement {result.agreement:.1%} (n={result.n}, as deployed)")
                continue
            ctx.milestone(f"{task.id}: evaluating {task.eval.adapter}")
            evaluation = evaluate_task(
                task,
                build,
                target=self.target,
                confidence=self.confidence,
                device=None if device == "auto" else device,
                batch_size=self.batch_size,
                progress=ctx.progress,
                embedder=embedder,
            )
            results[task.id] = EvaluationReport(
                test=evaluation.test_summary,
                validation_operating_point=evaluation.validation_point.to_dict(),
                ground_truth_rows=evaluation.ground_truth_n,
            )
            graph.update(task.id, eval=evaluation.result)
            save_eval(model, key, evaluation.result, results[task.id])  # what `compile --from` may reuse
            ctx.note(f"{task.id} agreement {evaluation.result.agreement:.1%} (n={evaluation.result.n})")
        return unit
