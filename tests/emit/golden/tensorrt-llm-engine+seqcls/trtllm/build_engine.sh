#!/usr/bin/env bash
# Build TensorRT engines with LoRA for support_agent (legacy TensorRT backend, tensorrt-llm <= 1.2.1).
# Engines are specific to the GPU and TensorRT version they are built with: run this ON THE SERVING GPU, inside
# nvcr.io/nvidia/tensorrt-llm/release:1.2.1 (or with `pip install "tensorrt-llm<=1.2.1"`), then start trtllm/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TRTLLM_EXAMPLES="${TRTLLM_EXAMPLES:-/app/tensorrt_llm/examples}"
image=nvcr.io/nvidia/tensorrt-llm/release:1.2.1
max_version=1.2.1

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; then
  echo "error: no NVIDIA GPU visible (nvidia-smi failed); build the engine on the machine that serves it" >&2
  exit 1
fi
if ! version="$(python3 -c 'import tensorrt_llm; print(tensorrt_llm.__version__)' 2>/dev/null | tail -n 1)"; then
  echo "error: tensorrt_llm is not installed; use $image or pip install \"tensorrt-llm<=$max_version\"" >&2
  exit 1
fi
if ! python3 - "$version" "$max_version" <<'PY'
import sys
from packaging.version import Version

sys.exit(0 if Version(sys.argv[1]) <= Version(sys.argv[2]) else 1)
PY
then
  echo "error: tensorrt_llm $version has no TensorRT-engine builder; pin tensorrt-llm<=$max_version" >&2
  exit 1
fi
mkdir -p build
nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader > build/gpu.txt
echo "building on $(head -n 1 build/gpu.txt) with tensorrt_llm $version"

# ---- base-1: Qwen2.5-0.5B-Instruct, intent (r=16), order-id (r=8)
if [ ! -f build/hf-base-1/config.json ]; then
  python3 -c 'import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1], local_dir=sys.argv[2])' \
    Qwen/Qwen2.5-0.5B-Instruct build/hf-base-1
fi
python3 "$TRTLLM_EXAMPLES"/models/core/qwen/convert_checkpoint.py \
  --model_dir build/hf-base-1 \
  --output_dir build/ckpt-base-1 \
  --dtype float16 \
  --tp_size 1
trtllm-build \
  --checkpoint_dir build/ckpt-base-1 \
  --output_dir build/engine-base-1 \
  --gemm_plugin auto \
  --gpt_attention_plugin auto \
  --remove_input_padding enable \
  --paged_kv_cache enable \
  --context_fmha enable \
  --max_batch_size 64 \
  --max_input_len 2048 \
  --max_seq_len 4096 \
  --max_num_tokens 8192 \
  --lora_plugin auto \
  --lora_dir adapters/intent adapters/order-id \
  --lora_ckpt_source hf \
  --max_lora_rank 16 \
  --lora_target_modules attn_q attn_k attn_v attn_dense
