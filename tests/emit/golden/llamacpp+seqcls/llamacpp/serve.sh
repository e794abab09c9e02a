#!/usr/bin/env bash
# Serve support_agent's small models with llama-server (CPU). Run llamacpp/convert.sh first.
# Adapters load unapplied (--lora-init-without-apply); a request enables one with "lora": [{"id": N, "scale": 1.0}],
# ids in --lora flag order (recorded as int_id in slmc-manifest.yaml).
# Usage: llamacpp/serve.sh [ENDPOINT]   (default: base-1); paths are relative to the bundle root.
set -euo pipefail
cd "$(dirname "$0")/.."
# Binds 127.0.0.1. With SLMC_API_KEY set the server requires 'Authorization: Bearer $SLMC_API_KEY'
# (the slmc runtime sends it); the key is passed as LLAMA_API_KEY, off the command line.
if [ -n "${SLMC_API_KEY:-}" ]; then
  export LLAMA_API_KEY="$SLMC_API_KEY"
fi
default_endpoint=base-1
endpoint="${1:-$default_endpoint}"
case "$endpoint" in
  base-1)
    # base Qwen2.5-0.5B-Instruct; lora id 0 = intent; lora id 1 = order-id
    exec llama-server -m gguf/base-1-f16.gguf \
      --lora gguf/intent-f16.gguf \
      --lora gguf/order-id-f16.gguf \
      --lora-init-without-apply \
      --host 127.0.0.1 \
      --port 8081
    ;;
  *)
    printf 'unknown endpoint: %s (known: %s)\n' "$endpoint" base-1 >&2
    exit 2
    ;;
esac
