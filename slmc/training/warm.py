"""Warm start (S6): a task ``slmc compile --from BUNDLE`` trains again starts from the model the bundle deployed.

The deployed model of a task is found by its folder name (the task's slug) among the bundle's trained models
(``reuse.model_folders``: the bundle's own, then for kept tasks the stage cache beside it). It is a starting point
only when nothing it learned is wrong for the new run:

* the same base (``source``) and method (full / lora / qlora / classifier-head);
* the same contract kind, and for a generative model the same labels, JSON keys and tool names; a classifier head
  may gain labels (its head grows: the deployed rows kept, a zero row per new label) but not lose any;
* its weights are safetensors (a pickle is never loaded), no file in it is a link;
* a LoRA adapter only on a hub base with the plan's rank, alpha and target modules (a scratch base is rebuilt from the
  new rows, with its own tokenizer); a classifier head only on MiniLM features (a TF-IDF vocabulary is refit on the
  new rows, so its feature columns change).

Otherwise the task trains from scratch; either way the reason is logged and recorded in ``slmc-train.json``
(``warm_start``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.ir.nodes import Task
from slmc.safety import is_slug

TRAIN_INFO = "slmc-train.json"
MAX_INFO_BYTES = 1 << 20
# pickles (torch's .bin / .pt / .ckpt weights are pickles too): a deployed model holding one is not started from
NOT_LOADED = ("*.joblib", "*.pkl", "*.pickle", "*.bin", "*.pt", "*.pth", "*.ckpt")


@dataclass(frozen=True)
class WarmStart:
    folder: Path | None  # the deployed model to start from; None: from scratch
    reason: str  # why, either way (logged, recorded in slmc-train.json)
    run_key: str | None = None  # the deployed run's key

    def record(self) -> dict[str, Any]:
        return {"from": "bundle" if self.folder else None, "run_key": self.run_key, "reason": self.reason}


def _info(folder: Path) -> dict[str, Any] | None:
    path = folder / TRAIN_INFO
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_INFO_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _task_folder_name(info: dict[str, Any]) -> str | None:
    """The task folder a deployed model was trained for: ``datasets/<name>/train.jsonl`` in its recorded plan."""
    plan = info.get("plan")
    dataset = plan.get("dataset") if isinstance(plan, dict) else None
    parts = dataset.split("/") if isinstance(dataset, str) else []
    if len(parts) == 3 and parts[0] == "datasets" and is_slug(parts[1]):
        return parts[1]
    return None


def deployed_by_task(bundle: str | Path) -> dict[str, Path]:
    """``{task folder name: deployed model folder}`` of a bundle: its own models (offloaded tasks), then for the other
    tasks those in the stage cache beside it."""
    from slmc.training.reuse import MAX_SCAN, model_folders

    found: dict[str, Path] = {}
    for root in reversed(model_folders(Path(bundle))):  # the bundle last: what it deploys wins
        for seen, info_path in enumerate(sorted(root.rglob(TRAIN_INFO))):
            if seen >= MAX_SCAN:
                break
            info = _info(info_path.parent)
            name = _task_folder_name(info) if info else None
            if name:
                found[name] = info_path.parent
    return found


def _names(contract: dict[str, Any] | None) -> dict[str, set[str]]:
    """The labels, JSON keys and tool names a contract fixes."""
    contract = contract or {}
    schema = contract.get("schema") if isinstance(contract.get("schema"), dict) else {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    tools = contract.get("tools") if isinstance(contract.get("tools"), list) else []
    return {
        "labels": {str(x) for x in contract.get("labels") or () if isinstance(x, str)},
        "keys": {str(k) for k in props},
        "tools": {str(t.get("name")) for t in tools if isinstance(t, dict)},
    }


def _contract_change(old: Any, new: dict[str, Any] | None, *, may_grow_labels: bool) -> str | None:
    """Why the deployed contract ``old`` does not fit ``new`` (None: it does)."""
    if not isinstance(old, dict) or not isinstance(old.get("kind"), str):
        return "the deployed model records no contract"
    new = new or {"kind": "text"}
    if old["kind"] != new.get("kind"):
        return f"the contract kind changed ({old['kind']} -> {new.get('kind')})"
    before, after = _names(old), _names(new)
    for what in ("labels", "keys", "tools"):
        gone, added = sorted(before[what] - after[what]), sorted(after[what] - before[what])
        if gone:
            return f"{what} removed: {', '.join(gone[:5])}"
        if added and not (what == "labels" and may_grow_labels):
            return f"new {what}: {', '.join(added[:5])}"
    return None


def _unsafe_files(folder: Path) -> str | None:
    for path in folder.rglob("*"):
        if path.is_symlink():
            return f"it holds a link ({path.name})"
        if any(path.match(p) for p in NOT_LOADED):
            return f"it holds a pickle ({path.name}), never loaded"
    return None


def warm_start(task: Task, deployed: dict[str, Path], name: str) -> WarmStart:
    """Whether ``task`` (folder ``name``) starts from its deployed model, and why."""
    from slmc.training.scratch import is_scratch

    plan, slm = task.finetune, task.slm
    folder = deployed.get(name)
    if plan is None or slm is None:
        return WarmStart(None, "no fine-tune plan")
    if folder is None:
        return WarmStart(None, "no deployed model of this task")
    info = _info(folder)
    if info is None:
        return WarmStart(None, "the deployed model's slmc-train.json is unreadable")
    key = info.get("run_key") if isinstance(info.get("run_key"), str) else None

    def cold(why: str) -> WarmStart:
        return WarmStart(None, why, key)

    if info.get("source") != slm.source:
        return cold(f"the base changed ({info.get('source')} -> {slm.source})")
    if info.get("method") != plan.method:
        return cold(f"the method changed ({info.get('method')} -> {plan.method})")
    head = plan.method == "classifier-head"
    why = _contract_change(
        info.get("contract"), task.contract.to_dict() if task.contract else None, may_grow_labels=head
    )
    if why is not None:
        return cold(why)
    why = _unsafe_files(folder)
    if why is not None:
        return cold(why)
    if head:
        from slmc.training.classifier import HEAD_CONFIG, HEAD_WEIGHTS

        if not (folder / HEAD_CONFIG).is_file() or not (folder / HEAD_WEIGHTS).is_file():
            return cold("the deployed head has no head.json / head.safetensors")
        try:
            spec = json.loads((folder / HEAD_CONFIG).read_text(encoding="utf-8")).get("embedder") or {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            return cold("the deployed head.json is unreadable")
        if not isinstance(spec, dict) or spec.get("name") != "minilm":
            return cold("the deployed head reads TF-IDF features, refit on the new rows")
    elif plan.method in ("lora", "qlora"):
        if is_scratch(slm.source):
            return cold("its adapter sits on a scratch base, rebuilt (with its tokenizer) from the new rows")
        why = _adapter_change(folder, plan)
        if why is not None:
            return cold(why)
    elif not (folder / "model.safetensors").is_file() or not (folder / "config.json").is_file():
        return cold("the deployed model has no config.json / model.safetensors")
    return WarmStart(folder, f"warm start from the deployed model (run {key})", key)


def _adapter_change(folder: Path, plan: Any) -> str | None:
    if not (folder / "adapter_model.safetensors").is_file():
        return "the deployed adapter has no adapter_model.safetensors"
    try:
        config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "the deployed adapter_config.json is unreadable"
    if not isinstance(config, dict):
        return "the deployed adapter_config.json is not an object"
    modules = config.get("target_modules")
    same = (
        config.get("r") == plan.lora_r
        and config.get("lora_alpha") == plan.lora_alpha
        and isinstance(modules, list | str)
        and sorted([modules] if isinstance(modules, str) else modules) == sorted(plan.target_modules)
    )
    return None if same else "the adapter's rank, alpha or target modules changed"


def grown_head(folder: Path, classes: list[str], dim: int) -> tuple[Any, Any] | None:
    """The deployed head's weights as a starting point for a head over ``classes`` (sorted, as scikit-learn orders
    them): ``(coef, intercept)`` shaped as ``LogisticRegression`` keeps them, a deployed label's row as deployed, a
    new label's row zero. A two-label (logistic) head grows into a softmax one as ``-w/2, +w/2`` (same probabilities
    over its two labels). None when the deployed head does not fit (other feature size, a label removed)."""
    import numpy as np
    from safetensors.numpy import load_file

    from slmc.training.classifier import HEAD_CONFIG, HEAD_WEIGHTS

    try:
        config = json.loads((folder / HEAD_CONFIG).read_text(encoding="utf-8"))
        tensors = load_file(str(folder / HEAD_WEIGHTS))
    except Exception:  # unreadable, not JSON, not safetensors
        return None
    old = config.get("classes") if isinstance(config, dict) else None
    weight, bias = tensors.get("weight"), tensors.get("bias")
    if not isinstance(old, list) or len(old) < 2 or weight is None or bias is None or weight.ndim != 2:
        return None
    old = [str(c) for c in old]
    if weight.shape[1] != dim or not set(old) <= set(classes) or len(set(old)) != len(old):
        return None
    if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
        return None
    if len(old) == 2:
        if weight.shape[0] != 1 or bias.shape != (1,):
            return None
        rows = {old[0]: (-weight[0] / 2, -bias[0] / 2), old[1]: (weight[0] / 2, bias[0] / 2)}
    else:
        if weight.shape[0] != len(old) or bias.shape != (len(old),):
            return None
        rows = {c: (weight[i], bias[i]) for i, c in enumerate(old)}
    if len(classes) == 2:  # the same two labels: the logistic head as it is
        return weight.astype(np.float64).copy(), bias.astype(np.float64).copy()
    coef = np.zeros((len(classes), dim), dtype=np.float64)
    intercept = np.zeros(len(classes), dtype=np.float64)
    for i, c in enumerate(classes):
        if c in rows:
            coef[i], intercept[i] = rows[c]
    return coef, intercept


def start_head(head: Any, coef: Any, intercept: Any) -> Any:
    """Make scikit-learn's ``LogisticRegression`` start its next ``fit`` from ``coef`` / ``intercept`` (lbfgs takes
    them as its first iterate with ``warm_start``)."""
    head.set_params(warm_start=True)
    head.coef_, head.intercept_ = coef, intercept
    return head
