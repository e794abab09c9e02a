"""Train and answer with the encoder heads a plan may choose instead of a generative SLM, by the plan's method.

* ``encoder-classifier``: the label head with its encoder fine-tuned end to end (``slmc.training.encoder_classifier``,
  saved and read as a classifier head);
* ``span-head``: the extractive JSON tagger (``slmc.training.span_head``);
* ``tool-head``: tool choice among the request's own tools and argument filling (``slmc.training.tool_head``).

``train_head`` is what ``slmc.training.trainer.train_task`` runs for these methods; ``predict_head`` gives evaluation
the answers as text (the JSON object, or the tool calls as the canonical JSON list a generative SLM would write) with
the head's own confidence, so ``slmc.answers`` and the gate judge them like every other kind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.ir.nodes import FinetunePlan
from slmc.training.classifier import Prediction

TRAINED_HEADS = ("encoder-classifier", "span-head", "tool-head")


@dataclass(frozen=True)
class HeadTrained:
    seconds: float
    # the time budget's line when it ended training before the planned steps (None: the plan's steps ran, so the
    # head depends on the work done, not on how busy the machine was)
    capped: str | None = None


HEAD_THREADS = 2  # intra-op threads for the encoders while training on an otherwise idle CPU


def head_threads() -> int:
    """Intra-op threads for training a head on the CPU: two (a MiniLM step measured 0.27 s with two threads against
    0.48 s with one, load ~1.7 on 2 cores), but one when other processes oversubscribe the cores — then each of the
    many small ops of a step waits on both workers and training stalls (the span head on snips-weather took 6 steps in
    30 s with two threads, 116 with one, on 2 cores at load 6-16). The load average counts this compile's own work
    too (up to a core or two), hence the margin above the core count."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not offered on this platform
        load = 0.0
    return min(HEAD_THREADS, cores) if load <= cores + 1 else 1


def train_head(
    plan: FinetunePlan,
    rows: list[dict[str, Any]],
    out: Path,
    *,
    schema: dict[str, Any] | None = None,
    device: str = "cpu",
    max_seconds: float = 0.0,
    log: Callable[[str], None] = lambda msg: None,
    folds: list[int] | None = None,
) -> HeadTrained:
    """Train the head ``plan.method`` names on ``rows`` into ``out``; returns the training seconds and, when the
    ``max_seconds`` budget (a safety cap: 0 for none) ended a training before its planned steps, the line saying so.
    ``folds`` (one fold id per row; the tool-call head only): each fold is also answered by a head trained on the
    other folds, and those out-of-fold answers are saved for evaluation (``crossval.json``, as the classifier
    head's)."""
    if folds is not None and plan.method == "tool-head":
        return _crossval_tool_head(plan, rows, out, folds, device=device, max_seconds=max_seconds, log=log)
    if folds is not None:
        raise ValueError(f"{plan.method} is not cross-validated")
    if plan.calibration_folds > 1 and plan.method in CALIBRATED_OUT_OF_FOLD:
        return _with_out_of_fold_calibration(
            plan, rows, out, schema=schema, device=device, max_seconds=max_seconds, log=log
        )
    budget = max_seconds if max_seconds > 0 else None
    if plan.method == "encoder-classifier":
        from slmc.training.encoder_classifier import train_encoder_classifier

        caps: list[str] = []
        seconds = train_encoder_classifier(
            rows,
            out,
            seed=plan.seed,
            epochs=plan.epochs,
            lr=plan.learning_rate,
            batch_size=plan.batch_size,
            max_length=plan.max_length,
            max_seconds=max_seconds,
            device=device,
            log=log,
            threads=head_threads() if device == "cpu" else 0,
            retune=head_threads if device == "cpu" else None,
            on_cap=caps.append,
        )
        return HeadTrained(seconds, caps[0] if caps else None)
    if plan.method == "span-head":
        from slmc.training.span_head import TRAIN_LAYERS, train_span_head

        report = train_span_head(
            rows,
            out,
            schema=schema if isinstance(schema, dict) and schema.get("properties") else None,
            epochs=max(1, round(plan.epochs)),
            batch_size=plan.batch_size,
            lr=plan.learning_rate,
            seed=plan.seed,
            max_seconds=budget,
            threads=head_threads() if device == "cpu" else None,
            retune=head_threads if device == "cpu" else None,
            device=device,
            train_layers=TRAIN_LAYERS,
        )
        if report.skipped:
            log(f"span head: {report.used} of {report.rows} rows used; skipped {report.skipped}")
        return HeadTrained(report.seconds, report.capped(budget))
    if plan.method == "tool-head":
        info = _train_tool_head(plan, rows, out, device=device, budget=budget, log=log)
        return HeadTrained(info.seconds, _tool_cap(budget, [info]))
    raise ValueError(f"not an encoder head: {plan.method!r}")


# Heads whose fallback threshold can also be calibrated on out-of-fold answers to the training rows
# (``FinetunePlan.calibration_folds``): each trains in a minute or two, so a few fold heads fit the task's CPU budget.
# The tool-call head is not among them: it cross-validates every call when its held-out split is small
# (``plan_finetune.FOLD_WHEN_SMALL``), and its work plan is shared by all its trainings.
CALIBRATED_OUT_OF_FOLD = ("span-head", "encoder-classifier")
MIN_FOLD_SHARE = 0.1  # the training budget's share left after the served head below which no fold head trains
# The fold heads only answer their folds and are dropped. Measured and rejected (SNIPS GetWeather, seed 0, the
# served head of bench/finetune_quality.py and its 3 fold heads, 194 test calls): averaging their weights into the
# served head (a uniform model soup of the 4, same init and schema) 89.7 -> 89.2 % all, confidence AUROC .862 -> .832,
# 97 % accepted needs 43.3 % fallback instead of 22.7 % (calibrated: 57.2 % instead of 26.8 %); the served head and
# one fold head, 90.2 % all but AUROC .830 (37.1 %).


def own_calibration_rows(method: str, train_rows: int) -> int:
    """Training rows a head holds out of its own fit and answers for the threshold calibration (``heldout.json``):
    the span head's and the encoder classifier's calibration slices; 0 for the others."""
    if method == "span-head":
        from slmc.training.span_head import CALIBRATION_MIN_ROWS as SPAN_MIN
        from slmc.training.span_head import CALIBRATION_SHARE as SPAN_SHARE

        return int(train_rows * SPAN_SHARE) if train_rows >= SPAN_MIN else 0
    if method == "encoder-classifier":
        from slmc.training.encoder_classifier import CALIBRATION_MIN_ROWS, CALIBRATION_SHARE

        return int(train_rows * CALIBRATION_SHARE) if train_rows >= CALIBRATION_MIN_ROWS else 0
    return 0


def fold_ids(rows: list[dict[str, Any]], folds: int, seed: int) -> list[int]:
    """A fold id per row, dealt round-robin over the rows sorted by the teacher's answer (shuffled by ``seed`` within
    one answer): every fold gets its share of each label of a label task."""
    import random

    from slmc.training.datasets import reference_answer

    rng = random.Random(seed)
    keys = [(reference_answer(r), rng.random()) for r in rows]
    order = sorted(range(len(rows)), key=keys.__getitem__)
    ids = [0] * len(rows)
    for n, i in enumerate(order):
        ids[i] = n % folds
    return ids


SETTLED_SLICE = 30  # calibration-slice calls the served head must all answer as the teacher did to skip fold heads


def _slice_all_agree(out: Path) -> bool:
    """Whether the served head answered every call of its own calibration slice (``heldout.json``, at least
    ``SETTLED_SLICE`` of them) as the teacher did (the same JSON value, or the same text): with no wrong answer to set
    the threshold against, the lowest threshold passes on those calls already, and fold heads would only spend the
    training budget (the support example's extract_fields: three fold heads tripled its training for a fallback it
    already had at 1.2 %). A JSON answer in another key order or spacing is the same value; anything else is
    compared as stripped text, so a doubt runs the fold heads."""
    import json

    from slmc.training.classifier import read_heldout

    held, refs = read_heldout(out)
    if len(held) < SETTLED_SLICE:
        return False

    def value(text: str) -> object:
        try:
            return ("json", json.dumps(json.loads(text), sort_keys=True))
        except ValueError:
            return ("text", text.strip())

    return all(value(p.text) == value(r) for p, r in zip(held, refs, strict=True))


def _with_out_of_fold_calibration(
    plan: FinetunePlan,
    rows: list[dict[str, Any]],
    out: Path,
    *,
    schema: dict[str, Any] | None,
    device: str,
    max_seconds: float,
    log: Callable[[str], None],
) -> HeadTrained:
    """The served head trained on every row into ``out`` (as without folds), then ``plan.calibration_folds`` heads of
    the same kind, each trained on the other folds in a temporary folder, answer their fold's rows; those answers and
    the teacher's replace the served head's calibration slice in ``heldout.json``, so evaluation sets the threshold on
    every training call (with the validation split) instead of a slice of them. No row is answered by a head that
    trained on it, and the gate's lower bound stays on the test split. The time budget left after the served head is
    shared by the folds; too little of it (``MIN_FOLD_SHARE``), or a fold head that cannot be trained, leaves the
    served head's own slice, as does a slice the served head answered right on every call (``_slice_all_agree``)."""
    import dataclasses
    import tempfile
    import time

    from slmc.errors import SlmcError
    from slmc.training.classifier import write_heldout
    from slmc.training.datasets import reference_answer

    single = dataclasses.replace(plan, calibration_folds=0)
    start = time.perf_counter()
    cpu0 = time.process_time()
    served = train_head(single, rows, out, schema=schema, device=device, max_seconds=max_seconds, log=log)
    k = plan.calibration_folds
    if len(rows) < 2 * k:
        return served
    if _slice_all_agree(out):
        log(f"{plan.method}: no out-of-fold calibration (the head's own calibration slice agrees on every call)")
        return served
    left = max_seconds - (time.process_time() - cpu0) if max_seconds > 0 else 0.0
    if max_seconds > 0 and left < MIN_FOLD_SHARE * max_seconds:
        log(f"{plan.method}: no out-of-fold calibration ({left:.0f} of {max_seconds:g} CPU s left)")
        return served
    folds = fold_ids(rows, k, plan.seed)
    answers: list[Prediction | None] = [None] * len(rows)
    with tempfile.TemporaryDirectory(prefix="slmc-calibration-fold-") as tmp:
        for fold in range(k):
            seen = [r for r, f in zip(rows, folds, strict=True) if f != fold]
            held = [i for i, f in enumerate(folds) if f == fold]
            folder = Path(tmp) / f"fold{fold}"
            share = 0.0
            if max_seconds > 0:
                share = max(1.0, (max_seconds - (time.process_time() - cpu0)) / (k - fold))
            try:
                train_head(single, seen, folder, schema=schema, device=device, max_seconds=share, log=lambda m: None)
                got = predict_head(plan.method, folder, {"held": [rows[i] for i in held]}, device=device)["held"]
            except SlmcError as exc:
                log(f"{plan.method}: out-of-fold calibration skipped (fold {fold + 1}: {exc})")
                return served
            for i, p in zip(held, got, strict=True):
                answers[i] = p
    refs = [reference_answer(r) for r in rows]
    if plan.method == "encoder-classifier":
        refs = [r.strip() for r in refs]
    write_heldout(out, [a or Prediction("", 0.0) for a in answers], refs)
    log(f"{plan.method}: {len(rows)} training calls answered out of fold by {k} fold heads (threshold calibration)")
    return HeadTrained(time.perf_counter() - start, served.capped)


TOOL_TRAIN_LAYERS = 1  # top encoder layers the tool-call head fine-tunes (the frozen ones run once per call): with
# none, a site's own recurring tool lost what its options mean (the support example's route_ticket fell from 100 % to
# 26.5 %: "Intent: account" -> queue "accounts", "Urgency: medium" -> priority 2); on BFCL at load 6-18, none did better
# (all-calls 0.44 vs 0.288) because the frozen pass ate the 90 s budget


# The tool-call head's work plan: tokens its trained layers read over all the trainings of one task (the folds' and
# the served one share it equally), so a task costs the same CPU however busy the machine is and the head does not
# change with the load. The time budget is only a safety cap. Measured (bench/finetune_quality.py, budget 300 CPU
# s): with 500k, bfcl-simple on an idle machine hit the cap at 220 of 447 planned steps (316 CPU s for the task,
# accepted 94.9 %); 250k plans about those 220 steps, so the cap no longer decides. bfcl-multiple ran all its
# steps with 500k (251 CPU s, accepted 93.3 %); with 250k it trains ~2 of its 3 epochs (not re-measured).
TOOL_TRAIN_TOKENS = 250_000


def _train_tool_head(
    plan: FinetunePlan,
    rows: list[dict[str, Any]],
    out: Path,
    *,
    device: str,
    budget: float | None,
    log: Callable[[str], None],
    cache: Any = None,
    trainings: int = 1,
) -> Any:
    from slmc.training.tool_head import train_tool_head

    info = train_tool_head(
        rows,
        out,
        epochs=plan.epochs,
        lr=plan.learning_rate,
        batch_calls=plan.batch_size,
        max_len=plan.max_length,
        seed=plan.seed,
        threads=head_threads() if device == "cpu" else None,
        time_budget=budget,
        train_layers=TOOL_TRAIN_LAYERS,
        cache=cache,
        device=device,
        max_tokens=TOOL_TRAIN_TOKENS // max(1, trainings),
    )
    if info.skipped:
        log(f"tool-call head: {info.examples} of {len(rows)} rows used; {info.skipped} skipped")
    return info


def _tool_cap(budget: float | None, infos: list[Any]) -> str | None:
    """The cap's line when the time budget ended any of the tool-call head's trainings (the folds' and the served
    one) before its planned steps."""
    cut = [i for i in infos if i.capped]
    if not cut:
        return None
    steps, planned = sum(i.steps for i in cut), sum(i.planned_steps for i in cut)
    which = f"{len(cut)} of {len(infos)} trainings" if len(infos) > 1 else "training"
    return f"time budget of {budget:g}s fired: {which} cut short, {steps} of {planned} planned steps trained"


def _crossval_tool_head(
    plan: FinetunePlan,
    rows: list[dict[str, Any]],
    out: Path,
    folds: list[int],
    *,
    device: str,
    max_seconds: float,
    log: Callable[[str], None],
) -> HeadTrained:
    """Per fold a tool-call head trained on the other folds answers the fold's rows (in a temporary folder); then the
    served head is trained on every row into ``out`` and the out-of-fold answers saved beside it. The frozen layers
    run once over every call for all the trainings (``FrozenCache``); the time budget left after that is shared:
    each training gets an equal part of what remains when it starts."""
    import dataclasses
    import tempfile
    import time

    from slmc.errors import SlmcError
    from slmc.training.classifier import CROSSVAL_FILE
    from slmc.training.tool_head import FrozenCache, ToolCallHead, budget_clock, prime_tool_cache

    if len(folds) != len(rows):
        raise SlmcError(f"{len(folds)} fold ids for {len(rows)} rows", hint="re-run plan-finetune")
    start = time.perf_counter()
    clock = budget_clock(device)  # the budget is CPU seconds on the CPU: what others' load leaves does not shrink it
    spent = clock()
    ids = sorted(set(folds))
    cache = FrozenCache()
    primed = prime_tool_cache(
        rows,
        cache,
        max_len=plan.max_length,
        train_layers=TOOL_TRAIN_LAYERS,
        threads=head_threads() if device == "cpu" else None,
        device=device,
    )
    log(f"tool-call head: frozen layers run once over {len(rows)} calls for {len(ids) + 1} trainings ({primed:.0f}s)")

    def share(left: int) -> float | None:
        if max_seconds <= 0:
            return None
        return max(1.0, (max_seconds - (clock() - spent)) / left)

    answers: list[Prediction | None] = [None] * len(rows)
    chosen: list[list[Any]] = [[None, "not answered"]] * len(rows)  # (tool chosen, why it fell back) per row
    parts: list[tuple[float, ...]] = [()] * len(rows)  # each answered call's features for the calibration
    single = dataclasses.replace(plan, folds=0)
    infos: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="slmc-tool-fold-") as tmp:
        for k, fold in enumerate(ids):
            seen = [r for r, f in zip(rows, folds, strict=True) if f != fold]
            held = [i for i, f in enumerate(folds) if f == fold]
            folder = Path(tmp) / f"fold{fold}"
            left = len(ids) + 1 - k
            infos.append(
                _train_tool_head(
                    single,
                    seen,
                    folder,
                    device=device,
                    budget=share(left),
                    log=log,
                    cache=cache,
                    trainings=len(ids) + 1,
                )
            )
            head = ToolCallHead(folder, device=device)
            for i, p in zip(held, head.predict([rows[i] for i in held]), strict=True):
                answers[i] = Prediction(tool_answer_text(p.call), 0.0 if p.fallback else p.confidence)
                chosen[i] = [p.tool, p.fallback]
                parts[i] = p.parts
            log(f"tool-call head: fold {fold + 1} of {len(ids)} answered {len(held)} held-out calls")
    infos.append(
        _train_tool_head(
            single, rows, out, device=device, budget=share(1), log=log, cache=cache, trainings=len(ids) + 1
        )
    )
    answers = _calibrate_tool_head(rows, folds, answers, parts, out, log)
    crossval = {
        "folds": len(ids),
        "predictions": [[a.text, a.confidence] if a else ["", 0.0] for a in answers],
        "tools": chosen,
    }
    (Path(out) / CROSSVAL_FILE).write_text(json.dumps(crossval, ensure_ascii=False) + "\n", encoding="utf-8")
    return HeadTrained(time.perf_counter() - start, _tool_cap(max_seconds, infos))


def _calibrate_tool_head(
    rows: list[dict[str, Any]],
    folds: list[int],
    answers: list[Prediction | None],
    parts: list[tuple[float, ...]],
    out: Path,
    log: Callable[[str], None],
) -> list[Prediction | None]:
    """The call confidence calibrated on the out-of-fold answers (``tool_head.fit_calibration``: P(the call agrees
    with the teacher) from what it rests on). Cross-fitted: each fold's answers get the calibration fitted on the other
    folds' (no row is judged by a confidence fitted on itself); the served head gets the one fitted on every fold,
    written into its config. Where a fit is not possible (too few calls, one outcome), or where the cross-fitted
    calibration ranks the held-out calls no better than the product (AUROC for agreement; kept always, it lowered
    the gate's lower bound on BFCL simple and multiple in five 90 s folds, 15 % agreeing), the product stays."""
    from slmc.answers import answers_agree
    from slmc.training.datasets import reference_answer
    from slmc.training.tool_head import TOOL_HEAD_CONFIG, calibrate_call, fit_calibration

    agree = [
        a is not None and bool(q) and answers_agree("tool-call", a.text, reference_answer(r), r.get("tools"))
        for r, a, q in zip(rows, answers, parts, strict=True)
    ]
    answered = [i for i, q in enumerate(parts) if q]
    out_answers = list(answers)
    for fold in sorted(set(folds)):
        others = [i for i in answered if folds[i] != fold]
        spec = fit_calibration([parts[i] for i in others], [agree[i] for i in others])
        if spec is None:
            continue
        for i in answered:
            if folds[i] == fold and answers[i] is not None:
                out_answers[i] = Prediction(answers[i].text, calibrate_call(spec, parts[i]))
    product = [answers[i].confidence if answers[i] is not None else 0.0 for i in answered]
    fitted = [out_answers[i].confidence if out_answers[i] is not None else 0.0 for i in answered]
    outcomes = [agree[i] for i in answered]
    before, after = auroc(product, outcomes), auroc(fitted, outcomes)
    if before is None or after is None or after <= before:
        if after is not None:
            log(f"tool-call head: calibration not kept (held-out AUROC {after:.3f} <= product {before:.3f})")
        return answers
    spec = fit_calibration([parts[i] for i in answered], outcomes)
    if spec is not None:
        path = Path(out) / TOOL_HEAD_CONFIG
        config = json.loads(path.read_text(encoding="utf-8"))
        config["calibration"], config["confidence"] = spec, "calibration"
        path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        log(
            f"tool-call head: confidence calibrated on {spec['calls']} held-out calls ({sum(outcomes)} agree; "
            f"AUROC {before:.3f} -> {after:.3f})"
        )
    return out_answers


def auroc(scores: list[float], positive: list[bool]) -> float | None:
    """The probability that a call that agrees scores above one that does not (ties half); None without both."""
    if all(positive) or not any(positive):
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([int(p) for p in positive], scores))


def tool_answer_text(call: dict[str, str] | None) -> str:
    """A tool-call head's answer as the canonical JSON list ``[{"name", "arguments"}]`` (``""``: no tool)."""
    if call is None:
        return ""
    try:
        arguments = json.loads(call.get("arguments") or "{}")
    except json.JSONDecodeError:
        arguments = call.get("arguments")
    return json.dumps([{"name": call.get("name"), "arguments": arguments}], sort_keys=True, ensure_ascii=False)


def predict_head(
    method: str, model_path: Path, rows_by_split: dict[str, list[dict[str, Any]]], *, device: str | None = None
) -> dict[str, list[Prediction]]:
    """Answers for every split's rows from the head at ``model_path`` (loaded once)."""
    from slmc.training.datasets import user_text

    if method == "encoder-classifier":
        from slmc.training.classifier import ClassifierHead

        head = ClassifierHead(model_path, device=device)
        return {split: head.predict(rows) for split, rows in rows_by_split.items()}
    if method == "span-head":
        from slmc.training.span_head import SpanHead

        span = SpanHead.load(model_path, device=device)
        return {
            split: [Prediction(e.text, e.confidence) for e in span.predict([user_text(r) for r in rows])]
            for split, rows in rows_by_split.items()
        }
    if method == "tool-head":
        from slmc.training.tool_head import ToolCallHead

        tool = ToolCallHead(model_path, device=device)
        return {
            split: [
                Prediction(tool_answer_text(p.call), 0.0 if p.fallback else p.confidence) for p in tool.predict(rows)
            ]
            for split, rows in rows_by_split.items()
        }
    raise ValueError(f"not an encoder head: {method!r}")
