#!/usr/bin/env bash
# Serve support_agent's small models with TensorRT-LLM 1.2.1 (TensorRT engine, built by trtllm/build_engine.sh).
# Container: nvcr.io/nvidia/tensorrt-llm/release:1.2.1
# Usage: trtllm/serve.sh [ENDPOINT]   (default: base-1); paths are relative to the bundle root.
set -euo pipefail
cd "$(dirname "$0")/.."
# The server has no API-key option: it binds 127.0.0.1; keep it on loopback or behind a firewall.
default_endpoint=base-1
endpoint="${1:-$default_endpoint}"
case "$endpoint" in
  base-1)
    # base Qwen2.5-0.5B-Instruct; adapter intent (lora_int_id 1, r=16); adapter order-id (lora_int_id 2, r=8)
    if [ ! -f build/engine-base-1/config.json ]; then
      printf 'no engine for %s: run trtllm/build_engine.sh on this GPU first\n' base-1 >&2
      exit 1
    fi
    exec trtllm-serve build/engine-base-1 \
      --backend tensorrt \
      --tokenizer Qwen/Qwen2.5-0.5B-Instruct \
      --extra_llm_api_options trtllm/extra_llm_api_options.yaml \
      --host 127.0.0.1 \
      --port 8001
    ;;
  *)
    printf 'unknown endpoint: %s (known: %s)\n' "$endpoint" base-1 >&2
    exit 2
    ;;
esac
