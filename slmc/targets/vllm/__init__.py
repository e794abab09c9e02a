"""vLLM target: ``vllm serve <base> --enable-lora --lora-modules name=path ...``; the adapter is picked by ``model``."""

from __future__ import annotations

from slmc.targets.vllm.target import VLLMTarget

__all__ = ["VLLMTarget"]
