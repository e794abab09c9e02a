"""Reading and writing the serialisable plan (IR JSON) that ``slmc train`` / ``slmc eval`` work on."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph


def load_plan(path: Path) -> AgentGraph:
    from slmc.ir.serialize import loads

    if not path.is_file():
        raise SlmcError(f"plan file not found: {path}", hint="make one with `slmc compile ... --emit plan`")
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise SlmcError(f"not an slmc plan: {exc}", path=str(path), hint="give the plan.json written by slmc") from None


def save_plan(graph: AgentGraph, path: Path) -> None:
    """Write atomically, so an interrupted run never leaves half a plan."""
    from slmc.ir.serialize import dumps

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(dumps(graph))
    os.replace(tmp, path)


def find_build_dir(plan_path: Path, graph: AgentGraph, given: Path | None = None) -> Path:
    """The folder the plan's dataset paths are relative to: ``given``, the plan's folder, or the compile cache's
    work folder next to it (``.<out>.slmc-cache/work``)."""
    planned = [t.finetune for t in graph.tasks() if t.finetune is not None]
    if not planned:
        raise SlmcError(
            f"{plan_path}: no task has a fine-tune plan", hint="run plan-finetune (slmc compile --emit plan)"
        )
    folder = plan_path.resolve().parent
    candidates = [given] if given else [folder, folder.parent / f".{folder.name}.slmc-cache" / "work"]
    for candidate in candidates:
        if candidate is not None and all((candidate / p.dataset).is_file() for p in planned):
            return candidate.resolve()
    raise SlmcError(
        f"the datasets of {plan_path} were not found (looked in {', '.join(str(c) for c in candidates)})",
        hint="pass --build DIR, the folder holding datasets/",
    )
