"""What the serving stacks slmc emits for accept, pinned to the upstream release each table was read from.

Every table names the upstream file it copies and the version it was read at; the static bundle validator
(``slmc.targets.validate``) checks generated bundles against them, so a table is the one place to update when a pin
moves. Import-light: plain data only.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- TensorRT-LLM -------------------------------------------------------------------------------------------------
TRTLLM_VERSION = "1.2.1"  # nvcr.io/nvidia/tensorrt-llm/release:1.2.1 (the image the bundle pins)
TRTLLM_ENGINE_MAX_VERSION = "1.2.1"  # the TensorRT-engine backend is removed after 1.3.0rc20; newest stable with it

# tensorrt_llm/lora_helper.py get_default_trtllm_modules_to_hf_modules(), TensorRT-LLM 1.x through 1.2.1.
# Upstream has no ``attn_qkv`` entry: a fused HF ``qkv_proj`` has no default mapping.
TRTLLM_TABLES_VERSION = TRTLLM_VERSION
TRTLLM_TO_HF: dict[str, str] = {
    "attn_q": "q_proj",
    "attn_k": "k_proj",
    "attn_v": "v_proj",
    "attn_dense": "o_proj",
    "mlp_h_to_4h": "gate_proj",
    "mlp_4h_to_h": "down_proj",
    "mlp_gate": "up_proj",
    "mlp_gate_up": "gate_up_proj",
    "moe_h_to_4h": "w1",
    "moe_4h_to_h": "w2",
    "moe_gate": "w3",
    "moe_router": "gate",
}
# tensorrt_llm/lora_manager.py LoraManager.LORA_MODULE_IDS (TensorRT-LLM 1.x through 1.2.1; later mains add ids 19+):
# the ``lora_target_modules`` / ``trtllm-build --lora_target_modules`` choices.
LORA_MODULE_IDS: dict[str, int] = {
    "attn_qkv": 0,
    "attn_q": 1,
    "attn_k": 2,
    "attn_v": 3,
    "attn_dense": 4,
    "mlp_h_to_4h": 5,
    "mlp_4h_to_h": 6,
    "mlp_gate": 7,
    "cross_attn_qkv": 8,
    "cross_attn_q": 9,
    "cross_attn_k": 10,
    "cross_attn_v": 11,
    "cross_attn_dense": 12,
    "moe_h_to_4h": 13,
    "moe_4h_to_h": 14,
    "moe_gate": 15,
    "moe_router": 16,
    "mlp_router": 17,
    "mlp_gate_up": 18,
}
# tensorrt_llm/lora_helper.py ``LoraConfig`` fields and their types (TensorRT-LLM 1.2.1; the pydantic LoraConfig of
# the 1.x line, whose last field is ``swap_gate_up_proj_lora_b_weight``; a strict model rejects any other key).
LORA_CONFIG_KEYS: dict[str, type] = {
    "lora_dir": list,
    "lora_ckpt_source": str,
    "max_lora_rank": int,
    "lora_target_modules": list,
    "trtllm_modules_to_hf_modules": dict,
    "max_loras": int,
    "max_cpu_loras": int,
    "swap_gate_up_proj_lora_b_weight": bool,
}
# The LlmArgs fields slmc writes into ``--extra_llm_api_options`` per backend (tensorrt_llm/llmapi/llm_args.py,
# 1.2.1): the PyTorch backend switches LoRA on by ``lora_config``; the TensorRT backend also needs ``enable_lora``.
LLM_API_KEYS: dict[str, frozenset[str]] = {
    "pytorch": frozenset({"lora_config"}),
    "tensorrt": frozenset({"lora_config", "enable_lora"}),
}
# trtllm-serve (tensorrt_llm/commands/serve.py, 1.2.1) flags slmc passes; the LoRA docs of the release
# (docs/source/features/lora.md, "TRTLLM serve with LoRA") pass the LlmArgs YAML with --extra_llm_api_options.
TRTLLM_SERVE_FLAGS: dict[str, bool] = {  # flag -> takes a value
    "--backend": True,
    "--tokenizer": True,
    "--host": True,
    "--port": True,
    "--extra_llm_api_options": True,
    "--max_batch_size": True,
    "--max_num_tokens": True,
    "--max_seq_len": True,
}
TRTLLM_BACKENDS = ("pytorch", "tensorrt", "trt", "_autodeploy")
# tensorrt_llm/serve/openai_protocol.py ``ChatCompletionRequest`` (OpenAIBaseModel: extra="forbid", an unknown field
# is a 400), TensorRT-LLM 1.2.1: the fields a request may carry. ``max_tokens`` is the validation alias of
# ``max_completion_tokens`` (only the alias is accepted as input).
CHAT_COMPLETION_FIELDS: frozenset[str] = frozenset(
    {
        "messages",
        "prompt_token_ids",
        "model",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "max_tokens",
        "n",
        "presence_penalty",
        "response_format",
        "seed",
        "stop",
        "stream",
        "stream_options",
        "temperature",
        "top_p",
        "tools",
        "tool_choice",
        "user",
        "reasoning_effort",
        "best_of",
        "use_beam_search",
        "top_k",
        "top_p_min",
        "min_p",
        "repetition_penalty",
        "length_penalty",
        "early_stopping",
        "stop_token_ids",
        "include_stop_str_in_output",
        "ignore_eos",
        "min_tokens",
        "skip_special_tokens",
        "spaces_between_special_tokens",
        "truncate_prompt_tokens",
        "lora_request",
        "echo",
        "add_generation_prompt",
        "add_special_tokens",
        "documents",
        "chat_template",
        "chat_template_kwargs",
        "disaggregated_params",
        "cache_salt",
    }
)
# tensorrt_llm/executor/request.py ``LoRARequest`` (1.2.1): the keys of a request's ``lora_request``.
LORA_REQUEST_FIELDS: frozenset[str] = frozenset({"lora_name", "lora_int_id", "lora_path", "lora_ckpt_source"})

# ---- vLLM ---------------------------------------------------------------------------------------------------------
VLLM_VERSION = "0.33.0"  # vllm/vllm-openai:v0.33.0; the vLLM tables below were read from the PyPI wheel vllm-0.33.0
# (vllm/_version.py commit g4ba787ec9)
# vllm/config/lora.py ``MaxLoRARanks`` (vLLM 0.33.0): the values --max-lora-rank accepts.
VLLM_LORA_RANKS: tuple[int, ...] = (1, 8, 16, 32, 64, 128, 256, 320, 512)
# vllm/engine/arg_utils.py and vllm/entrypoints/common/cli_args.py (0.33.0): the ``vllm serve`` flags slmc passes.
VLLM_SERVE_FLAGS: dict[str, bool] = {
    "--host": True,
    "--port": True,
    "--enable-lora": False,
    # nargs="+": LoRAParserAction reads an item holding "=" and no "," as name=path (split on the first "="), any
    # other item as JSON
    "--lora-modules": True,
    "--max-lora-rank": True,
    "--max-loras": True,
    "--max-cpu-loras": True,
    "--runner": True,
    "--convert": True,
}
# vllm/config/model.py ``RunnerOption`` / ``ConvertOption`` (RunnerType from vllm/config/scheduler.py), 0.33.0. One
# server runs one runner: a classifier needs its own ``--runner pooling`` server.
VLLM_RUNNERS: tuple[str, ...] = ("auto", "generate", "pooling", "draft")
VLLM_CONVERTS: tuple[str, ...] = ("auto", "none", "embed", "classify")
# vllm/model_executor/models/registry.py ``_SEQUENCE_CLASSIFICATION_MODELS`` (0.33.0, text-only entries): the
# ``*ForSequenceClassification`` architectures vLLM implements itself.
VLLM_SEQ_CLS_NATIVE: frozenset[str] = frozenset(
    {
        "BertForSequenceClassification",
        "GPT2ForSequenceClassification",
        "GteNewForSequenceClassification",
        "JambaForSequenceClassification",
        "LlamaBidirectionalForSequenceClassification",
        "ModernBertForSequenceClassification",
        "RobertaForSequenceClassification",
        "XLMRobertaForSequenceClassification",
    }
)
# ``ModelRegistry._normalize_arch`` (registry.py, 0.33.0) serves ``<X>ForSequenceClassification`` through
# ``as_seq_cls_model`` (models/adapters.py) when ``<X>ForCausalLM`` is a registered text-generation model; the bases
# below are the ones slmc's catalog families use, each checked present in the 0.33.0 registry.
VLLM_SEQ_CLS_CAUSAL_BASES: frozenset[str] = frozenset(
    {
        "Qwen2ForCausalLM",
        "Qwen3ForCausalLM",
        "LlamaForCausalLM",
        "MistralForCausalLM",
        "Phi3ForCausalLM",
        "GemmaForCausalLM",
        "Gemma2ForCausalLM",
        "Gemma3ForCausalLM",
        "SmolLM3ForCausalLM",
        "GraniteForCausalLM",
    }
)
# vllm/entrypoints/pooling/classify/ (0.33.0): ``POST /classify`` at the server root (not under /v1), body
# ``ClassificationCompletionRequest`` (pooling/base/protocol.py mixins), answer ``ClassificationResponse``
# ``data[i] = {index, label, probs, num_classes}``.
VLLM_CLASSIFY_PATH = "/classify"
VLLM_CLASSIFY_FIELDS: frozenset[str] = frozenset(
    {
        "model",
        "user",
        "truncate_prompt_tokens",
        "padding",
        "truncation_side",
        "request_id",
        "priority",
        "input",
        "add_special_tokens",
        "use_activation",
    }
)


def vllm_classifies(architecture: str | None) -> bool:
    """Whether vLLM (pinned version) loads ``architecture`` with its pooling runner as a classifier."""
    if not architecture or not architecture.endswith("ForSequenceClassification"):
        return False
    base = architecture[: -len("ForSequenceClassification")] + "ForCausalLM"
    return architecture in VLLM_SEQ_CLS_NATIVE or base in VLLM_SEQ_CLS_CAUSAL_BASES


# ---- llama.cpp ----------------------------------------------------------------------------------------------------
LLAMACPP_BUILD = "b9603"  # ghcr.io/ggml-org/llama.cpp:server-b9603
# convert_lora_to_gguf.py parse_args() ``--outtype`` choices (llama.cpp b9603; default f32, no tq1_0/tq2_0 for LoRA).
LLAMACPP_LORA_OUTTYPES: tuple[str, ...] = ("f32", "f16", "bf16", "q8_0", "auto")
# convert_hf_to_gguf.py ``--outtype`` choices (llama.cpp b9603).
LLAMACPP_MODEL_OUTTYPES: tuple[str, ...] = ("f32", "f16", "bf16", "q8_0", "tq1_0", "tq2_0", "auto")
# tools/server (common/arg.cpp, b9603): the llama-server flags slmc passes.
LLAMA_SERVER_FLAGS: dict[str, bool] = {
    "-m": True,
    "--model": True,
    "--lora": True,
    "--lora-init-without-apply": False,
    "--ctx-size": True,
    "-c": True,
    "--host": True,
    "--port": True,
}


# ---- container images ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageFacts:
    """What a server image runs and holds: its ENTRYPOINT, WORKDIR, the programs on its PATH and its absolute
    executables (read from the Dockerfile of the pinned release)."""

    source: str  # upstream file and version read
    entrypoint: tuple[str, ...]
    workdir: str
    on_path: frozenset[str]
    files: frozenset[str] = frozenset()


# Keyed by image repository (the tag is the pin above).
IMAGES: dict[str, ImageFacts] = {
    # .devops/cpu.Dockerfile, stage "server" (b9603): binary and shared libraries in /app, /app not on PATH.
    "ghcr.io/ggml-org/llama.cpp": ImageFacts(
        source=f"ggml-org/llama.cpp .devops/cpu.Dockerfile (server stage), {LLAMACPP_BUILD}",
        entrypoint=("/app/llama-server",),
        workdir="/app",
        on_path=frozenset({"curl", "sh", "bash"}),
        files=frozenset({"/app/llama-server"}),
    ),
    # docker/Dockerfile, stage "vllm-openai" (v0.33.0).
    "vllm/vllm-openai": ImageFacts(
        source=f"vllm-project/vllm docker/Dockerfile (vllm-openai stage), v{VLLM_VERSION}",
        entrypoint=("vllm", "serve"),
        workdir="/vllm-workspace",
        on_path=frozenset({"vllm", "python3", "python", "sh", "bash"}),
    ),
    # NGC release image: NVIDIA's entrypoint script runs its arguments; trtllm-* console scripts on PATH.
    "nvcr.io/nvidia/tensorrt-llm/release": ImageFacts(
        source=f"NVIDIA/TensorRT-LLM docker/Dockerfile.multi (release stage), {TRTLLM_VERSION}",
        entrypoint=("/opt/nvidia/nvidia_entrypoint.sh",),
        workdir="/app/tensorrt_llm",
        on_path=frozenset({"trtllm-serve", "trtllm-build", "python3", "python", "sh", "bash", "nvidia-smi"}),
        files=frozenset({"/opt/nvidia/nvidia_entrypoint.sh"}),
    ),
}


def image_facts(image: str) -> ImageFacts | None:
    """The pinned facts of ``image`` (``repo:tag``), None for an image slmc does not know."""
    repo = image.rsplit("@", 1)[0]
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    return IMAGES.get(repo)
