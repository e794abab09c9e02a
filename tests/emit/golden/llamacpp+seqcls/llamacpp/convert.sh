#!/usr/bin/env bash
# Convert support_agent's base models and LoRA adapters to GGUF (f16) for llama-server.
# Needs a llama.cpp checkout with its Python requirements: LLAMA_CPP_DIR=/path/to/llama.cpp llamacpp/convert.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_CPP_DIR="${LLAMA_CPP_DIR:?set LLAMA_CPP_DIR to a llama.cpp checkout (pip install -r requirements.txt there)}"
mkdir -p gguf

# ---- base-1: Qwen2.5-0.5B-Instruct
base_dir=build/hf-base-1
if [ ! -f "$base_dir/config.json" ]; then
  python3 -c 'import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1], local_dir=sys.argv[2])' \
    Qwen/Qwen2.5-0.5B-Instruct "$base_dir"
fi
python3 "$LLAMA_CPP_DIR/convert_hf_to_gguf.py" "$base_dir" --outfile gguf/base-1-f16.gguf --outtype f16
python3 "$LLAMA_CPP_DIR/convert_lora_to_gguf.py" adapters/intent --base "$base_dir" --outfile gguf/intent-f16.gguf --outtype f16
python3 "$LLAMA_CPP_DIR/convert_lora_to_gguf.py" adapters/order-id --base "$base_dir" --outfile gguf/order-id-f16.gguf --outtype f16
