#!/usr/bin/env bash
# Serve support_agent's small models with vLLM (multi-LoRA; a request picks its adapter by "model").
# Usage: vllm/serve.sh [ENDPOINT]   (default: base-0); paths are relative to the bundle root.
set -euo pipefail
cd "$(dirname "$0")/.."
endpoint="${1:-base-0}"
case "$endpoint" in
  base-0)
    # base Qwen2.5-0.5B-Instruct; adapter intent (r=16, task:intent); adapter order-id (r=8, task:order-id)
    exec vllm serve Qwen/Qwen2.5-0.5B-Instruct \
      --host 0.0.0.0 \
      --port 8000 \
      --enable-lora \
      --lora-modules intent=adapters/intent order-id=adapters/order-id \
      --max-lora-rank 16 \
      --max-loras 2 \
      --max-cpu-loras 2
    ;;
  *)
    echo "unknown endpoint: $endpoint (known: base-0)" >&2
    exit 2
    ;;
esac
