#!/usr/bin/env bash
# Compares one preference-optimization training step of lpo (`lpo bench
# train-step`) against the PyTorch/TRL-style baseline (bench/pytorch_train_step.py)
# on the same workload. Each run is a fresh process; the two alternate (and swap
# which goes first every round) for R rounds, so drift on a shared machine hits
# both alike.
#
# Usage: bench/compare_train_step.sh [--rounds R] [--no-prefix-sharing] [FLAG VALUE...]
#   --rounds R            rounds (default 3, or $ROUNDS)
#   --no-prefix-sharing, --no-packing, --recompute-activations, --peak-tflops T
#                         passed to lpo only (its layout and memory options; the
#                         device's rated peak for mfu_peak)
#   --device D, --bf16    passed to both (the PyTorch step autocasts to bf16 and
#                         uses scaled_dot_product_attention on a GPU)
#   FLAG VALUE...         passed to both; a flag of the reference workload below
#                         replaces its default instead of being repeated
# Environment: LPO_BIN (default build/lpo), PYTHON (default /usr/bin/python3,
# which sees Debian's python3-torch; else python3). Both sides tune glibc malloc
# the same way (lpo's tune_allocator; the script's mallopt), so page faults on a VM
# do not skew the ratio (run the script alone with --no-tune-allocator to see
# stock glibc; lpo would reject that flag).
#
# Output (stdout): one JSON line per run, {"round", "impl", ...the run's JSON},
# then one summary JSON line with each side's median tokens/s and peak RSS over
# the rounds and the ratios lpo/pytorch. Runs' stderr goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LPO_BIN="${LPO_BIN:-build/lpo}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
rounds="${ROUNDS:-3}"
lpo_only=()

# The reference workload; keys are flag names, in a fixed order.
keys=(hidden intermediate layers heads kv-heads vocab pairs prompt-len response-len
      threads loss-type steps warmup)
declare -A value=(
  [hidden]=512 [intermediate]=1408 [layers]=8 [heads]=8 [kv-heads]=2 [vocab]=32000
  [pairs]=4 [prompt-len]=256 [response-len]=64 [threads]=2 [loss-type]=lpo-ste
  [steps]=3 [warmup]=1
)
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --rounds=*) rounds="${1#*=}"; shift ;;
    --no-prefix-sharing|--no-packing|--recompute-activations) lpo_only+=("$1"); shift ;;
    --peak-tflops) lpo_only+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '/^set -e/q; 2,$s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --*=*)
      name="${1%%=*}"; name="${name#--}"
      if [ -n "${value[$name]+set}" ]; then value[$name]="${1#*=}"; else extra+=("$1"); fi
      shift ;;
    --*)
      name="${1#--}"
      if [ -n "${value[$name]+set}" ]; then
        [ $# -ge 2 ] || { echo "compare_train_step: $1 needs a value" >&2; exit 2; }
        value[$name]="$2"; shift 2
      else
        extra+=("$1"); shift
      fi ;;
    *) extra+=("$1"); shift ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare_train_step: bad --rounds '$rounds'" >&2; exit 2; }
[ -x "$LPO_BIN" ] || { echo "compare_train_step: lpo binary '$LPO_BIN' not found (set LPO_BIN)" >&2; exit 2; }

args=()
for k in "${keys[@]}"; do args+=("--$k" "${value[$k]}"); done
args+=("${extra[@]}")

# run IMPL ROUND CMD...: runs CMD, prints its last stdout line (its JSON) tagged
# with round and impl; fails if that line is not a JSON object.
run() {
  local impl="$1" round="$2"; shift 2
  echo "compare_train_step: round $round $impl: $*" >&2
  local out
  out="$("$@")" || { echo "compare_train_step: $impl failed (round $round)" >&2; exit 1; }
  "$PYTHON" -c '
import json, sys
line = [l for l in sys.argv[3].splitlines() if l.strip()][-1]
rec = json.loads(line)
print(json.dumps({"round": int(sys.argv[1]), "impl": sys.argv[2], **rec}))
' "$round" "$impl" "$out"
}

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for ((r = 1; r <= rounds; r++)); do
  lpo_cmd=("$LPO_BIN" bench train-step "${args[@]}" "${lpo_only[@]}")
  py_cmd=("$PYTHON" "$here/pytorch_train_step.py" "${args[@]}")
  if (( r % 2 )); then
    run lpo "$r" "${lpo_cmd[@]}" | tee -a "$results"
    run pytorch "$r" "${py_cmd[@]}" | tee -a "$results"
  else
    run pytorch "$r" "${py_cmd[@]}" | tee -a "$results"
    run lpo "$r" "${lpo_cmd[@]}" | tee -a "$results"
  fi
done

"$PYTHON" - "$results" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(impl, key):
    return statistics.median(r[key] for r in runs if r["impl"] == impl)
summary = {impl: {"tokens_per_s_median": med(impl, "tokens_per_s"),
                  "peak_rss_mb_median": med(impl, "peak_rss_mb"),
                  "peak_memory_mb_median": med(impl, "peak_memory_mb")}
           for impl in ("lpo", "pytorch")}
summary["ratio_tokens_per_s"] = round(
    summary["lpo"]["tokens_per_s_median"] / summary["pytorch"]["tokens_per_s_median"], 3)
summary["ratio_peak_rss"] = round(
    summary["lpo"]["peak_rss_mb_median"] / summary["pytorch"]["peak_rss_mb_median"], 3)
summary["ratio_peak_memory"] = round(
    summary["lpo"]["peak_memory_mb_median"] / summary["pytorch"]["peak_memory_mb_median"], 3)
print(json.dumps({"summary": summary}))
EOF
