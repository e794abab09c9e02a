"""Fine-tune one task's SLM with trl's SFTTrainer (+ peft): LoRA, QLoRA, full fine-tuning, or a classifier head.

Layout in the build folder (``<build>``):

* ``bases/<task>/``        scratch base (Llama-style from config, tokenizer trained on the task's data)
* ``checkpoints/<task>/``  trainer checkpoints (one kept, removed after success); ``resume=True`` continues from it
* ``models/<task>/``       the result: a peft adapter dir (``adapter_config.json`` + ``adapter_model.safetensors``), a
                           full HF model dir, or a classifier head (``head.json`` + ``head.safetensors``, never a
                           pickle); always with ``slmc-train.json``
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.ir.nodes import FinetunePlan, Task
from slmc.safety import OWNER_MARK, is_owned, mark_owned, remove_owned, safe_join
from slmc.safety import task_slug as _task_slug
from slmc.training.datasets import corpus_texts, read_jsonl, read_meta, reference_answer, to_prompt_completion
from slmc.training.heads import TRAINED_HEADS, train_head
from slmc.training.models import (
    TRAIN_INFO,
    cpu_threads_for,
    load_base,
    portable_base,
    read_train_info,
    resolve_device,
)
from slmc.training.scratch import build_scratch, is_scratch


def task_slug(task: Task) -> str:
    """The task's file and folder name: a slug (never ``.``, ``/`` or ``..``), distinct for distinct task ids."""
    return _task_slug(task.id)


def base_dir(build: Path, task: Task) -> Path:
    return safe_join(build, "bases", task_slug(task))


def model_dir(build: Path, task: Task) -> Path:
    return safe_join(build, "models", task_slug(task))


def checkpoint_dir(build: Path, task: Task) -> Path:
    return safe_join(build, "checkpoints", task_slug(task))


def fresh_folder(folder: Path) -> None:
    """Make ``folder`` an empty folder marked as slmc's: an earlier one slmc made is replaced, an empty one reused,
    anything else (a folder or file slmc did not create) is refused and left as it is."""
    if folder.exists() or folder.is_symlink():
        if is_owned(folder):
            remove_owned(folder)
        elif folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
        else:
            raise SlmcError(
                f"refusing to replace {folder}: slmc did not create it (no {OWNER_MARK} mark)",
                path=str(folder),
                hint="remove it yourself if it is left over from an older slmc, or choose another --out",
            )
    mark_owned(folder)


@dataclass(frozen=True)
class TrainOutcome:
    model_dir: Path
    seconds: float
    reused: bool = False  # an earlier run already finished this exact plan (resume)
    stopped: str | None = None  # why training stopped early: the pilot, or the time budget (None: it ran its plan)


def prepare_base(source: str, build: Path, task: Task, rows: list[dict[str, Any]] | None = None, seed: int = 0) -> str:
    """The loadable base for ``source``: a scratch spec is built into ``bases/<task>`` from the task's train rows."""
    if not is_scratch(source):
        return source
    plan = task.finetune
    if rows is None:
        if plan is None:
            raise SlmcError(f"{task.id}: no fine-tune plan", hint="run plan-finetune first")
        rows = read_jsonl(build / plan.dataset)
    return str(build_scratch(source, corpus_texts(rows), base_dir(build, task), seed=seed))


def multi_gpu_command(plan_path: str) -> str | None:
    """The ``accelerate launch`` command for several GPUs (printed, never required); None with 0-1 GPU."""
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count < 2:
        return None
    return f"accelerate launch --multi_gpu --num_processes {count} -m slmc.compiler.cli train {plan_path}"


def run_key(build: Path, plan: FinetunePlan, source: str) -> str:
    """What makes two training runs the same: the plan, the base, and the bytes of the training set."""
    h = hashlib.sha256(json.dumps([asdict(plan), source], sort_keys=True, default=str).encode())
    data = build / plan.dataset
    if data.is_file():
        h.update(data.read_bytes())
    return h.hexdigest()[:20]


def _finished(out: Path, key: str) -> dict[str, Any] | None:
    """The info of a finished run with this ``run_key`` (same plan, base and training data), else None."""
    info_path = out / TRAIN_INFO
    if not info_path.exists():
        return None
    info = json.loads(info_path.read_text())
    if info.get("method") == "classifier-head":
        from slmc.training.classifier import HEAD_CONFIG

        if not (out / HEAD_CONFIG).is_file():  # a pickled head of an older slmc: train again, never load it
            return None
    return info if info.get("run_key") == key else None


def finished_run(build: Path, task: Task) -> bool:
    """Whether ``models/<task>`` holds a finished run of exactly this plan, base and training data (reusable)."""
    if task.finetune is None or task.slm is None:
        return False
    return _finished(model_dir(build, task), run_key(build, task.finetune, task.slm.source)) is not None


def _claim_checkpoints(folder: Path, key: str) -> None:
    """Checkpoints of another run (other plan or data) are not resumed from: clear them (only ever a folder slmc
    created and marked; anything else is refused, never deleted)."""
    marker = folder / "slmc-run-key"
    ours = is_owned(folder) and marker.is_file() and not marker.is_symlink()
    if not (ours and marker.read_text().strip() == key):
        fresh_folder(folder)
    marker.write_text(key)


def _time_budget(seconds: float, log: Callable[[str], None], probe_steps: int = 8) -> Any:
    """A callback that fits training into ``seconds`` of wall time.

    After ``probe_steps`` steps (or sooner, once a quarter of the budget is spent: on a slow or loaded machine the
    hard stop would otherwise come before the projection) it projects the run's length; when the plan would overrun,
    it compresses the learning-rate schedule (same warmup, cosine decay ending at the affordable step) and stops
    there, so the model finishes its schedule instead of being cut at a high learning rate. A hard stop at 1.1x the
    budget remains.
    """
    import math

    from transformers import TrainerCallback

    from slmc.training.encoder_classifier import cap_note

    class TimeBudget(TrainerCallback):
        def __init__(self) -> None:
            self.start = time.perf_counter()
            self.stop_at: int | None = None
            self.fired: str | None = None  # ``cap_note``'s line when the budget ended training before its plan

        def on_step_end(self, args: Any, state: Any, control: Any, lr_scheduler: Any = None, **kwargs: Any) -> Any:
            elapsed = time.perf_counter() - self.start
            probed = state.global_step >= probe_steps or elapsed >= 0.25 * seconds
            if self.stop_at is None and state.global_step > 0 and probed:
                affordable = int(seconds / (elapsed / state.global_step))
                self.stop_at = state.max_steps
                if affordable < state.max_steps:
                    self.stop_at = max(affordable, state.global_step + 1)
                    warm = min(int(args.warmup_steps or 0), self.stop_at // 2)
                    end = self.stop_at

                    def schedule(step: int) -> float:
                        if step < warm:
                            return step / max(1, warm)
                        progress = min(1.0, (step - warm) / max(1, end - warm))
                        return 0.5 * (1.0 + math.cos(math.pi * progress))

                    if lr_scheduler is not None and hasattr(lr_scheduler, "lr_lambdas"):
                        lr_scheduler.lr_lambdas = [schedule for _ in lr_scheduler.lr_lambdas]
                    log(
                        f"time budget {seconds:g}s: {self.stop_at} of {state.max_steps} steps fit; "
                        "learning-rate schedule compressed to end there"
                    )
            over = self.stop_at is not None and state.global_step >= self.stop_at
            if (over or elapsed > 1.1 * seconds) and not control.should_training_stop:
                log(f"time budget of {seconds:g}s: stopping at step {state.global_step}/{state.max_steps}")
                control.should_training_stop = True
                self.fired = cap_note(seconds, state.global_step, state.max_steps)
            return control

    return TimeBudget()


PILOT_CHECKS = (0.25, 0.5, 0.75)  # shares of the planned steps where the pilot answers its sample
PILOT_FIRST_STOP = 0.5  # no stop before this share: an early model is measured, never judged
PILOT_SAMPLE = 48  # validation calls the pilot answers


@dataclass(frozen=True)
class PilotCheck:
    """What the pilot saw at one check: the best the gate could get from the sample at this point of training."""

    step: int
    share: float  # of the planned steps
    kept: int  # sampled calls the model would keep (the most confident, down to max_fallback)
    agreement: float  # mean agreement on them
    upper: float  # its one-sided upper confidence bound
    projected: float  # ``upper`` extrapolated to the end of training along the last check's gain

    def text(self, target: float) -> str:
        return (
            f"pilot at {self.share:.0%} of training: agreement {self.agreement:.3f} on the {self.kept} most confident "
            f"sampled calls, upper bound {self.upper:.3f}, projected {self.projected:.3f} "
            f"{'<' if self.projected < target else '>='} target {target:.2f}"
        )


def pilot_check(
    confidences: list[float],
    scores: list[float],
    *,
    step: int,
    share: float,
    previous: PilotCheck | None,
    max_fallback: float,
    confidence: float = 0.95,
) -> PilotCheck:
    """The most the gate could measure on these calls: the model keeps its most confident ``1 - max_fallback`` share
    (the best case for the threshold), and the upper confidence bound of their agreement is what it could prove at
    most. Projected to the end of training by the gain since the previous check, per remaining stretch of the same
    length (no gain: the bound as it is)."""
    from slmc.training.gate import wilson_bound

    order = sorted(range(len(scores)), key=lambda i: -confidences[i])
    kept = order[: max(1, math.ceil(len(order) * (1 - max_fallback)))] if order else []
    total = sum(scores[i] for i in kept)
    agreement = total / len(kept) if kept else 0.0
    upper = wilson_bound(total, len(kept), confidence, upper=True)
    projected = upper
    if previous is not None and share > previous.share:
        gain = max(0.0, upper - previous.upper)
        projected = min(1.0, upper + gain * (1.0 - share) / (share - previous.share))
    return PilotCheck(step, share, len(kept), agreement, upper, projected)


def _pilot(
    task: Task,
    rows: list[dict[str, Any]],
    tokenizer: Any,
    *,
    target: float,
    max_fallback: float,
    log: Callable[[str], None],
    max_new_tokens: int,
) -> Any:
    """A callback that answers a fixed sample of validation calls at ``PILOT_CHECKS`` of training and stops it once
    the gate's lower bound can no longer reach ``target`` (``pilot_check``: even the projected upper bound falls
    short), so a task that cannot pass does not pay for the rest of its training."""
    from transformers import TrainerCallback

    from slmc.training.generate import generate
    from slmc.training.metrics import metric_for, score_rows

    step = max(1, len(rows) // PILOT_SAMPLE)
    sample = rows[::step][:PILOT_SAMPLE]
    # generation pads on the left and leaves that set on the tokenizer it is given, which training saves with the
    # model: the pilot answers with its own copy, so a run it watched is the run it did not (weights and files)
    tokenizer = copy.deepcopy(tokenizer)
    metric = metric_for(task.contract)
    labels = task.contract.labels if task.contract else ()

    class Pilot(TrainerCallback):
        def __init__(self) -> None:
            self.checks: list[PilotCheck] = []
            self.stopped: PilotCheck | None = None

        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> Any:
            share = state.global_step / max(1, state.max_steps)
            due = [c for c in PILOT_CHECKS if share >= c and all(abs(k.share - c) > 1e-9 for k in self.checks)]
            if not due or model is None or control.should_training_stop:
                return control
            answers = generate(model, tokenizer, sample, max_new_tokens=max_new_tokens, batch_size=16)
            model.train()
            scores = score_rows(
                metric, [a.text for a in answers], [reference_answer(r) for r in sample], labels=labels,
                contract=task.contract, request_tools=[r.get("tools") for r in sample],
            )  # fmt: skip
            check = pilot_check(
                [a.confidence for a in answers], [s.value for s in scores], step=state.global_step, share=due[-1],
                previous=self.checks[-1] if self.checks else None, max_fallback=max_fallback,
            )  # fmt: skip
            self.checks.append(check)
            log(f"{task.id}: {check.text(target)}")
            if check.share >= PILOT_FIRST_STOP and check.projected < target:
                self.stopped = check
                log(f"{task.id}: stopping at step {state.global_step}/{state.max_steps}: the gate cannot be cleared")
                control.should_training_stop = True
            return control

    return Pilot()


def _latest_checkpoint(folder: Path) -> str | None:
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.rsplit("-", 1)[-1]))
    return str(found[-1]) if found else None


def train_task(
    task: Task,
    build: Path,
    *,
    device: str | None = None,
    resume: bool = False,
    progress: bool = False,
    embedder: str = "minilm",
    log: Callable[[str], None] = lambda msg: None,
    max_seconds: float = 0.0,
    pilot: bool = False,
    target: float = 0.95,
    max_fallback: float = 0.5,
    warm: Any = None,
    embed_cache: Any = None,
) -> TrainOutcome:
    """Train ``task`` per its ``FinetunePlan``; with ``resume`` a finished identical run is reused and an interrupted
    one continues from its last checkpoint. With ``pilot``, generative training answers a sample of validation calls
    as it goes and stops when the gate (``target``, ``max_fallback``) can no longer be cleared. ``warm`` (a
    ``slmc.training.warm.WarmStart``): start from the deployed model it names (its weights copied into
    ``warm/<task>``, safetensors only) instead of the base. ``embed_cache``: the compile's cached MiniLM, what a
    classifier head's features are read from (``train_classifier``)."""
    plan, slm = task.finetune, task.slm
    if plan is None or slm is None:
        raise SlmcError(f"{task.id}: no fine-tune plan or SLM choice", hint="run select-slm and plan-finetune first")
    out = model_dir(build, task)
    key = run_key(build, plan, slm.source)
    done = _finished(out, key)
    if resume and done:
        log(f"{task.id}: already trained ({out}), reusing it")
        return TrainOutcome(out, float(done["seconds"]), reused=True)
    rows = read_jsonl(build / plan.dataset)
    if not rows:
        raise SlmcError(f"{task.id}: the training set {plan.dataset} is empty", hint="record more calls of this task")
    device = resolve_device(device)
    contract = task.contract.to_dict() if task.contract else None
    deployed = warm.folder if warm is not None else None
    record = warm.record() if warm is not None else None
    if deployed is not None and plan.method in TRAINED_HEADS:  # not copied: nothing would read the copy
        deployed, record = (
            None,
            {**(record or {}), "from": None, "reason": f"a {plan.method} starts from the pretrained encoder"},
        )
    start_from = _warm_copy(deployed, build, task) if deployed is not None else None
    if plan.method == "classifier-head":
        from slmc.training.classifier import train_classifier

        folds = None
        if plan.folds > 1:  # cross-validated: the out-of-fold answers are what evaluate scores
            folds = [int(m.get("fold", i % plan.folds)) for i, m in enumerate(read_meta(build / plan.dataset))]
            folds = folds if len(folds) == len(rows) else [i % plan.folds for i in range(len(rows))]
        fresh_folder(out)
        seconds = train_classifier(
            rows, out, embedder=embedder, seed=plan.seed, device=device, folds=folds, warm=start_from, cache=embed_cache
        )
        grown = read_train_info(out).get("warm_grown") if start_from is not None else None
        if start_from is not None and grown is None:
            record = {**(record or {}), "from": None, "reason": "the deployed head does not fit the new features"}
        elif grown:
            record = {**(record or {}), "grown_labels": grown}  # the head grew a row per new label
        _write_info(out, plan, slm.source, None, seconds, device, len(rows), key=key, contract=contract, warm=record)
        return TrainOutcome(out, seconds)
    if plan.method in TRAINED_HEADS:  # an encoder with its head: fine-tuned by slmc.training.heads (from scratch)
        fresh_folder(out)
        schema = task.contract.schema if task.contract else None
        folds = None
        if plan.folds > 1:  # cross-validated: the out-of-fold answers are what evaluate scores
            folds = [int(m.get("fold", i % plan.folds)) for i, m in enumerate(read_meta(build / plan.dataset))]
            folds = folds if len(folds) == len(rows) else [i % plan.folds for i in range(len(rows))]
        done_head = train_head(
            plan, rows, out, schema=schema, device=device, max_seconds=max_seconds, log=log, folds=folds
        )
        seconds, capped = done_head.seconds, done_head.capped
        _write_info(
            out, plan, slm.source, None, seconds, device, len(rows), key=key, stopped=capped, contract=contract,
            warm=record,
        )  # fmt: skip
        return TrainOutcome(out, seconds, stopped=capped)
    adapter = None
    if start_from is not None and plan.method in ("lora", "qlora"):
        base, adapter = prepare_base(slm.source, build, task, rows, seed=plan.seed), start_from
    elif start_from is not None:
        base = str(start_from)  # a full model: the deployed weights (and its tokenizer) are the base
    else:
        base = prepare_base(slm.source, build, task, rows, seed=plan.seed)
    checkpoints = checkpoint_dir(build, task)
    _claim_checkpoints(checkpoints, key)
    watch = None
    if pilot and (build / plan.validation).is_file():
        validation = read_jsonl(build / plan.validation)
        if validation:
            watch = {"task": task, "rows": validation, "target": target, "max_fallback": max_fallback}
    seconds, params, stopped = _sft(
        plan, base, rows, out, checkpoints, device, resume, progress, log, max_seconds=max_seconds, pilot=watch,
        adapter=adapter,
    )  # fmt: skip
    _write_info(
        out, plan, slm.source, base, seconds, device, len(rows), params, key=key, stopped=stopped, contract=contract,
        warm=record,
    )  # fmt: skip
    return TrainOutcome(out, seconds, stopped=stopped)


def _warm_copy(folder: Path, build: Path, task: Task) -> Path:
    """The deployed model copied into ``<build>/warm/<task>`` (no pickle, no slmc mark, no link: a folder holding one
    is refused before this); training starts from the copy, never from the bundle in place."""
    import shutil

    from slmc.training.warm import NOT_LOADED

    copy = safe_join(build, "warm", task_slug(task))
    fresh_folder(copy)
    shutil.copytree(folder, copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns(OWNER_MARK, *NOT_LOADED))
    return copy


def quiet_log_dicts(trainer: Any) -> None:
    """No raw log dicts ({'loss': ...}) on the terminal: PrinterCallback (used when the bar is off) goes, and the bar's
    ProgressCallback is replaced by one that shows the loss on the bar instead of writing each dict above it."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class BarCallback(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            bar = self.training_bar
            if state.is_world_process_zero and bar is not None and logs and "loss" in logs:
                bar.set_postfix_str(f"loss {float(logs['loss']):.4g}", refresh=False)

    trainer.remove_callback(PrinterCallback)
    callbacks = trainer.callback_handler.callbacks
    if any(type(cb) is ProgressCallback for cb in callbacks):
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(BarCallback())


def _write_info(
    out: Path,
    plan: FinetunePlan,
    source: str,
    base: str | None,
    seconds: float,
    device: str,
    rows: int,
    params: int | None = None,
    key: str | None = None,
    stopped: str | None = None,
    contract: dict[str, Any] | None = None,
    warm: dict[str, Any] | None = None,
) -> None:
    info = json.loads((out / TRAIN_INFO).read_text()) if (out / TRAIN_INFO).exists() else {}
    info.pop("warm_grown", None)
    if warm is not None:
        info["warm_start"] = warm
    info.update(
        contract=contract,  # what a later `compile --from` checks before warm-starting from this model
        source=source,
        base=portable_base(out, base) if base else None,
        method=plan.method,
        seconds=seconds,
        device=device,
        rows=rows,
        trainable_params=params,
        plan=json.loads(json.dumps(asdict(plan))),
        run_key=key,
        stopped_early=stopped,
    )
    (out / TRAIN_INFO).write_text(json.dumps(info, indent=1) + "\n")


def _sft(
    plan: FinetunePlan,
    base: str,
    rows: list[dict[str, Any]],
    out: Path,
    checkpoints: Path,
    device: str,
    resume: bool,
    progress: bool,
    log: Callable[[str], None],
    max_seconds: float = 0.0,
    pilot: dict[str, Any] | None = None,
    adapter: Path | None = None,
) -> tuple[float, int, str | None]:
    import torch
    from datasets import Dataset
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    set_seed(plan.seed)
    cuda = device.startswith("cuda")
    bf16 = cuda and torch.cuda.is_bf16_supported()
    qlora = plan.method == "qlora"
    # Full fine-tuning keeps fp32 master weights (bf16 autocast on GPUs); adapters train on a bf16 base.
    dtype = "float32" if plan.method == "full" else "auto"
    model, tokenizer = load_base(base, device=device, dtype=dtype, quantize_4bit=qlora)
    peft_config = None
    if adapter is not None:  # warm start: the deployed adapter (safetensors) on the base, trained further
        from peft import PeftModel

        if qlora:
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        model = PeftModel.from_pretrained(model, str(adapter), is_trainable=True)  # the copy holds no .bin
    elif plan.method in ("lora", "qlora"):
        from peft import LoraConfig

        if qlora:
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        peft_config = LoraConfig(
            r=plan.lora_r,
            lora_alpha=plan.lora_alpha,
            lora_dropout=0.05,
            bias="none",
            task_type="CAUSAL_LM",
            target_modules=list(plan.target_modules),
        )
    dataset = Dataset.from_list([to_prompt_completion(r) for r in rows])
    steps_per_epoch = max(1, -(-len(rows) // plan.batch_size))
    total_steps = max(1, int(steps_per_epoch * plan.epochs))
    with warnings.catch_warnings():
        # trl turns gradient checkpointing on by default; turning it off names the deprecated alias.
        warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*", category=FutureWarning)
        config = SFTConfig(
            output_dir=str(checkpoints),
            num_train_epochs=plan.epochs,
            per_device_train_batch_size=plan.batch_size,
            learning_rate=plan.learning_rate,
            lr_scheduler_type="cosine",
            warmup_steps=max(1, total_steps // 20),
            weight_decay=0.0,
            max_length=plan.max_length,
            seed=plan.seed,
            data_seed=plan.seed,
            bf16=bf16,
            fp16=False,
            use_cpu=not cuda,
            gradient_checkpointing=False,
            save_strategy="epoch",
            save_total_limit=1,
            logging_steps=max(1, total_steps // 20),
            report_to="none",
            disable_tqdm=not progress,
            dataloader_num_workers=0,
        )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    quiet_log_dicts(trainer)
    watch = None
    if pilot is not None:
        longest = max(
            (len(tokenizer(reference_answer(r), add_special_tokens=False)["input_ids"]) for r in rows), default=16
        )
        watch = _pilot(
            pilot["task"], pilot["rows"], tokenizer, target=pilot["target"], max_fallback=pilot["max_fallback"],
            log=log, max_new_tokens=min(512, int(longest * 1.25) + 8),
        )  # fmt: skip
        trainer.add_callback(watch)
    budget = _time_budget(max_seconds, log) if max_seconds > 0 else None
    if budget is not None:  # last: its clock starts when it is made
        trainer.add_callback(budget)
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    resume_from = _latest_checkpoint(checkpoints) if resume else None
    if resume_from:
        log(f"resuming from {resume_from}")
    start = time.perf_counter()
    with cpu_threads_for(model, device):
        trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - start
    fresh_folder(out)
    if peft_config is not None:
        trainer.model.save_pretrained(str(out))  # adapter_config.json + adapter_model.safetensors only
    else:
        trainer.model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))
    if is_owned(checkpoints):  # marked by _claim_checkpoints; anything else is left where it is
        remove_owned(checkpoints)
    stopped = None if watch is None or watch.stopped is None else watch.stopped.text(pilot["target"] if pilot else 0.95)
    if stopped is None and budget is not None:
        stopped = budget.fired
    return seconds, trainable, stopped
