"""The serving plan: the gated graph lowered for one serving target (the ``plan-serving`` pass writes it into the
compile unit; codegen and the targets read it).

A ``ServingPlan`` holds endpoints (one per base model, each serving one LoRA adapter per task) and the routing entry
of every decided call site. It round-trips through JSON (``serving_to_json`` / ``serving_from_json``); a path under
the build folder is written relative to it (``{"build": "models/intent"}``), so the stage cache never holds the build
machine's absolute path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from slmc.ir.nodes import Decision, SiteKind


@dataclass(frozen=True)
class AdapterSpec:
    """One task's LoRA adapter as served by an endpoint."""

    name: str  # served name (task slug), e.g. "intent"
    task: str  # task id
    path: str  # path inside the bundle, e.g. "adapters/intent"
    source: Path | None  # trained adapter directory to copy into the bundle (None: not on disk)
    int_id: int  # 1-based id (TensorRT-LLM / vLLM LoRARequest); targets may renumber (llama.cpp: flag order)
    rank: int
    alpha: int
    target_modules: tuple[str, ...]
    method: str  # lora | qlora | full | classifier-head
    modules_to_save: tuple[str, ...] = ()
    planned: bool = False  # a plan checked before training: no adapter on disk yet (rank/modules from the plan)


@dataclass(frozen=True)
class EndpointSpec:
    """A server for one base model and the adapters it serves."""

    name: str  # "base-0"
    target: str  # target name serving it (an hf endpoint may sit in another target's bundle)
    base_model: str  # hub id, or bundle path ("models/base-0") when the base is copied
    model_name: str  # catalog name of the SLM
    base_source: Path | None  # local base model directory to copy (None: hub id)
    port: int
    adapters: tuple[AdapterSpec, ...] = ()
    family: str | None = None  # qwen | llama | phi (for engine recipes)
    runner: str = "generate"  # "pooling": a classifier server (its one adapter is the served model, no chat)


@dataclass(frozen=True)
class SiteRoute:
    """The manifest entry of one decided call site."""

    site_id: str
    kind: SiteKind
    decision: Decision
    reasons: tuple[str, ...]
    api: str | None
    task: str | None = None
    endpoint: str | None = None
    adapter: str | None = None  # adapter name on the endpoint
    contract: dict[str, Any] | None = None
    threshold: float | None = None
    max_tokens: int | None = None
    eval: dict[str, Any] | None = None


@dataclass(frozen=True)
class ServingPlan:
    agent_name: str
    agent_source: str
    target: str
    endpoints: tuple[EndpointSpec, ...]
    sites: tuple[SiteRoute, ...]
    defaults: dict[str, Any] = field(default_factory=lambda: {"timeout_s": 20, "mode": "serve"})
    host: str = "localhost"
    notes: tuple[str, ...] = ()

    def endpoint(self, name: str) -> EndpointSpec:
        for ep in self.endpoints:
            if ep.name == name:
                return ep
        raise KeyError(name)

    def adapters(self) -> list[AdapterSpec]:
        return [a for ep in self.endpoints for a in ep.adapters]

    def summary(self) -> str:
        """One line for the IR text form: target, endpoints, adapters and routed sites (no paths)."""
        routed = sum(1 for s in self.sites if s.decision != Decision.KEEP)
        return (
            f"{self.target}: {len(self.endpoints)} endpoints, {len(self.adapters())} adapters, "
            f"{routed} of {len(self.sites)} sites routed"
        )


def agent_identity(entry: Path | None, root: Path) -> tuple[str, str]:
    """The agent's name and its entry file (relative to ``root``) as the serving plan records them: the entry file's
    stem (the root folder's name for a package folder, ``agent.py`` or ``main.py``), and the entry file or ``.``."""
    root = root.resolve()
    if entry is None:
        return root.name, "."
    name = entry.stem if entry.is_file() and entry.stem not in ("agent", "main") else root.name
    source = str(entry.resolve().relative_to(root)) if entry.is_file() else "."
    return name, source


# ---- JSON -----------------------------------------------------------------------------------------------------------
def _path_out(path: Path | None, base: Path | None) -> Any:
    if path is None:
        return None
    if base is not None and path.is_absolute() and path.is_relative_to(base):
        return {"build": path.relative_to(base).as_posix()}
    return str(path)


def _path_in(data: Any, base: Path | None) -> Path | None:
    if data is None:
        return None
    if isinstance(data, dict):
        rel = str(data.get("build", ""))
        return Path(os.path.normpath(base / rel)) if base is not None else Path(rel)
    return Path(str(data))


def _plain(obj: Any, base: Path | None) -> Any:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("source", "base_source"):
            value = _path_out(value, base)
        elif isinstance(value, tuple):
            value = [_plain(v, base) if hasattr(v, "__dataclass_fields__") else v for v in value]
        elif isinstance(value, Decision | SiteKind):
            value = value.value
        out[f.name] = value
    return out


def serving_to_json(plan: ServingPlan, base: Path | None = None) -> dict[str, Any]:
    """``plan`` as JSON data; with ``base`` (the build folder), a path under it is written relative to it."""
    return _plain(plan, Path(base).resolve() if base is not None else None)


def serving_from_json(data: dict[str, Any], base: Path | None = None) -> ServingPlan:
    """The plan ``serving_to_json`` wrote; ``base``: the build folder its relative paths are under."""
    base = Path(base).resolve() if base is not None else None
    endpoints = tuple(
        EndpointSpec(
            **{
                **ep,
                "base_source": _path_in(ep.get("base_source"), base),
                "adapters": tuple(
                    AdapterSpec(
                        **{
                            **a,
                            "source": _path_in(a.get("source"), base),
                            "target_modules": tuple(a.get("target_modules") or ()),
                            "modules_to_save": tuple(a.get("modules_to_save") or ()),
                        }
                    )
                    for a in ep.get("adapters") or ()
                ),
            }
        )
        for ep in data.get("endpoints") or ()
    )
    sites = tuple(
        SiteRoute(
            **{
                **s,
                "kind": SiteKind(s["kind"]),
                "decision": Decision(s["decision"]),
                "reasons": tuple(s.get("reasons") or ()),
            }
        )
        for s in data.get("sites") or ()
    )
    return ServingPlan(
        **{
            **data,
            "endpoints": endpoints,
            "sites": sites,
            "defaults": dict(data.get("defaults") or {}),
            "notes": tuple(data.get("notes") or ()),
        }
    )


__all__ = [
    "AdapterSpec",
    "EndpointSpec",
    "ServingPlan",
    "SiteRoute",
    "agent_identity",
    "serving_from_json",
    "serving_to_json",
]
