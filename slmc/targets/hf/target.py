"""The in-process Hugging Face target (transformers + peft, loaded lazily by the runtime's hf backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slmc.targets.base import EndpointSpec, ServingPlan, Target


class HFTarget(Target):
    """No server: ``slmc.runtime`` loads the base model and the adapters in-process on first use (CPU or GPU)."""

    name = "hf"
    folder = "hf"
    supports_lora = True
    needs_gpu = False
    multi_adapter = True
    default_port = 8000
    image = ""
    health_path = "/health"

    @classmethod
    def serves_method(cls, method: str) -> bool:
        return True  # LoRA, full fine-tunes and classifier heads all load in-process

    def endpoint_fields(self, plan: ServingPlan, ep: EndpointSpec) -> dict[str, Any]:
        return {}  # in-process: no url

    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:
        return []  # the manifest and the copied adapters are all the runtime needs
