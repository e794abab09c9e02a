"""train: fine-tune each planned task's SLM; records the model directory and training seconds in ``Task.eval``.

Until ``evaluate`` runs, ``Task.eval`` holds only the training outcome (``n == 0``: not yet evaluated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.ir.nodes import EvalResult, Task
from slmc.ir.unit import CompileUnit
from slmc.passes.evaluate import model_embedder, training_device
from slmc.passes.plan_finetune import build_dir


@dataclass(frozen=True)
class Train(Pass):
    name = "train"
    summary = "fine-tune the planned SLMs (LoRA / QLoRA / full / classifier head)"
    requires = ("finetune-plan",)
    provides = ("trained",)
    expensive = True
    device: str = setting_field("device", "auto")  # auto | cpu | cuda
    resume: bool = False  # reuse finished runs, continue interrupted ones from their checkpoint
    only: tuple[str, ...] = ()  # task ids to train (default: every planned task)
    # wall-time budget per task (0: none); the model trained so far is evaluated
    max_seconds: float = setting_field("train_budget", 0.0)
    # a deployed bundle (``slmc compile --from``): tasks whose plan and training data did not change reuse its model
    reuse_from: str | None = setting_field("reuse_from", None)

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training.metrics import metric_for
        from slmc.training.trainer import train_task

        graph = unit.graph
        build = build_dir(ctx)
        device = training_device(ctx, self.device)
        deployed: dict = {}
        by_task: dict = {}  # the deployed model of each task (by folder name): where a retrained task starts from
        if self.reuse_from:
            from slmc.training.reuse import check_bundle, trained_models
            from slmc.training.warm import deployed_by_task

            deployed = trained_models(check_bundle(self.reuse_from))
            by_task = deployed_by_task(self.reuse_from)
        for task in graph.tasks():
            if task.finetune is None or task.slm is None or (self.only and task.id not in self.only):
                continue
            outcome = None
            warm = None
            if self.reuse_from:
                from slmc.training.reuse import reuse_from_bundle
                from slmc.training.trainer import task_slug
                from slmc.training.warm import warm_start

                outcome = reuse_from_bundle(task, build, deployed, ctx.log)
                if outcome is None:
                    warm = warm_start(task, by_task, task_slug(task))
            if outcome is not None:
                ctx.milestone(f"{task.id}: unchanged since the deployed bundle, its model reused")
                ctx.note(f"{task.id} reused from the bundle")
                graph.update(task.id, eval=_trained(task, build, outcome, metric_for))
                continue
            how = "" if warm is None else f"; {warm.reason}" if warm.folder else f"; from scratch: {warm.reason}"
            ctx.milestone(f"{task.id}: training {task.slm.source} ({task.finetune.method}){how}")  # a line per training
            outcome = train_task(
                task,
                build,
                device=device,
                resume=self.resume or ctx.settings.resume_training,
                progress=ctx.progress,
                embedder=model_embedder(ctx),
                log=ctx.log,
                max_seconds=self.max_seconds,
                warm=warm,
            )
            warmed = " warm" if warm is not None and warm.folder is not None and not outcome.reused else ""
            ctx.note(f"{task.id} {'reused' if outcome.reused else f'{outcome.seconds:.1f}s{warmed}'}")
            graph.update(task.id, eval=_trained(task, build, outcome, metric_for))
        return unit


def _trained(task: Task, build: Path, outcome: Any, metric_for: Any) -> EvalResult:
    return EvalResult(
        metric=metric_for(task.contract),
        agreement=0.0,
        lower_bound=0.0,
        n=0,
        adapter=outcome.model_dir.relative_to(build).as_posix(),
        train_seconds=round(outcome.seconds, 2),
    )
