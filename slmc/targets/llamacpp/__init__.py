"""llama.cpp target (CPU): GGUF base + GGUF LoRA adapters served by ``llama-server --lora ... --lora-init-without-apply``."""

from __future__ import annotations

from slmc.targets.llamacpp.target import LlamaCppTarget

__all__ = ["LlamaCppTarget"]
