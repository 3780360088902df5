#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD (default build-fuzz) for FUZZ_SECONDS each (default 60)
# or FUZZ_RUNS executions (default: no limit), whichever ends first, starting from seed corpora
# of valid files (../shared plus small ones made here) and the kept corpus fuzz/corpus/<target>
# (what earlier runs found; `make fuzz-depth` adds to it). A target that finds a crash stops,
# leaves crash-* in BUILD/fuzz-out/<target>/, and fails the script. Prints per target the
# executions, the coverage (libFuzzer's cov: edges, ft: features) and the corpus size.
set -euo pipefail
BUILD="$(cd "${1:-build-fuzz}" && pwd)"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
RUNS="${FUZZ_RUNS:--1}"
KEEP="${FUZZ_KEEP:-0}"  # 1: merge what this run found (minimised) into fuzz/corpus/<target>
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$here/../shared"
seeds="$BUILD/fuzz-seeds"
out="$BUILD/fuzz-out"
rm -rf "$seeds"
mkdir -p "$seeds"/{safetensors,model_config,tokenizer_json,pairs_jsonl,mmidx,chat_template} "$out"

# safetensors: a two-tensor file written by hand (u64 header length, JSON header, data).
header='{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},"__metadata__":{"format":"pt"}}'
{ printf "$(printf '\\x%02x' $(( ${#header} )) 0 0 0 0 0 0 0)"; printf '%s' "$header"; head -c 16 /dev/zero; } \
  > "$seeds/safetensors/two_tensors.safetensors"
for m in "$shared"/models/*/; do [ -f "$m/config.json" ] && cp "$m/config.json" "$seeds/model_config/$(basename "$m").json"; done
cp "$here/fuzz/seeds/tokenizer_json/"*.json "$seeds/tokenizer_json/"
# chat templates: our test templates, and the shared models' own (from tokenizer_config.json).
cp "$here/tests/tokenizer/data/templates/"*.jinja "$seeds/chat_template/"
for c in "$shared"/tokenizers/*/tokenizer_config.json; do
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("chat_template"); t and open(sys.argv[2],"w").write(t)' \
    "$c" "$seeds/chat_template/$(basename "$(dirname "$c")").jinja" 2>/dev/null || true
done
[ -f "$shared/data/gsm8k/test.jsonl" ] && head -n 3 "$shared/data/gsm8k/test.jsonl" > "$seeds/pairs_jsonl/gsm8k.jsonl" || true
[ -f "$shared/data/hh-rlhf/harmless-base-test.jsonl.gz" ] && \
  zcat "$shared/data/hh-rlhf/harmless-base-test.jsonl.gz" | head -n 3 > "$seeds/pairs_jsonl/hh.jsonl" || true
printf '%s\n' '{"prompt": "2+2?", "chosen": "4", "rejected": "5"}' \
  '{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "hello"}], "rejected": "go away"}' \
  > "$seeds/pairs_jsonl/formats.jsonl"
# .idx: MMIDIDX magic, version 1, dtype u16 (8), 3 sequences, 2 document-index entries,
# sizes i32 [2,3,1], pointers i64 [0,4,10], document index i64 [0,3].
le() { local v=$1 n=$2 s=""; for ((i = 0; i < n; i++)); do s+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 255 ))); done; printf "$s"; }
{ printf 'MMIDIDX\x00\x00'; le 1 8; le 8 1; le 3 8; le 2 8; le 2 4; le 3 4; le 1 4; le 0 8; le 4 8; le 10 8; le 0 8; le 3 8; } \
  > "$seeds/mmidx/three.idx"

status=0
for target in safetensors model_config tokenizer_json pairs_jsonl mmidx chat_template; do
  bin="$BUILD/fuzz/fuzz_$target"
  mkdir -p "$out/$target/corpus" "$here/fuzz/corpus/$target"
  log="$out/$target/log.txt"
  if ! (cd "$out/$target" && "$bin" -max_total_time="$SECONDS_EACH" -runs="$RUNS" -max_len=65536 \
        -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 corpus "$here/fuzz/corpus/$target" "$seeds/$target") \
        > "$log" 2>&1; then
    echo "fuzz-smoke: $target FOUND A PROBLEM (see $log and $out/$target/crash-*)"
    tail -n 40 "$log"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -n 1 || echo 'cov: ?')
  echo "fuzz-smoke: $target: $execs executions ($secs/s), $cov"
  if [ "$KEEP" = 1 ]; then  # keep a minimised corpus: the inputs that add coverage
    "$bin" -merge=1 "$here/fuzz/corpus/$target" "$out/$target/corpus" > "$out/$target/merge.txt" 2>&1 || true
  fi
done
exit $status
