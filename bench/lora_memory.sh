#!/usr/bin/env bash
# Full fine-tuning vs LoRA (r 16, all linear layers) on the qwen3-0.6b preset (random weights,
# bf16 on disk), issue #19's memory benchmark: 3 steps of train each, with and without --bf16.
# Prints wall seconds, peak RSS (GNU time), tokens/s from metrics.jsonl and the optimizer-state
# bytes (optimizer.pt of the final checkpoint). Run it on an idle machine (it uses every core).
# Needs ../shared (qwen3 / llama3 tokenizer, HH-RLHF).  Usage: bash bench/lora_memory.sh [BUILD_DIR] [WORK_DIR] [PRESET]
# Environment: RUNS (default "full full-bf16 lora lora-bf16"), ITERS (3), PAIRS (16), SEQ (256).
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-/tmp/lpo-lora-memory}
PRESET=${3:-qwen3-0.6b}
LPO="$BUILD/lpo"
RUNS=${RUNS:-full full-bf16 lora lora-bf16}
ITERS=${ITERS:-3}
PAIRS=${PAIRS:-16}
SEQ=${SEQ:-256}
case $PRESET in llama*) TOK=llama3 ;; *) TOK=qwen3 ;; esac
SHARED="$(cd "$(dirname "$0")/../.." && pwd)/shared"
mkdir -p "$WORK"

source "$(dirname "$0")/measure.sh"

{ zcat "$SHARED/data/hh-rlhf/harmless-base-test.jsonl.gz" || true; } | head -"$PAIRS" > "$WORK/hh.jsonl"
[ -f "$WORK/model/config.json" ] || "$LPO" init-model --preset "$PRESET" --out "$WORK/model" \
  --tokenizer "$SHARED/tokenizers/$TOK/tokenizer.json" > /dev/null
[ -f "$WORK/scored.jsonl" ] || "$LPO" ref-logprobs --model "$WORK/model" --data "$WORK/hh.jsonl" \
  --out "$WORK/scored.jsonl" --seq-length "$SEQ" > /dev/null 2>&1

common=(train --model "$WORK/model" --data-path "$WORK/scored.jsonl" --loss-type sigmoid --lr 1e-5
        --train-iters "$ITERS" --micro-batch-size 2 --global-batch-size 4 --seq-length "$SEQ" --log-interval 1 --no-progress)
lora=(--lora-rank 16 --lora-alpha 32 --lora-target-modules all-linear)
for run in $RUNS; do
  extra=()
  case $run in
    full-bf16) extra=(--bf16) ;;
    lora) extra=("${lora[@]}") ;;
    lora-bf16) extra=("${lora[@]}" --bf16) ;;
  esac
  rm -rf "$WORK/$run"
  measure "$run" "$LPO" "${common[@]}" --save "$WORK/$run" "${extra[@]}"
  tps=$(grep -o '"tokens_per_s":[0-9.]*' "$WORK/$run/metrics.jsonl" | tail -1 | cut -d: -f2)
  opt=$(stat -c %s "$WORK/$run"/iter_$(printf %07d "$ITERS")/optimizer.pt)
  printf '  tokens/s %8.1f  optimizer.pt %12d bytes\n' "${tps:-0}" "$opt"
done
