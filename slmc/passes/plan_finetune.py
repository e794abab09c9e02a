"""plan-finetune: write each task's datasets from the curated traces and fill ``Task.finetune`` with a preset.

A label task given a classifier head is piloted first (``slmc.training.pilot``): the frozen-embedding head is fitted
on a sample and scored on the validation calls; when no threshold lets it clear the gate's target within
``pilot-fallback`` of the calls, the plan fine-tunes the encoder end to end (``encoder-classifier``) and says so.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.errors import Diagnostic, Severity, SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import HEAD_METHODS, FinetunePlan, LLMCall, SLMChoice, Task, Verdict
from slmc.ir.unit import CompileUnit, PlanReport
from slmc.safety import safe_join
from slmc.training.gate import DEFAULT_TARGET

CHEAP_METHODS = ("classifier-head",)  # heads that train in seconds: cross-validated over every call
# heads that train within a minute: cross-validated over every call when a held-out split would be too small for even
# a perfect head to clear the gate at the allowed fallback (BFCL multiple: 200 calls, 30 held out; all 200 judged
# out of fold instead); larger tasks keep one held-out split (one training)
FOLD_WHEN_SMALL = ("tool-head",)


def build_dir(ctx: PassContext) -> Path:
    if ctx.out_dir is None:
        raise SlmcError(
            "fine-tuning needs a build folder", hint="pass --out DIR (datasets and models are written there)"
        )
    return Path(ctx.out_dir)


def open_ended_by(graph: AgentGraph, task: Task) -> str | None:
    """Who rates the task open-ended: the trace analysis (score-offload), or the static triage of every site it serves;
    None when neither does."""
    if task.offload is not None:
        if task.offload.verdict == Verdict.OPEN_ENDED:
            return f"offload score {task.offload.score:.2f}"
        if task.offload.verdict == Verdict.NARROW:
            return None
    sites = [graph.get(sid) for sid in task.sites if sid in graph]
    triaged = [s.triage for s in sites if isinstance(s, LLMCall) and s.triage is not None]
    if triaged and all(t.verdict == Verdict.OPEN_ENDED for t in triaged):
        return f"static triage of its site{'s' if len(triaged) > 1 else ''} (score {max(t.score for t in triaged):.2f})"
    return None


def holdout_sizes(n: int, *, target: float, confidence: float, share: float, floor: float) -> tuple[int, int]:
    """(test, validation) rows for a task of ``n`` calls, together at most ``share`` of them: training keeps the rest
    (a model trained from few calls is what fails first: holding out 35 % of the README's route_ticket calls left its
    model never answering priority 1, 70 % agreement; with 80 % kept it agrees on every call). Test first: enough for
    a good-enough model to clear ``target`` (``gate.rows_to_clear``), at least ``floor`` of the calls, as far as the
    share allows; validation (threshold calibration, the pilot's sample) at least half of ``floor``, at most ``floor``."""
    from slmc.training.gate import rows_to_clear

    need = rows_to_clear(target, confidence=confidence)
    held = int(share * n)
    least = min(round(floor / 2 * n), held)
    test = min(max(need, round(floor * n)), held - least)
    validation = min(held - test, max(least, round(floor * n)))
    return test, validation


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
    # held-out calls, sized for the gate: heads that train in seconds are cross-validated over every call (folds);
    # the others hold out at most holdout_share of the task's calls (test and validation together: training keeps the
    # rest), test first with enough calls for a good-enough model to clear the target (holdout_sizes), validation at
    # least half of holdout_floor; holdout=curation keeps curate's split
    holdout: str = "auto"  # auto | curation
    folds: int = 5
    # heads that train in a minute or two (heads.CALIBRATED_OUT_OF_FOLD) with fewer calibration calls (validation and
    # the head's own slice) than gate.calibration_rows: this many fold heads answer the training rows out of fold, and
    # the threshold is calibrated on those answers too (0 or 1: never)
    calibration_folds: int = 3
    holdout_share: float = 0.2
    holdout_floor: float = 0.1
    target: float = setting_field("gate_target", DEFAULT_TARGET)
    confidence: float = 0.95
    device: str = setting_field("device", "auto")  # the training device: a plan for the CPU when it is the CPU

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.training import datasets as ds
        from slmc.training.gate import best_lower_bound, rows_to_clear
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
        gpu = not ctx.settings.cpu_only and self.device != "cpu" and cuda_available()
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
            rated = open_ended_by(graph, task)
            if rated and not self.train_open_ended:
                warn(
                    ctx,
                    task,
                    "I504",
                    f"open-ended ({rated}); kept on the LLM without training "
                    "(plan-finetune{train-open-ended=true} trains it anyway)",
                    Severity.INFO,
                )
                continue
            if override and slm.method not in HEAD_METHODS and override != slm.source:
                slm = dataclasses.replace(
                    slm, model=override, source=override, reasons=(*slm.reasons, f"base_model option: {override}")
                )
            data = ds.build_task_dataset(records, task.id)
            if slm.method == "classifier-head" and self.pilot:  # before the held-out sizing, which the kind decides
                slm = self._pilot(ctx, task, slm, data.rows["train"], data.rows["validation"])
            folds = 0
            if self.holdout == "auto":
                by_answer = task.contract is not None and task.contract.kind == "label"
                total = sum(data.counts().values())
                if slm.method in CHEAP_METHODS and self.folds > 1 and total >= 2 * self.folds:
                    folds = self.folds
                    data = ds.kfold(data, folds=folds, by_answer=by_answer, seed=self.seed)
                else:
                    n_test, n_val = holdout_sizes(
                        total, target=self.target, confidence=self.confidence, share=self.holdout_share,
                        floor=self.holdout_floor,
                    )  # fmt: skip
                    # a perfect head falling back on the allowed share: the fewest held-out calls it clears on
                    perfect = rows_to_clear(
                        self.target, agreement=1.0, fallback=ctx.settings.max_fallback, confidence=self.confidence
                    )
                    if (
                        slm.method in FOLD_WHEN_SMALL
                        and self.folds > 1
                        and total >= 2 * self.folds
                        and n_test < perfect
                    ):
                        folds = self.folds
                        data = ds.kfold(data, folds=folds, by_answer=by_answer, seed=self.seed)
                        ctx.log(
                            f"{task.id}: {n_test} held-out calls of {total} cannot clear target {self.target:.2f} even "
                            f"if every answer agrees at {ctx.settings.max_fallback:.0%} fallback (needs {perfect}); "
                            f"{folds}-fold cross-validation judges all {total} calls"
                        )
                    else:
                        data = ds.resplit(
                            data, test_rows=n_test, validation_rows=n_val, by_answer=by_answer, seed=self.seed
                        )
            elif self.holdout != "curation":
                raise SlmcError(
                    f"plan-finetune: unknown holdout {self.holdout!r}", hint="use holdout=auto or holdout=curation"
                )
            if self.max_train_rows and len(data.rows["train"]) > self.max_train_rows:
                data.rows["train"] = data.rows["train"][: self.max_train_rows]
                data.meta["train"] = data.meta["train"][: self.max_train_rows]
            train_rows = data.rows["train"]
            if len(train_rows) < self.min_train_rows:
                warn(ctx, task, "W501", f"only {len(train_rows)} training calls (< {self.min_train_rows}); not planned")
                continue
            n_gate = len(train_rows) if folds else len(data.rows["test"])
            if not folds and not n_gate:
                warn(ctx, task, "W502", "no held-out test calls; the quality gate will keep it on the LLM")
            elif slm.method not in CHEAP_METHODS and best_lower_bound(n_gate, self.confidence) < self.target:
                least = rows_to_clear(self.target, agreement=1.0, fallback=0.0, confidence=self.confidence)
                warn(
                    ctx,
                    task,
                    "W506",
                    f"n={n_gate} held-out calls cannot clear the target even if every answer agrees (lower bound "
                    f"{best_lower_bound(n_gate, self.confidence):.3f} < target {self.target:.2f}); train skips it "
                    f"(train{{early-stop=false}} trains it anyway). Record at least "
                    f"{math.ceil(least / (self.holdout_share - self.holdout_floor / 2))} calls ({least} held out)",
                )
            folder = safe_join(build, "datasets", name)
            ds.write_task_dataset(data, folder)
            rel = folder.relative_to(build).as_posix()
            tokenizer = None
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
            key = stats_key(folder, slm.source, slm.method, self.seed)
            # compile --from: the same rows and base measured by the deployed compile (no base built, no tokenizer)
            stats = deployed_stats(ctx.settings.reuse_from, name, key) if ctx.settings.reuse_from else None
            if stats is None:
                if is_scratch(slm.source) and slm.method not in HEAD_METHODS:
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
            if folds:
                plan = dataclasses.replace(plan, folds=folds)
            else:
                plan = self._calibration_folds(ctx, task, plan, len(train_rows), len(data.rows["validation"]))
            graph.update(task.id, slm=slm, finetune=plan)
            held = f"gate on all n={n_gate} calls ({folds}-fold)" if folds else f"gate on n={n_gate} held-out calls"
            ctx.log(
                f"{task.id}: {plan.method}, {plan.train_rows} rows, {plan.epochs:g} epochs, max_length {plan.max_length}"
                f"; {held}"
            )
            ctx.note(f"{task.id} n={n_gate}")
        unit.reports.plan = plan_report(graph, ctx.diagnostics)
        return unit

    def _calibration_folds(
        self, ctx: PassContext, task: Task, plan: FinetunePlan, n_train: int, n_validation: int
    ) -> FinetunePlan:
        """The plan with ``calibration_folds`` when its threshold would be set on too few calls: a head that can
        answer its training rows out of fold (``heads.CALIBRATED_OUT_OF_FOLD``) whose validation split and own
        calibration slice together are fewer than ``gate.calibration_rows``."""
        from slmc.training.gate import calibration_rows
        from slmc.training.heads import CALIBRATED_OUT_OF_FOLD, own_calibration_rows

        k = self.calibration_folds
        if k < 2 or plan.method not in CALIBRATED_OUT_OF_FOLD or n_train < 2 * k:
            return plan
        have = n_validation + own_calibration_rows(plan.method, n_train)
        need = calibration_rows(self.target, ctx.settings.max_fallback)
        if have >= need:
            return plan
        ctx.log(
            f"{task.id}: {have} calibration calls (validation and the head's slice) < {need} needed to set the "
            f"threshold at {ctx.settings.max_fallback:.0%} fallback; {k} fold heads answer the {n_train} training "
            "calls out of fold for it"
        )
        return dataclasses.replace(plan, calibration_folds=k)

    def _pilot(self, ctx: PassContext, task: Task, slm: SLMChoice, train: list, validation: list) -> SLMChoice:
        """The frozen head when its pilot passes; the encoder fine-tuned end to end when it cannot (and can be)."""
        from slmc.passes.evaluate import model_embedder
        from slmc.training.embed import minilm_available
        from slmc.training.pilot import pilot_frozen_head

        embedder = model_embedder(ctx)
        limit = min(self.pilot_fallback, ctx.settings.max_fallback)
        ctx.milestone(f"{task.id}: pilot of the frozen classifier head")
        cache = None
        if embedder == "minilm":  # the texts the map (or the deployed compile) embedded are read, not embedded again
            from slmc.analysis.embeddings import shared_minilm

            cache = shared_minilm(ctx.cache_dir / "embeddings" if ctx.cache_dir else None, ctx.settings.reuse_from)
        pilot = pilot_frozen_head(
            train,
            validation,
            target=ctx.settings.gate_target,
            max_fallback=limit,
            embedder=embedder,
            seed=self.seed,
            cache=cache,
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
