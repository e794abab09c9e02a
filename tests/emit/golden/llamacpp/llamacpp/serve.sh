#!/usr/bin/env bash
# Serve support_agent's small models with llama-server (CPU). Run llamacpp/convert.sh first.
# Adapters load unapplied (--lora-init-without-apply); a request enables one with "lora": [{"id": N, "scale": 1.0}],
# ids in --lora flag order (recorded as int_id in slmc-manifest.yaml).
# Usage: llamacpp/serve.sh [ENDPOINT]   (default: base-0); paths are relative to the bundle root.
set -euo pipefail
cd "$(dirname "$0")/.."
endpoint="${1:-base-0}"
case "$endpoint" in
  base-0)
    # base Qwen2.5-0.5B-Instruct; lora id 0 = intent; lora id 1 = order-id
    exec llama-server -m gguf/base-0-f16.gguf \
      --lora gguf/intent-f16.gguf \
      --lora gguf/order-id-f16.gguf \
      --lora-init-without-apply \
      --host 0.0.0.0 \
      --port 8080
    ;;
  *)
    echo "unknown endpoint: $endpoint (known: base-0)" >&2
    exit 2
    ;;
esac
