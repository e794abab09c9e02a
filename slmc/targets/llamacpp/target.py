"""The llama.cpp target: ``convert.sh`` (HF -> GGUF for the base and each adapter) and ``serve.sh`` (llama-server)."""

from __future__ import annotations

from pathlib import Path

from slmc.targets.base import (
    CONTAINER_HOST,
    AdapterSpec,
    EndpointSpec,
    Problem,
    ServiceSpec,
    ServingPlan,
    Target,
    check_adapter,
)
from slmc.targets.upstream import LLAMACPP_BUILD, LLAMACPP_LORA_OUTTYPES

LLAMACPP_IMAGE = f"ghcr.io/ggml-org/llama.cpp:server-{LLAMACPP_BUILD}"
CONTAINER_BUNDLE = "/bundle"  # where containers mount the bundle
EMBEDDING_MODULES = ("embed_tokens", "lm_head", "wte", "word_embeddings")


class LlamaCppTarget(Target):
    """Options: ``image``, ``outtype`` (f16), ``ctx_size``."""

    name = "llamacpp"
    folder = "llamacpp"
    supports_lora = True
    needs_gpu = False
    multi_adapter = True
    default_port = 8080
    image = LLAMACPP_IMAGE
    health_path = "/health"
    health_tool = "curl"
    key_env = "LLAMA_API_KEY"  # llama-server reads --api-key from it (common/arg.cpp)
    image_entrypoint = True  # the server image's ENTRYPOINT is /app/llama-server (not on PATH): pass arguments only

    @property
    def outtype(self) -> str:
        return str(self.options.get("outtype", "f16"))

    def base_gguf(self, ep: EndpointSpec) -> str:
        return f"gguf/{ep.name}-{self.outtype}.gguf"

    def adapter_gguf(self, a: AdapterSpec) -> str:
        return f"gguf/{a.name}-{self.outtype}.gguf"

    def adapter_id(self, ep: EndpointSpec, adapter: AdapterSpec) -> int:
        """llama-server numbers adapters by ``--lora`` flag order, from 0."""
        return [a.name for a in ep.adapters].index(adapter.name)

    def server_args(self, ep: EndpointSpec, host: str = CONTAINER_HOST, root: str = "") -> list[str]:
        """llama-server's arguments; bundle files under ``root`` (the container's mount of the bundle)."""
        at = (lambda path: f"{root}/{path}") if root else (lambda path: path)
        argv = ["-m", at(self.base_gguf(ep))]
        for a in ep.adapters:
            argv += ["--lora", at(self.adapter_gguf(a))]
        if ep.adapters:
            argv.append("--lora-init-without-apply")
        if self.options.get("ctx_size"):
            argv += ["--ctx-size", str(self.options["ctx_size"])]
        return [*argv, "--host", host, "--port", str(ep.port)]

    def serve_argv(self, ep: EndpointSpec, host: str = CONTAINER_HOST) -> list[str]:
        """The command line of ``llamacpp/serve.sh`` (run from the bundle root, llama-server on the PATH)."""
        return ["llama-server", *self.server_args(ep, host)]

    def validate(self, plan: ServingPlan) -> list[Problem]:
        problems: list[Problem] = []
        if self.outtype not in LLAMACPP_LORA_OUTTYPES:
            problems.append(
                Problem(
                    "target option outtype",
                    f"{self.outtype!r} is not an --outtype convert_lora_to_gguf.py ({LLAMACPP_BUILD}) accepts",
                    hint=f"one of {', '.join(LLAMACPP_LORA_OUTTYPES)}",
                )
            )
        for ep in self.own_endpoints(plan):
            for a in ep.adapters:
                where = f"{ep.name}/{a.name}"
                problems.extend(check_adapter(a, where))
                touched = [
                    m for m in (*a.target_modules, *a.modules_to_save) if m.rsplit(".", 1)[-1] in EMBEDDING_MODULES
                ]
                if touched:
                    problems.append(
                        Problem(
                            where,
                            f"adapter changes embeddings {touched}; convert_lora_to_gguf.py rejects them",
                            hint="retrain without embed_tokens/lm_head in target_modules or modules_to_save",
                        )
                    )
        return problems

    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:
        endpoints = self.own_endpoints(plan)
        if not endpoints:
            return []
        folder = out_dir / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        convert = folder / "convert.sh"
        convert.write_text(
            self.render(
                "convert.sh.j2",
                plan=plan,
                endpoints=endpoints,
                outtype=self.outtype,
                base_gguf=self.base_gguf,
                adapter_gguf=self.adapter_gguf,
                local=lambda ep: ep.base_model.startswith("models/"),
            ),
            encoding="utf-8",
        )
        serve = folder / "serve.sh"
        serve.write_text(
            self.render(
                "serve.sh.j2",
                **self.script_context(plan),
                endpoints=[(ep, self.serve_argv(ep, self.bind_host)) for ep in endpoints],
                adapter_id=self.adapter_id,
            ),
            encoding="utf-8",
        )
        for path in (convert, serve):
            path.chmod(0o755)
        return [convert, serve]

    def services(self, plan: ServingPlan) -> list[ServiceSpec]:
        """Containers keep the image's ENTRYPOINT (/app/llama-server) and its WORKDIR (/app, where the server's shared
        libraries are): the arguments name the bundle's files by their absolute mount path."""
        return [
            self.service(ep, self.server_args(ep, root=CONTAINER_BUNDLE), ("gguf",), working_dir=None)
            for ep in self.own_endpoints(plan)
        ]
