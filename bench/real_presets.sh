#!/usr/bin/env bash
# Real model shapes on this machine (issue #14's benchmark): random weights in the released
# configs of Qwen3-0.6B and Llama-3.2-1B, bf16 on disk.
#   qwen3-0.6b:  init-model (bf16, two shards), ref-logprobs --bf16 on 32 HH-RLHF pairs at
#                seq 512, 3 steps of train --bf16;
#   llama3.2-1b: score and generate --bf16.
# Prints wall seconds and peak RSS (GNU time) per command. Needs ../shared (tokenizers, HH-RLHF).
# Usage: bash bench/real_presets.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-/tmp/lpo-real-presets}
LPO="$BUILD/lpo"
SHARED="$(cd "$(dirname "$0")/../.." && pwd)/shared"
mkdir -p "$WORK"

source "$(dirname "$0")/measure.sh"
measure_line() { measure "$@"; echo; }

{ zcat "$SHARED/data/hh-rlhf/harmless-base-test.jsonl.gz" || true; } | head -32 > "$WORK/hh32.jsonl"

measure_line qwen3-init "$LPO" init-model --preset qwen3-0.6b --out "$WORK/qwen3" \
  --tokenizer "$SHARED/tokenizers/qwen3/tokenizer.json" --max-shard-mb 700
ls -l "$WORK/qwen3"/*.safetensors | awk '{s += $5} END {printf "qwen3 checkpoint bytes: %.0f\n", s}'
measure_line qwen3-ref-logprobs-bf16 "$LPO" ref-logprobs --model "$WORK/qwen3" --data "$WORK/hh32.jsonl" \
  --out "$WORK/qwen3-scored.jsonl" --seq-length 512 --bf16
grep -o 'tokens/s[^,]*' "$WORK/qwen3-ref-logprobs-bf16.out" | tail -1 || true
measure_line qwen3-train-bf16-3-steps "$LPO" train --model "$WORK/qwen3" --data-path "$WORK/qwen3-scored.jsonl" \
  --save "$WORK/qwen3-out" --loss-type lpo-ste --beta 0.2 --gamma 10 --r1 1 --r2 0.2 --add-sft-loss \
  --is-average --lr 1e-5 --train-iters 3 --micro-batch-size 4 --global-batch-size 8 --seq-length 512 \
  --bf16 --log-interval 1 --no-progress
grep -o '"tokens_per_s":[0-9.]*' "$WORK/qwen3-out/metrics.jsonl" | tr '\n' ' '; echo

measure_line llama-init "$LPO" init-model --preset llama3.2-1b --out "$WORK/llama" \
  --tokenizer "$SHARED/tokenizers/llama3/tokenizer.json"
ls -l "$WORK/llama"/*.safetensors | awk '{s += $5} END {printf "llama checkpoint bytes: %.0f\n", s}'
{ zcat "$SHARED/data/hh-rlhf/harmless-base-test.jsonl.gz" || true; } | head -8 | \
  python3 -c 'import json,sys; [print(json.dumps({"text": json.loads(l)["chosen"][:1500]})) for l in sys.stdin]' \
  > "$WORK/texts.jsonl"
measure_line llama-score-bf16 "$LPO" score --model "$WORK/llama" --bf16 --batch-size 4 < "$WORK/texts.jsonl"
measure_line llama-generate-bf16 "$LPO" generate --model "$WORK/llama" --bf16 --prompt "The capital of France is" \
  --max-new-tokens 32 --no-stop
grep -io 'tokens/s[^,]*\|[0-9.]* tokens/s' "$WORK/llama-generate-bf16.out" | tail -1 || true
