"""The TensorRT-LLM target (PyTorch backend by default; ``engine=True`` for the legacy TensorRT-engine recipe)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slmc.targets.base import (
    CONTAINER_HOST,
    AdapterSpec,
    EndpointSpec,
    Problem,
    ServiceSpec,
    ServingPlan,
    Target,
    check_adapter,
    comment_text,
)
from slmc.targets.tensorrt_llm.validate import (
    trtllm_modules,
    validate_build_argv,
    validate_llm_api_options,
)
from slmc.targets.upstream import LORA_MODULE_IDS, TRTLLM_TO_HF, TRTLLM_VERSION
from slmc.targets.upstream import TRTLLM_ENGINE_MAX_VERSION as ENGINE_MAX_VERSION

# Newest stable release; its container runs the PyTorch backend and still ships the engine builder.
TRTLLM_IMAGE = f"nvcr.io/nvidia/tensorrt-llm/release:{TRTLLM_VERSION}"
CONVERT_SCRIPTS = {
    "qwen": "models/core/qwen/convert_checkpoint.py",
    "llama": "models/core/llama/convert_checkpoint.py",
    "phi": "models/core/phi/convert_checkpoint.py",
}


class TensorRTLLMTarget(Target):
    """Options: ``engine`` (bool), ``image``, ``max_loras``, ``max_batch_size``, ``max_input_len``, ``max_seq_len``,
    ``max_num_tokens``, ``dtype``."""

    name = "tensorrt-llm"
    folder = "trtllm"
    supports_lora = True
    needs_gpu = True
    multi_adapter = True
    default_port = 8000
    image = TRTLLM_IMAGE
    health_path = "/health"

    @property
    def engine(self) -> bool:
        return bool(self.options.get("engine", False))

    # ---- generated configuration ---------------------------------------------------------------------------------
    def options_file(self, plan: ServingPlan, ep: EndpointSpec) -> str:
        """Bundle path of an endpoint's LlmArgs YAML."""
        single = len(self.own_endpoints(plan)) == 1
        return "trtllm/extra_llm_api_options.yaml" if single else f"trtllm/extra_llm_api_options.{ep.name}.yaml"

    def lora_config(self, ep: EndpointSpec) -> dict[str, Any]:
        hf_modules = sorted({m for a in ep.adapters for m in a.target_modules})
        modules, _unknown = trtllm_modules(hf_modules)
        n = len(ep.adapters)
        max_loras = max(1, min(n, int(self.options.get("max_loras", n or 1))))
        return {
            "lora_dir": [a.path for a in ep.adapters],
            "max_lora_rank": max((a.rank for a in ep.adapters), default=8),
            "max_loras": max_loras,
            "max_cpu_loras": max(max_loras, n),
            "lora_target_modules": modules,
            "trtllm_modules_to_hf_modules": {m: TRTLLM_TO_HF[m] for m in modules},
        }

    @property
    def backend(self) -> str:
        return "tensorrt" if self.engine else "pytorch"

    def llm_api_options(self, ep: EndpointSpec) -> dict[str, Any]:
        """The LlmArgs fields of an endpoint: its LoRA config (the TensorRT backend also needs ``enable_lora``)."""
        if not ep.adapters:
            return {}
        options = {"lora_config": self.lora_config(ep)}
        return {"enable_lora": True, **options} if self.engine else options

    def llm_api_options_yaml(self, ep: EndpointSpec) -> str:
        """The endpoint's LlmArgs YAML, dumped (never templated) so no name can change its structure."""
        header = (
            f"# TensorRT-LLM {TRTLLM_VERSION} LlmArgs for `trtllm-serve --backend {self.backend} "
            f"--extra_llm_api_options` — endpoint {ep.name}, base {comment_text(ep.model_name)}.\n"
            "# Requests pick an adapter with extra_body.lora_request {lora_name, lora_int_id, lora_path} "
            "(see slmc-manifest.yaml).\n"
        )
        from slmc.codegen.bundle import dump_yaml

        return header + dump_yaml([self.llm_api_options(ep)])

    def engine_dir(self, ep: EndpointSpec) -> str:
        return f"build/engine-{ep.name}"

    def build_argv(self, ep: EndpointSpec) -> list[str]:
        o = self.options
        lora = self.lora_config(ep)
        argv = ["trtllm-build", "--checkpoint_dir", f"build/ckpt-{ep.name}", "--output_dir", self.engine_dir(ep)]
        argv += ["--gemm_plugin", "auto", "--gpt_attention_plugin", "auto", "--remove_input_padding", "enable"]
        argv += ["--paged_kv_cache", "enable", "--context_fmha", "enable"]
        argv += [
            "--max_batch_size",
            str(o.get("max_batch_size", 64)),
            "--max_input_len",
            str(o.get("max_input_len", 2048)),
        ]
        argv += [
            "--max_seq_len",
            str(o.get("max_seq_len", 4096)),
            "--max_num_tokens",
            str(o.get("max_num_tokens", 8192)),
        ]
        if ep.adapters:
            argv += ["--lora_plugin", "auto", "--lora_dir", *lora["lora_dir"], "--lora_ckpt_source", "hf"]
            argv += [
                "--max_lora_rank",
                str(lora["max_lora_rank"]),
                "--lora_target_modules",
                *lora["lora_target_modules"],
            ]
        return argv

    def convert_script(self, ep: EndpointSpec) -> str:
        return CONVERT_SCRIPTS.get(ep.family or "", "models/core/<family>/convert_checkpoint.py")

    def hf_dir(self, ep: EndpointSpec) -> str:
        """The local HF checkpoint the converter reads (hub bases are downloaded to build/hf-<endpoint>)."""
        return ep.base_model if _local(ep) else f"build/hf-{ep.name}"

    def convert_argv(self, ep: EndpointSpec) -> list[str]:
        """Arguments of the model family's ``convert_checkpoint.py`` (the script path is rendered separately)."""
        dtype = str(self.options.get("dtype", "float16"))
        return [
            "--model_dir",
            self.hf_dir(ep),
            "--output_dir",
            f"build/ckpt-{ep.name}",
            "--dtype",
            dtype,
            "--tp_size",
            "1",
        ]

    def serve_argv(self, plan: ServingPlan, ep: EndpointSpec, host: str = CONTAINER_HOST) -> list[str]:
        """``trtllm-serve``: the engine (``--backend tensorrt``, tokenizer from the base) or the base model
        (``--backend pytorch``); endpoints with adapters get their LoRA LlmArgs by ``--extra_llm_api_options``."""
        if self.engine:
            argv = ["trtllm-serve", self.engine_dir(ep), "--backend", "tensorrt", "--tokenizer", ep.base_model]
        else:
            argv = ["trtllm-serve", ep.base_model, "--backend", "pytorch"]
        if ep.adapters:
            argv += ["--extra_llm_api_options", self.options_file(plan, ep)]
        return [*argv, "--host", host, "--port", str(ep.port)]

    # ---- checks --------------------------------------------------------------------------------------------------
    def validate(self, plan: ServingPlan) -> list[Problem]:
        problems: list[Problem] = []
        for ep in self.own_endpoints(plan):
            for a in ep.adapters:
                problems.extend(check_adapter(a, f"{ep.name}/{a.name}"))
                _mapped, unknown = trtllm_modules(a.target_modules)
                if unknown:
                    problems.append(
                        Problem(
                            f"{ep.name}/{a.name}",
                            f"adapter target modules {unknown} have no TensorRT-LLM counterpart",
                            hint=f"train LoRA on {', '.join(TRTLLM_TO_HF.values())}",
                        )
                    )
            if ep.adapters:
                problems.extend(
                    validate_llm_api_options(
                        self.llm_api_options(ep), ep.adapters, where=self.options_file(plan, ep), backend=self.backend
                    )
                )
            if self.engine:
                if ep.family not in CONVERT_SCRIPTS:
                    problems.append(
                        Problem(
                            ep.name,
                            f"no TensorRT-LLM checkpoint converter for base {ep.model_name!r}",
                            hint="the engine recipe supports Qwen2, Llama (incl. SmolLM2) and Phi-3 bases",
                        )
                    )
                bad = [m for m in self.lora_config(ep)["lora_target_modules"] if m not in LORA_MODULE_IDS]
                if bad and ep.adapters:
                    problems.append(Problem(ep.name, f"trtllm-build cannot target {bad} (fused modules)"))
                else:
                    problems.extend(validate_build_argv(self.build_argv(ep), ep.adapters, where=f"{ep.name} build"))
        return problems

    # ---- files ---------------------------------------------------------------------------------------------------
    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:
        endpoints = self.own_endpoints(plan)
        if not endpoints:
            return []
        folder = out_dir / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for ep in endpoints:
            if not ep.adapters:
                continue
            path = out_dir / self.options_file(plan, ep)
            path.write_text(self.llm_api_options_yaml(ep), encoding="utf-8")
            written.append(path)
        context = {
            **self.script_context(plan),
            "endpoints": [(ep, self.serve_argv(plan, ep, self.bind_host)) for ep in endpoints],
            "image": self.options.get("image", self.image),
            "version": TRTLLM_VERSION,
            "engine": self.engine,
        }
        serve = folder / "serve.sh"
        serve.write_text(self.render("serve.sh.j2", **context), encoding="utf-8")
        written.append(serve)
        if self.engine:
            build = folder / "build_engine.sh"
            build.write_text(
                self.render(
                    "build_engine.sh.j2",
                    plan=plan,
                    builds=[
                        (ep, self.convert_script(ep), self.convert_argv(ep), self.build_argv(ep)) for ep in endpoints
                    ],
                    max_version=ENGINE_MAX_VERSION,
                    local=_local,
                    image=self.options.get("image", self.image),
                ),
                encoding="utf-8",
            )
            written.append(build)
        for path in written:
            if path.suffix == ".sh":
                path.chmod(0o755)
        return written

    def endpoint_fields(self, plan: ServingPlan, ep: EndpointSpec) -> dict[str, Any]:
        model = self.engine_dir(ep) if self.engine else ep.base_model
        return {**super().endpoint_fields(plan, ep), "model": model}

    def adapter_fields(self, plan: ServingPlan, ep: EndpointSpec, adapter: AdapterSpec) -> dict[str, Any]:
        """The ``extra_body.lora_request`` trtllm-serve reads (the adapter is not chosen by ``model``)."""
        return {"lora_request": {"lora_name": adapter.name, "lora_int_id": adapter.int_id, "lora_path": adapter.path}}

    def services(self, plan: ServingPlan) -> list[ServiceSpec]:
        extra = ("build",) if self.engine else ()
        return [self.service(ep, self.serve_argv(plan, ep), extra) for ep in self.own_endpoints(plan)]


def _local(ep: EndpointSpec) -> bool:
    return ep.base_model.startswith("models/")
