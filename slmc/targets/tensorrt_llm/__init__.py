"""TensorRT-LLM target: PyTorch-backend ``trtllm-serve`` with a LoRA ``LlmArgs`` YAML (default), or a legacy engine
recipe (``trtllm-build --lora_plugin``, pinned ``tensorrt-llm<=1.2.1``) built on the target GPU."""

from __future__ import annotations

from slmc.targets.tensorrt_llm.target import TensorRTLLMTarget

__all__ = ["TensorRTLLMTarget"]
