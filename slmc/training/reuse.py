"""Incremental recompile (S6): reuse the model of a deployed bundle for a task whose training run did not change.

``slmc compile ... --from BUNDLE``: before a task is trained, its run key (``trainer.run_key``: the fine-tune plan,
the base, and the bytes of its training set, so the data and everything the contract put into the rows) is looked
up among the ``slmc-train.json`` files of the bundle's models. A match is copied into the build's ``models/<task>``
instead of training; the task is then evaluated and gated again like any other. A task whose data or plan changed
(drift, new calls, a new label) is trained. A bundle is input: folders holding a link are refused, a pickle is never
copied, and a LoRA adapter whose base lies outside its own folder (a scratch base the bundle keeps elsewhere) is
trained again rather than pointed at a base it may not match.

Before that, plan-finetune takes the token-length statistics of a task whose training rows did not change from the
deployed compile's build (``length-stats.json`` beside the dataset, keyed by ``stats_key``), so neither the scratch base
nor the tokenizer is built for a task that will be reused; the cluster map's embeddings come from that compile's cache.

Decision diff: ``decision_diff(old_manifest, graph)`` lists the sites whose decision changed (offloaded -> kept and
back) with the evidence on both sides (the old manifest's ``eval`` and reasons, the new gate's).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slmc.codegen.manifest import MANIFEST_NAME, PICKLE_PATTERNS
from slmc.errors import SlmcError
from slmc.ir.nodes import EvalResult, Task
from slmc.ir.unit import EvaluationReport
from slmc.safety import OWNER_MARK, UnsafePathError, safe_join

STATS_FILE = "length-stats.json"  # beside a task's datasets: its token-length statistics and what they were made on
TRAIN_INFO = "slmc-train.json"  # = slmc.training.models.TRAIN_INFO (not imported: that module is the heavy one)
MAX_INFO_BYTES = 1 << 20
MAX_SCAN = 10_000  # files looked at in a bundle, at most


def check_bundle(bundle: Path) -> Path:
    """The bundle folder of ``--from`` (a folder holding ``slmc-manifest.yaml``), else a clear error."""
    bundle = Path(bundle)
    if not (bundle / MANIFEST_NAME).is_file():
        raise SlmcError(
            f"--from {bundle}: no {MANIFEST_NAME} there",
            path=str(bundle),
            hint="give the bundle folder an earlier `slmc compile` wrote",
        )
    return bundle


def deployed_cache(bundle: Path, *parts: str) -> Path | None:
    """``parts`` inside the stage cache the compile that wrote ``bundle`` left beside it (``.<bundle>.slmc-cache``),
    when it is there, is no link and stays inside that folder; else None (a bundle copied elsewhere has none)."""
    bundle = Path(bundle)
    cache = bundle.parent / f".{bundle.name}.slmc-cache"
    if not cache.is_dir() or cache.is_symlink():
        return None
    try:
        path = safe_join(cache, *parts)
    except UnsafePathError:
        return None
    return None if path.is_symlink() or not path.exists() else path


def model_folders(bundle: Path) -> list[Path]:
    """Where the deployed models are: the bundle (the models of offloaded sites), then the stage cache the compile
    that wrote it left beside it (``.<bundle>.slmc-cache/work/models``: every task's model, kept ones too)."""
    bundle = Path(bundle)
    folders = [bundle]
    cache = deployed_cache(bundle, "work", "models")
    if cache is not None and cache.is_dir():
        folders.append(cache)
    return folders


def trained_models(bundle: Path) -> dict[str, Path]:
    """``{run_key: model folder}`` of the trained models of the bundle (``model_folders``; folders with
    ``slmc-train.json``)."""
    found: dict[str, Path] = {}
    infos = [info for folder in model_folders(bundle) for info in sorted(folder.rglob(TRAIN_INFO))]
    for seen, info in enumerate(infos):
        if seen >= MAX_SCAN:
            break
        if info.is_symlink() or not info.is_file() or info.stat().st_size > MAX_INFO_BYTES:
            continue
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        key = data.get("run_key") if isinstance(data, dict) else None
        if isinstance(key, str) and key and key not in found:
            found[key] = info.parent
    return found


def _reusable(folder: Path) -> str | None:
    """Why ``folder`` cannot be copied as it is (None: it can)."""
    for path in folder.rglob("*"):
        if path.is_symlink():
            return f"it holds a link ({path.name})"
    info = json.loads((folder / TRAIN_INFO).read_text(encoding="utf-8"))
    base = info.get("base")
    if (folder / "adapter_config.json").is_file() and isinstance(base, str) and base.startswith("."):
        return "its adapter's base is a local folder outside it"
    return None


def stats_key(folder: Path, source: str, method: str, seed: int) -> str:
    """What the token lengths of a task's training rows depend on: the rows (the bytes of ``train.jsonl``) and the
    tokenizer (the base, which for a scratch base is trained on those rows with ``seed``)."""
    h = hashlib.sha256(json.dumps(["length-stats", source, method, seed]).encode())
    data = Path(folder) / "train.jsonl"
    h.update(data.read_bytes() if data.is_file() else b"-")
    return h.hexdigest()[:24]


def save_stats(folder: Path, key: str, stats: Any) -> None:
    """The statistics plan-finetune measured, beside the datasets (what a later ``compile --from`` may reuse)."""
    data = {"key": key, "stats": dataclasses.asdict(stats)}
    (Path(folder) / STATS_FILE).write_text(json.dumps(data) + "\n", encoding="utf-8")


def deployed_stats(bundle: str | Path, name: str, key: str) -> Any:
    """The ``LengthStats`` the deployed bundle's compile measured for the task folder ``name`` on the same rows and
    base (``stats_key``), else None. Input: a small JSON file, each field a non-negative int."""
    from slmc.training.datasets import LengthStats

    path = deployed_cache(Path(bundle), "work", "datasets", name, STATS_FILE)
    if path is None or not path.is_file() or path.stat().st_size > MAX_INFO_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("stats"), dict):
        return None
    fields = [f.name for f in dataclasses.fields(LengthStats)]
    raw = data["stats"]
    if sorted(raw) != sorted(fields) or not all(type(raw[f]) is int and raw[f] >= 0 for f in fields):
        return None
    return LengthStats(**raw)


def reuse_from_bundle(
    task: Task,
    build: Path,
    models: dict[str, Path],
    log: Callable[[str], None] = lambda msg: None,
) -> Any:
    """A ``TrainOutcome`` for ``task`` from the bundle's model with its run key (copied into the build), else None."""
    from slmc.training.trainer import TrainOutcome, fresh_folder, model_dir, run_key

    plan, slm = task.finetune, task.slm
    if plan is None or slm is None:
        return None
    source = models.get(run_key(build, plan, slm.source))
    if source is None:
        return None
    why = _reusable(source)
    if why is not None:
        log(f"{task.id}: the deployed model is not reused ({why}); training it")
        return None
    out = model_dir(build, task)
    fresh_folder(out)
    shutil.copytree(source, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(OWNER_MARK, *PICKLE_PATTERNS))
    info = json.loads((out / TRAIN_INFO).read_text(encoding="utf-8"))
    info["reused_from"] = "bundle"
    (out / TRAIN_INFO).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return TrainOutcome(out, float(info.get("seconds") or 0.0), reused=True)


def decision_diff(old_manifest: Path, graph: Any) -> dict[str, Any]:
    """The sites whose decision changed between the deployed bundle and this compile, with the evidence."""
    import yaml

    try:
        old = yaml.safe_load(Path(old_manifest).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SlmcError(f"cannot read the deployed manifest: {exc}", path=str(old_manifest)) from None
    old_sites = old.get("sites") if isinstance(old, dict) and isinstance(old.get("sites"), dict) else {}
    tasks = {t.id: t for t in graph.tasks()}
    changed, same = [], 0
    for site in graph.sites():
        entry = old_sites.get(site.id) if isinstance(old_sites.get(site.id), dict) else {}
        before = str(entry.get("decision") or "keep")  # a site the manifest leaves out is not routed: kept
        after = site.decision.value if site.decision is not None else "keep"
        if before == after:
            same += 1
            continue
        task = tasks.get(entry.get("task") or "") or next((t for t in tasks.values() if site.id in t.sites), None)
        result = task.eval if task is not None else None
        changed.append(
            {
                "site": site.id,
                "before": before,
                "after": after,
                "task": task.id if task is not None else None,
                "before_eval": entry.get("eval"),
                "before_reasons": list(entry.get("reasons") or []),
                "after_eval": None
                if result is None
                else {
                    "agreement": result.agreement,
                    "lower_bound": result.lower_bound,
                    "n": result.n,
                    "fallback_rate": result.fallback_rate,
                },
                "after_reasons": list(site.decision_reasons),
            }
        )
    return {"changed": changed, "unchanged": same}


# ---- the evaluation of a reused model, reused too when it would be evaluated on the same rows -----------------------
def eval_key(build: Path, task: Task, model: Path, settings: dict[str, Any]) -> str | None:
    """What makes two evaluations of a model the same: its run key, the validation and test rows (and their ground
    truth), the contract and the evaluation settings. None when the model has no run key."""
    try:
        info = json.loads((model / TRAIN_INFO).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    plan = task.finetune
    if plan is None or not isinstance(info, dict) or not info.get("run_key"):
        return None
    h = hashlib.sha256(json.dumps([info["run_key"], settings], sort_keys=True, default=str).encode())
    h.update(json.dumps(task.contract.to_dict() if task.contract else None, sort_keys=True, default=str).encode())
    for rel in (plan.validation, plan.test):
        for path in (build / rel, build / rel.replace(".jsonl", ".meta.jsonl")):
            h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()[:24]


def save_eval(model: Path, key: str | None, result: EvalResult, report: EvaluationReport) -> None:
    """The evaluation, with what it was made on, into the model's ``slmc-train.json`` (key ``eval``): it travels
    with the model into the bundle and the stage cache."""
    path = model / TRAIN_INFO
    if key is None or not path.is_file():
        return
    info = json.loads(path.read_text(encoding="utf-8"))
    saved = {"eval_key": key, "result": dataclasses.asdict(result), "report": dataclasses.asdict(report)}
    info["eval"] = saved
    path.write_text(json.dumps(info, indent=1, default=str) + "\n", encoding="utf-8")


def reused_eval(model: Path, key: str | None) -> tuple[EvalResult, EvaluationReport] | None:
    """The saved evaluation of a model reused from a bundle when it was made on the same rows (``eval_key``); a
    model trained here is always evaluated. A saved evaluation is input: checked field by field."""
    if key is None:
        return None
    try:
        info = json.loads((model / TRAIN_INFO).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    data = info.get("eval") if isinstance(info, dict) else None
    if not (info.get("reused_from") == "bundle" and isinstance(data, dict)):
        return None
    if data.get("eval_key") != key or not isinstance(data.get("result"), dict):
        return None
    raw = data["result"]
    numbers = ("agreement", "lower_bound", "fallback_rate")
    optional = ("ground_truth_accuracy", "threshold", "accepted_agreement", "train_seconds")
    ok = (
        isinstance(raw.get("metric"), str)
        and isinstance(raw.get("n"), int)
        and all(_finite(raw.get(k)) for k in numbers)
        and all(raw.get(k) is None or _finite(raw.get(k)) for k in optional)
    )
    if not ok:
        return None
    fields = {f.name for f in dataclasses.fields(EvalResult)}
    result = EvalResult(**{k: v for k, v in raw.items() if k in fields and k not in ("adapter",)})
    report = _evaluation_report(data.get("report"))
    return None if report is None else (result, report)


def _evaluation_report(raw: Any) -> EvaluationReport | None:
    """The saved ``EvaluationReport`` (checked: JSON objects and a row count), else None."""
    if not isinstance(raw, dict):
        return None
    test, point, rows = raw.get("test"), raw.get("validation_operating_point"), raw.get("ground_truth_rows", 0)
    if not (isinstance(test, dict) and isinstance(point, dict) and type(rows) is int and rows >= 0):
        return None
    return EvaluationReport(test=test, validation_operating_point=point, ground_truth_rows=rows)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
