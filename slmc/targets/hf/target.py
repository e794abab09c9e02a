"""The in-process Hugging Face target (transformers + peft, loaded lazily by the runtime's hf backend)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from slmc.targets.base import EndpointSpec, Problem, ServingPlan, Target, check_adapter


class HFTarget(Target):
    """Options: ``server`` (bool, also write ``hf/serve.py``, an OpenAI-compatible server over the runtime's hf
    backend; only when ``slmc.runtime.hf`` exists)."""

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

    def validate(self, plan: ServingPlan) -> list[Problem]:
        problems: list[Problem] = []
        for ep in self.own_endpoints(plan):
            for a in ep.adapters:
                problems.extend(check_adapter(a, f"{ep.name}/{a.name}"))
        if self.options.get("server") and importlib.util.find_spec("slmc.runtime.hf") is None:
            problems.append(Problem("hf/serve.py", "the runtime has no hf backend (slmc.runtime.hf) to serve with"))
        return problems

    def endpoint_fields(self, plan: ServingPlan, ep: EndpointSpec) -> dict[str, Any]:
        return {}  # in-process: no url

    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:
        if not self.options.get("server") or not self.own_endpoints(plan):
            return []
        path = out_dir / self.folder / "serve.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render("serve.py.j2", plan=plan, endpoints=self.own_endpoints(plan)), encoding="utf-8")
        return [path]
