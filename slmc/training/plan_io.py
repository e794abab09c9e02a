"""Reading and writing the serialisable plan (IR JSON) that ``slmc train`` / ``slmc eval`` work on.

A plan records its build folder (datasets/, models/) relative to the plan file's folder (``meta.build``, written by
``slmc compile --emit plan`` and by every ``save_plan`` given the folder): ``slmc train`` / ``slmc eval`` read it from
there, ``--build`` overriding it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.safety import UnsafePathError, resolve_within


def load_plan(path: Path) -> AgentGraph:
    from slmc.ir.serialize import loads

    if not path.is_file():
        raise SlmcError(f"plan file not found: {path}", hint="make one with `slmc compile ... --emit plan`")
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise SlmcError(f"not an slmc plan: {exc}", path=str(path), hint="give the plan.json written by slmc") from None


def record_build(graph: AgentGraph, path: Path, build: Path) -> None:
    """Record in ``graph`` (to be saved as ``path``) where its build folder is, relative to the plan's folder."""
    graph.meta.build = Path(os.path.relpath(Path(build).resolve(), Path(path).resolve().parent)).as_posix()


def save_plan(graph: AgentGraph, path: Path, build: Path | None = None) -> None:
    """Write atomically, so an interrupted run never leaves half a plan; ``build``: the build folder to record."""
    from slmc.ir.serialize import dumps

    if build is not None:
        record_build(graph, path, build)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(dumps(graph))
    os.replace(tmp, path)


def find_build_dir(plan_path: Path, graph: AgentGraph, given: Path | None = None) -> Path:
    """The folder the plan's dataset paths are relative to: ``given`` (``--build``), else the folder the plan records
    (``meta.build``, relative to the plan's folder; it must lie beside the plan's folder, not climb further), else the
    plan's own folder. Every planned task's datasets must be there."""
    planned = [t.finetune for t in graph.tasks() if t.finetune is not None]
    if not planned:
        raise SlmcError(
            f"{plan_path}: no task has a fine-tune plan", hint="run plan-finetune (slmc compile --emit plan)"
        )
    folder = plan_path.resolve().parent
    if given is not None:
        candidate, source = Path(given), "--build"
    elif graph.meta.build:
        try:
            candidate = resolve_within(folder.parent, Path(folder.name) / graph.meta.build)
        except UnsafePathError:
            raise SlmcError(
                f"the plan records its build folder as {graph.meta.build!r}, outside the folder beside it",
                path=str(plan_path),
                hint="pass --build DIR, the folder holding datasets/",
            ) from None
        source = f"recorded in the plan (build: {graph.meta.build})"
    else:
        candidate, source = folder, "the plan's folder (the plan records no build folder)"
    missing = [p.dataset for p in planned if not (candidate / p.dataset).is_file()]
    if missing:
        raise SlmcError(
            f"the datasets of {plan_path} are not in {candidate}, {source}: {missing[0]} is missing",
            path=str(plan_path),
            hint="pass --build DIR, the folder holding datasets/ (or emit the plan again: slmc compile --emit plan)",
        )
    return candidate.resolve()
