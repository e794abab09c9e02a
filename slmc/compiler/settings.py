"""Typed run settings: every option the command line and ``[tool.slmc]`` know, and the one precedence rule.

    command line  >  pass option written in the pipeline string  >  [tool.slmc]  >  default

``Settings.layered(cli, config)`` merges the command line over ``[tool.slmc]`` over the defaults and remembers which
names the command line gave. A pass option that mirrors a setting declares it (``field(metadata={"setting": ...})``);
``slmc.compiler.passmanager.parse_pipeline`` applies the rule to it once, when the pipeline is parsed, so a pass reads
its own field and nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from slmc.errors import SlmcError


@dataclass(frozen=True)
class Settings:
    target: str | None = None  # serving target: tensorrt-llm | vllm | hf | llamacpp (compile: hf when not given)
    gate_target: float = 0.95  # required agreement with the LLM (lower confidence bound)
    max_fallback: float = 0.5  # largest acceptable fallback rate
    base_model: str | None = None  # SLM base for every task (catalog name, hub id, local path, scratch:<size>)
    max_params: str | float | None = None  # largest SLM to consider ("3B")
    licence: str = "any"  # any | permissive | licence ids, comma-separated
    gpu_memory: float | None = None  # GB on the serving machine
    cpu_only: bool = False  # plan (and train) for the CPU
    device: str = "auto"  # training / evaluation device: auto | cpu | cuda
    embedder: str = "auto"  # auto | minilm | tfidf
    llm_price_model: str | None = None  # price the traffic as this LLM (default: the traces' model)
    train_budget: float = 0.0  # safety cap on a task's training in seconds (0: none; CPU seconds for heads on the CPU)
    batch_size: int = 32  # evaluation batch size
    resume_training: bool = False  # reuse finished identical training runs, continue interrupted ones
    prices: dict[str, Any] | None = None  # [tool.slmc.prices] merged over slmc/data/prices.yaml
    reuse_from: str | None = None  # a deployed bundle: its models are reused for tasks whose training run is unchanged
    given: frozenset[str] = frozenset()  # the names the command line gave (they win over the pipeline string)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.name != "given")

    @classmethod
    def layered(cls, cli: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> Settings:
        """Command line (None values: not given) over ``[tool.slmc]`` over the defaults."""
        cli = {k: v for k, v in (cli or {}).items() if v is not None}
        config = {k: v for k, v in (config or {}).items() if v is not None}
        known = set(cls.names())
        for where, values in (("command line", cli), ("[tool.slmc]", config)):
            unknown = sorted(set(values) - known)
            if unknown:  # a programming error of a command, never the user's
                raise SlmcError(f"unknown setting {unknown[0]!r} from the {where}")
        values = {**config, **cli}
        for name in ("gate_target", "max_fallback", "train_budget", "gpu_memory"):
            if name in values:
                try:
                    values[name] = float(values[name])
                except (TypeError, ValueError):
                    raise SlmcError(f"{name.replace('_', '-')}: {values[name]!r} is not a number") from None
        if not 0.0 < float(values.get("gate_target", 0.95)) <= 1.0:
            raise SlmcError(f"gate-target {values['gate_target']} is not in (0, 1]", hint="e.g. --gate-target 0.95")
        return cls(**values, given=frozenset(cli))


def setting_of(f: dataclasses.Field) -> str | None:
    """The setting a pass option mirrors (``field(metadata={"setting": name})``), or None."""
    return f.metadata.get("setting") if f.metadata else None


def setting_field(name: str, default: Any) -> Any:
    """A pass option that mirrors the setting ``name`` (the precedence rule decides its value at parse time)."""
    if name not in Settings.names():
        raise ValueError(f"no setting {name!r}")
    return field(default=default, metadata={"setting": name})


__all__ = ["Settings", "setting_field", "setting_of"]
