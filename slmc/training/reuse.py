"""Incremental recompile (S6): reuse the model of a deployed bundle for a task whose training run did not change.

``slmc compile ... --from BUNDLE``: before a task is trained, its run key (``trainer.run_key``: the fine-tune plan,
the base, and the bytes of its training set, so the data and everything the contract put into the rows) is looked
up among the ``slmc-train.json`` files of the bundle's models. A match is copied into the build's ``models/<task>``
instead of training; the task is then evaluated and gated again like any other. A task whose data or plan changed
(drift, new calls, a new label) is trained. A bundle is input: folders holding a link are refused, a pickle is never
copied, and a LoRA adapter whose base lies outside its own folder (a scratch base the bundle keeps elsewhere) is
trained again rather than pointed at a base it may not match.

Decision diff: ``decision_diff(old_manifest, graph)`` lists the sites whose decision changed (offloaded -> kept and
back) with the evidence on both sides (the old manifest's ``eval`` and reasons, the new gate's).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slmc.codegen.manifest import MANIFEST_NAME, PICKLE_PATTERNS
from slmc.errors import SlmcError
from slmc.ir.nodes import Task
from slmc.safety import OWNER_MARK

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


def trained_models(bundle: Path) -> dict[str, Path]:
    """``{run_key: model folder}`` of the bundle's trained models (folders with ``slmc-train.json``)."""
    found: dict[str, Path] = {}
    for seen, info in enumerate(sorted(Path(bundle).rglob(TRAIN_INFO))):
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
        before = str(entry.get("decision") or "keep") if entry or site.id in old_sites else "absent"
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
