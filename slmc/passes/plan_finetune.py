"""plan-finetune: write each task's datasets from the curated traces and fill ``Task.finetune`` with a preset."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, Severity, SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Task, Verdict
from slmc.ir.unit import CompileUnit, PlanReport
from slmc.safety import safe_join


def build_dir(ctx: PassContext) -> Path:
    if ctx.out_dir is None:
        raise SlmcError(
            "fine-tuning needs a build folder", hint="pass --out DIR (datasets and models are written there)"
        )
    return Path(ctx.out_dir)


def warn(ctx: PassContext, task: Task, code: str, message: str, severity: Severity = Severity.WARNING) -> None:
    ctx.report(
        Diagnostic(path="", line=0, col=0, code=code, message=f"{task.id}: {message}", severity=severity, site=task.id)
    )


@dataclass(frozen=True)
class PlanFinetune(Pass):
    name = "plan-finetune"
    summary = "write per-task train/validation/test datasets and choose a fine-tuning preset"
    requires = ("slm-choices",)
    provides = ("finetune-plan",)
    keeps_traces = True
    seed: int = 0
    min_train_rows: int = 8
    max_train_rows: int = 0  # 0: every curated train call
    epochs: float = 0.0  # 0: from the preset
    train_open_ended: bool = False  # also fine-tune tasks score-offload judged open-ended (kept on the LLM)
    stand_in_cpu: str = "scratch:tiny"  # base trained when the chosen SLM cannot be loaded here (offline), on CPU
    stand_in_gpu: str = "scratch:small"  # ... and on a GPU

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training import datasets as ds
        from slmc.training.models import bitsandbytes_available, cuda_available, load_tokenizer
        from slmc.training.presets import make_plan
        from slmc.training.reuse import deployed_stats, save_stats, stats_key
        from slmc.training.scratch import is_scratch
        from slmc.training.trainer import prepare_base, task_slug

        graph = unit.graph
        build = build_dir(ctx)
        if unit.traces is None:
            raise SlmcError("plan-finetune needs the traces", hint="give trace files (--traces) so tasks have data")
        records = list(unit.traces)
        gpu = not ctx.settings.cpu_only and cuda_available()
        bnb = bitsandbytes_available()
        override = ctx.settings.base_model
        folders: dict[str, str] = {}  # task file name -> task id: two tasks never share a folder
        for task in graph.tasks():
            if task.slm is None:
                continue
            name = task_slug(task)
            if folders.setdefault(name, task.id) != task.id:
                warn(ctx, task, "W505", f"its file name {name!r} is taken by {folders[name]}; not planned")
                continue
            slm = task.slm
            if task.offload and task.offload.verdict == Verdict.OPEN_ENDED and not self.train_open_ended:
                warn(
                    ctx,
                    task,
                    "I504",
                    f"open-ended (offload score {task.offload.score:.2f}); kept on the LLM without training "
                    "(plan-finetune{train-open-ended=true} trains it anyway)",
                    Severity.INFO,
                )
                continue
            if override and slm.method != "classifier-head" and override != slm.source:
                slm = dataclasses.replace(
                    slm, model=override, source=override, reasons=(*slm.reasons, f"base_model option: {override}")
                )
            data = ds.build_task_dataset(records, task.id)
            if self.max_train_rows and len(data.rows["train"]) > self.max_train_rows:
                data.rows["train"] = data.rows["train"][: self.max_train_rows]
                data.meta["train"] = data.meta["train"][: self.max_train_rows]
            train_rows = data.rows["train"]
            if len(train_rows) < self.min_train_rows:
                warn(ctx, task, "W501", f"only {len(train_rows)} training calls (< {self.min_train_rows}); not planned")
                continue
            if not data.rows["test"]:
                warn(ctx, task, "W502", "no held-out test calls; the quality gate will keep it on the LLM")
            folder = safe_join(build, "datasets", name)
            ds.write_task_dataset(data, folder)
            rel = folder.relative_to(build).as_posix()
            tokenizer = None
            if slm.method != "classifier-head" and not is_scratch(slm.source):
                try:
                    tokenizer = load_tokenizer(slm.source)
                except (OSError, ValueError) as exc:  # neither a local folder, nor cached, nor downloadable
                    if override:
                        raise SlmcError(
                            f"cannot load base model {override!r}: {str(exc).splitlines()[0]}",
                            hint="give a local model directory, download the hub id into the HF cache first, "
                            "or use scratch:<tiny|small|base>",
                        ) from None
                    stand_in = self.stand_in_gpu if gpu else self.stand_in_cpu
                    warn(
                        ctx,
                        task,
                        "W503",
                        f"base model {slm.source} cannot be loaded here (offline, not in the Hugging Face cache); "
                        f"training a {stand_in} stand-in instead. Give --base-model PATH (or download "
                        f"{slm.source}) to fine-tune the chosen SLM",
                    )
                    slm = dataclasses.replace(
                        slm,
                        model=stand_in,
                        source=stand_in,
                        reasons=(*slm.reasons, f"{slm.source} not loadable offline: {stand_in} stand-in"),
                    )
            key = stats_key(folder, slm.source, slm.method, self.seed)
            # compile --from: the same rows and base measured by the deployed compile (no base built, no tokenizer)
            stats = deployed_stats(ctx.settings.reuse_from, name, key) if ctx.settings.reuse_from else None
            if stats is None:
                if is_scratch(slm.source) and slm.method != "classifier-head":
                    tokenizer = load_tokenizer(prepare_base(slm.source, build, task, train_rows, seed=self.seed))
                stats = ds.length_stats(train_rows, tokenizer)
            else:
                ctx.log(f"{task.id}: training rows unchanged since the deployed bundle; their token lengths reused")
            save_stats(folder, key, stats)
            plan = make_plan(
                slm,
                dataset=f"{rel}/train.jsonl",
                validation=f"{rel}/validation.jsonl",
                test=f"{rel}/test.jsonl",
                stats=stats,
                seed=self.seed,
                gpu=gpu,
                bitsandbytes=bnb,
                epochs=self.epochs or None,
            )
            graph.update(task.id, slm=slm, finetune=plan)
            ctx.log(
                f"{task.id}: {plan.method}, {plan.train_rows} rows, {plan.epochs:g} epochs, max_length {plan.max_length}"
            )
        unit.reports.plan = plan_report(graph, ctx.diagnostics)
        return unit


NOT_PLANNED = ("I504", "W501", "W505")  # the diagnostics that say why a task with an SLM was not planned


def plan_report(graph: AgentGraph, diagnostics: list[Diagnostic]) -> PlanReport:
    """The tasks planned (their dataset folders, relative to the build folder) and those left out (the code why)."""
    why = {d.site: d.code for d in diagnostics if d.code in NOT_PLANNED and d.site}
    report = PlanReport()
    for task in graph.tasks():
        if task.finetune is not None:
            report.datasets[task.id] = Path(task.finetune.dataset).parent.as_posix()
        elif task.slm is not None:
            report.skipped[task.id] = why.get(task.id, "not planned")
    return report
