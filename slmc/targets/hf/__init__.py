"""hf target: the runtime serves base + adapter in-process with transformers/peft (CPU or GPU); no server needed."""

from __future__ import annotations

from slmc.targets.hf.target import HFTarget

__all__ = ["HFTarget"]
