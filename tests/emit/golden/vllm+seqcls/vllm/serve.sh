#!/usr/bin/env bash
# Serve support_agent's small models with vLLM (multi-LoRA; a request picks its adapter by "model").
# Sequence classifiers run on servers of their own (--runner pooling: one runner per vLLM server).
# Usage: vllm/serve.sh [ENDPOINT]   (default: base-0); paths are relative to the bundle root.
set -euo pipefail
cd "$(dirname "$0")/.."
# Binds 127.0.0.1. With SLMC_API_KEY set the server requires 'Authorization: Bearer $SLMC_API_KEY'
# (the slmc runtime sends it); the key is passed as VLLM_API_KEY, off the command line.
if [ -n "${SLMC_API_KEY:-}" ]; then
  export VLLM_API_KEY="$SLMC_API_KEY"
fi
default_endpoint=base-0
endpoint="${1:-$default_endpoint}"
case "$endpoint" in
  base-0)
    # classifier all-MiniLM-L6-v2 (task:topic): pooling runner, answers POST /classify (no chat)
    exec vllm serve adapters/topic \
      --host 127.0.0.1 \
      --port 8000 \
      --runner pooling \
      --convert classify
    ;;
  base-1)
    # base Qwen2.5-0.5B-Instruct; adapter intent (r=16, task:intent); adapter order-id (r=8, task:order-id)
    exec vllm serve Qwen/Qwen2.5-0.5B-Instruct \
      --host 127.0.0.1 \
      --port 8001 \
      --enable-lora \
      --lora-modules intent=adapters/intent order-id=adapters/order-id \
      --max-lora-rank 16 \
      --max-loras 2 \
      --max-cpu-loras 2
    ;;
  *)
    printf 'unknown endpoint: %s (known: %s)\n' "$endpoint" 'base-0 base-1' >&2
    exit 2
    ;;
esac
