"""plan-finetune: write each task's datasets from the curated traces and fill ``Task.finetune`` with a preset.

A label task given a classifier head is piloted first (``slmc.training.pilot``): the frozen-embedding head is fitted
on a sample and scored on the validation calls; when no threshold lets it clear the gate's target within
``pilot-fallback`` of the calls, the plan fine-tunes the encoder end to end (``encoder-classifier``) and says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, Severity, SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import HEAD_METHODS, SLMChoice, Task, Verdict
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
    pilot: bool = True  # label tasks: pilot the frozen classifier head; fine-tune the encoder when it cannot pass
    pilot_fallback: float = 0.1  # the most fallback the frozen head may need in its pilot to be kept

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training import datasets as ds
        from slmc.training.models import bitsandbytes_available, cuda_available, load_tokenizer
        from slmc.training.presets import make_plan
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
            if override and slm.method not in HEAD_METHODS and override != slm.source:
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
            if slm.method == "classifier-head" and self.pilot:
                slm = self._pilot(ctx, task, slm, data.rows["train"], data.rows["validation"])
            if slm.method not in HEAD_METHODS and not is_scratch(slm.source):
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
            if is_scratch(slm.source) and slm.method not in HEAD_METHODS:
                tokenizer = load_tokenizer(prepare_base(slm.source, build, task, train_rows, seed=self.seed))
            stats = ds.length_stats(train_rows, tokenizer)
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

    def _pilot(self, ctx: PassContext, task: Task, slm: SLMChoice, train: list, validation: list) -> SLMChoice:
        """The frozen head when its pilot passes; the encoder fine-tuned end to end when it cannot (and can be)."""
        from slmc.passes.evaluate import model_embedder
        from slmc.training.embed import minilm_available
        from slmc.training.pilot import pilot_frozen_head

        embedder = model_embedder(ctx)
        limit = min(self.pilot_fallback, ctx.settings.max_fallback)
        ctx.milestone(f"{task.id}: pilot of the frozen classifier head")
        pilot = pilot_frozen_head(
            train, validation, target=ctx.settings.gate_target, max_fallback=limit, embedder=embedder, seed=self.seed
        )
        if pilot is None:
            return slm
        if pilot.passes:
            return dataclasses.replace(slm, reasons=(*slm.reasons, f"{pilot.text()}: the frozen head is kept"))
        if embedder != "minilm" or not minilm_available():
            why = f"{pilot.text()}; the encoder cannot be fine-tuned here (no MiniLM): the frozen head is kept"
            return dataclasses.replace(slm, reasons=(*slm.reasons, why))
        ctx.log(f"{task.id}: {pilot.text()}: fine-tuning the encoder end to end")
        return dataclasses.replace(
            slm,
            model=f"encoder-classifier:{slm.model.split(':', 1)[-1]}",
            method="encoder-classifier",
            reasons=(
                *slm.reasons,
                f"{pilot.text()}: the encoder is fine-tuned end to end with its label head",
            ),
            alternatives=(f"{slm.model} frozen head (rejected by its pilot)", *slm.alternatives),
        )


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
