"""The vLLM target: multi-LoRA chat servers, and a pooling-runner server per sequence classifier."""

from __future__ import annotations

from pathlib import Path

from slmc.targets.base import (
    ALLOWED_LORA_RANKS,
    CONTAINER_HOST,
    EndpointSpec,
    Problem,
    ServiceSpec,
    ServingPlan,
    Target,
    check_adapter,
    round_rank,
    sequence_classifier,
)
from slmc.targets.upstream import VLLM_VERSION, vllm_classifies

VLLM_IMAGE = f"vllm/vllm-openai:v{VLLM_VERSION}"
MODEL_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def classifier_problems(folder: Path | None, planned: bool = False) -> list[str]:
    """Why vLLM's pooling runner cannot serve the classifier in ``folder`` (empty: it can): a
    ``*ForSequenceClassification`` architecture of the pinned vLLM, safetensors weights, and a tokenizer."""
    if folder is None:
        return [] if planned else ["the classifier is not on disk"]
    arch = sequence_classifier(folder)
    if arch is None:
        return [
            "an slmc classifier head is a sentence encoder plus a linear head (head.json + head.safetensors), "
            "not a *ForSequenceClassification model: vLLM's pooling runner cannot load it"
        ]
    problems = []
    if not vllm_classifies(arch):
        problems.append(f"vLLM {VLLM_VERSION}'s pooling runner has no {arch} (slmc.targets.upstream)")
    if not any((folder / f).is_file() for f in MODEL_WEIGHTS):
        problems.append(f"{arch} folder holds no {' or '.join(MODEL_WEIGHTS)}")
    if not any((folder / f).is_file() for f in TOKENIZER_FILES):
        problems.append(f"{arch} folder holds no tokenizer ({' or '.join(TOKENIZER_FILES)}) for vLLM to load")
    return problems


class VLLMTarget(Target):
    name = "vllm"
    folder = "vllm"
    supports_lora = True
    needs_gpu = True
    multi_adapter = True
    default_port = 8000
    image = VLLM_IMAGE
    health_path = "/health"
    key_env = "VLLM_API_KEY"  # vLLM's own variable for --api-key

    @classmethod
    def serves(cls, method: str, folder: Path | None) -> bool:
        """LoRA and full fine-tunes as chat models; a classifier head when it is a ``*ForSequenceClassification``
        model vLLM's pooling runner loads (its own server, ``POST /classify``)."""
        if method == "classifier-head":
            return not classifier_problems(folder)
        return super().serves(method, folder)

    @classmethod
    def why_not_served(cls, method: str, folder: Path | None) -> str:
        """vLLM classifies only with ``*ForSequenceClassification`` models (its pooling runner, ``POST /classify``)."""
        if method != "classifier-head":
            return super().why_not_served(method, folder)
        return "; ".join(classifier_problems(folder))

    def validate(self, plan: ServingPlan) -> list[Problem]:
        problems: list[Problem] = []
        for ep in self.own_endpoints(plan):
            heads = [a for a in ep.adapters if a.method == "classifier-head"]
            if ep.runner == "pooling":
                if len(ep.adapters) != 1 or len(heads) != 1 or ep.base_model != heads[0].path:
                    problems.append(Problem(ep.name, "a pooling endpoint serves exactly one classifier, as its model"))
                for a in heads:
                    problems.extend(
                        Problem(f"{ep.name}/{a.name}", why) for why in classifier_problems(a.source, planned=a.planned)
                    )
                continue
            for a in ep.adapters:
                problems.extend(check_adapter(a, f"{ep.name}/{a.name}", ALLOWED_LORA_RANKS))
                if a.method == "classifier-head":
                    problems.append(Problem(f"{ep.name}/{a.name}", "a classifier head on a chat (generate) endpoint"))
        return problems

    def lora_limits(self, ep: EndpointSpec) -> dict[str, int]:
        """``max_lora_rank`` (rounded up to an allowed rank), ``max_loras`` and ``max_cpu_loras`` of an endpoint."""
        rank = round_rank(max((a.rank for a in ep.adapters), default=8)) or ALLOWED_LORA_RANKS[-1]
        n = len(ep.adapters)
        max_loras = max(1, min(n, int(self.options.get("max_loras", n or 1))))
        return {"max_lora_rank": rank, "max_loras": max_loras, "max_cpu_loras": max(max_loras, n)}

    def argv(self, ep: EndpointSpec, host: str = CONTAINER_HOST) -> list[str]:
        args = ["vllm", "serve", ep.base_model, "--host", host, "--port", str(ep.port)]
        if ep.runner == "pooling":  # a sequence classifier: POST /classify, no chat, no LoRA
            return [*args, "--runner", "pooling", "--convert", "classify"]
        if ep.adapters:
            limits = self.lora_limits(ep)
            args += ["--enable-lora", "--lora-modules", *(f"{a.name}={a.path}" for a in ep.adapters)]
            args += ["--max-lora-rank", str(limits["max_lora_rank"]), "--max-loras", str(limits["max_loras"])]
            args += ["--max-cpu-loras", str(limits["max_cpu_loras"])]
        return args

    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:
        endpoints = self.own_endpoints(plan)
        if not endpoints:
            return []
        path = out_dir / self.folder / "serve.sh"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            self.render(
                "serve.sh.j2",
                **self.script_context(plan),
                endpoints=[(ep, self.argv(ep, self.bind_host)) for ep in endpoints],
            ),
            encoding="utf-8",
        )
        path.chmod(0o755)
        return [path]

    def services(self, plan: ServingPlan) -> list[ServiceSpec]:
        return [self.service(ep, self.argv(ep)) for ep in self.own_endpoints(plan)]
