"""train: fine-tune each planned task's SLM; records the model directory and training seconds in ``Task.eval``.

Until ``evaluate`` runs, ``Task.eval`` holds only the training outcome (``n == 0``: not yet evaluated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import EvalResult, Task
from slmc.ir.unit import CompileUnit
from slmc.passes.evaluate import model_embedder, training_device
from slmc.passes.plan_finetune import build_dir
from slmc.training.gate import DEFAULT_MAX_FALLBACK, DEFAULT_TARGET


def selected(graph: AgentGraph, only: tuple[str, ...]) -> set[str]:
    """Task ids that ``only`` names (a task's id, name, or id without ``task:``); every name must match a planned
    task, or nothing is trained: the error lists the planned tasks."""
    planned = [t for t in graph.tasks() if t.finetune is not None and t.slm is not None]
    if not only:
        return {t.id for t in planned}
    aliases = {alias: t.id for t in planned for alias in (t.id, t.name, t.id.removeprefix("task:")) if alias}
    names: list[str] = []
    for part in only:  # a pipeline string splits tuples on ':', so only=task:classify arrives as ("task", "classify")
        if names and names[-1] == "task":
            names[-1] = f"task:{part}"
        else:
            names.append(part)
    only = tuple(names)
    unknown = [name for name in only if name not in aliases]
    if unknown:
        names = ", ".join(t.id for t in planned) or "none (run plan-finetune first)"
        raise SlmcError(
            f"train: only={','.join(unknown)} matches no planned task; planned tasks: {names}",
            hint="give task ids as the plan lists them (slmc train PLAN --task ID)",
        )
    return {aliases[name] for name in only}


@dataclass(frozen=True)
class Train(Pass):
    name = "train"
    summary = "fine-tune the planned SLMs (LoRA / QLoRA / full / classifier head)"
    requires = ("finetune-plan",)
    provides = ("trained",)
    expensive = True
    device: str = setting_field("device", "auto")  # auto | cpu | cuda
    resume: bool = False  # reuse finished runs, continue interrupted ones from their checkpoint
    only: tuple[str, ...] = ()  # tasks to train, by id or name (default: every planned task); none matching: an error
    # safety cap per task, CPU seconds for encoder heads on the CPU (0: none); the model trained so far is evaluated
    max_seconds: float = setting_field("train_budget", 0.0)
    # a deployed bundle (``slmc compile --from``): tasks whose plan and training data did not change reuse its model
    reuse_from: str | None = setting_field("reuse_from", None)
    # generative training stops early when a pilot on a sample of validation calls shows that the gate can no longer
    # be cleared (early_stop=false trains every planned step)
    early_stop: bool = True
    target: float = setting_field("gate_target", DEFAULT_TARGET)
    max_fallback: float = setting_field("max_fallback", DEFAULT_MAX_FALLBACK)

    def _unreachable(self, build: Path, task: Task) -> str | None:
        """Why generative training cannot pay off (its held-out calls cannot clear the target even if every answer
        agrees), or None. Cross-validated heads (every call judged) and heads that train in seconds are always trained."""
        from slmc.passes.plan_finetune import CHEAP_METHODS
        from slmc.training.gate import best_lower_bound

        plan = task.finetune
        if plan is None or plan.folds > 1 or plan.method in CHEAP_METHODS:
            return None
        test = build / plan.test
        n = sum(1 for line in test.read_text(encoding="utf-8").splitlines() if line.strip()) if test.is_file() else 0
        best = best_lower_bound(n)
        if best >= self.target:
            return None
        return f"n={n} held-out calls cannot clear the target even if every answer agrees (lower bound {best:.3f} < target {self.target:.2f})"

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training.metrics import metric_for
        from slmc.training.trainer import finished_run, train_task

        graph = unit.graph
        build = build_dir(ctx)
        device = training_device(ctx, self.device)
        chosen = selected(graph, self.only)
        deployed: dict = {}
        by_task: dict = {}  # the deployed model of each task (by folder name): where a retrained task starts from
        embed_cache = None  # the compile's cached MiniLM: classifier heads read the features embedded before from it
        if model_embedder(ctx) == "minilm" and any(
            t.id in chosen and t.finetune is not None and t.finetune.method == "classifier-head" for t in graph.tasks()
        ):
            from slmc.analysis.embeddings import shared_minilm

            embed_cache = shared_minilm(ctx.cache_dir / "embeddings" if ctx.cache_dir else None, self.reuse_from)
        if self.reuse_from:
            from slmc.training.reuse import check_bundle, trained_models
            from slmc.training.warm import deployed_by_task

            deployed = trained_models(check_bundle(self.reuse_from))
            by_task = deployed_by_task(self.reuse_from)
        for task in graph.tasks():
            if task.finetune is None or task.slm is None or task.id not in chosen:
                continue
            resume = self.resume or ctx.settings.resume_training
            hopeless = self.early_stop and not (resume and finished_run(build, task)) and self._unreachable(build, task)
            if hopeless:
                ctx.milestone(f"{task.id}: not trained: {hopeless}")
                ctx.note(f"{task.id} skipped")
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
                resume=resume,
                progress=ctx.progress,
                embedder=model_embedder(ctx),
                log=ctx.log,
                max_seconds=self.max_seconds,
                pilot=self.early_stop,
                target=self.target,
                max_fallback=self.max_fallback,
                warm=warm,
                embed_cache=embed_cache,
            )
            if outcome.stopped:
                ctx.milestone(f"{task.id}: stopped early after {outcome.seconds:.0f}s ({outcome.stopped})")
            warmed = " warm" if warm is not None and warm.folder is not None and not outcome.reused else ""
            stopped = " (stopped early)" if outcome.stopped else ""
            ctx.note(f"{task.id} {'reused' if outcome.reused else f'{outcome.seconds:.1f}s{warmed}{stopped}'}")
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
