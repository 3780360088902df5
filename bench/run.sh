#!/usr/bin/env bash
# `make bench`: the quick benchmarks, one after another, on this machine.
#   lpo bench train-step / gemm   one preference training step and the GEMM ceiling (JSON lines)
#   bench_generation_decode        KV-cache decoding (Google Benchmark; needs ../shared)
# The long ones are their own scripts: bench/compare_train_step.sh (vs PyTorch),
# bench/real_presets.sh (Qwen3-0.6B / Llama-3.2-1B shapes), bench/lora_memory.sh (LoRA vs full).
set -euo pipefail
BUILD=${BUILD:-build}
"$BUILD/lpo" bench gemm
"$BUILD/lpo" bench train-step
if [ -x "$BUILD/bench/bench_generation_decode" ]; then
  "$BUILD/bench/bench_generation_decode"
fi
