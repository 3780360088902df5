#!/usr/bin/env bash
# Run ON the lent GPU machine (device tool; carry .gpu-debs from scripts/gpu-debs.sh):
#   1. builds lpo against that machine's pip torch (CUDA, NCCL) with the carried packages,
#   2. runs the unit tests (the CUDA ones included: they skip on CPU-only machines),
#   3. times `lpo bench train-step --device cuda --bf16` on the 0.5B qwen2-shaped workload of
#      issue #8 next to the same step in PyTorch eager (bench/compare_train_step.sh).
# Everything lands in $OUT (build.log, ctest.log, compare.jsonl). Budget: ~10 minutes.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-/tmp/lpo-gpu-out}"
mkdir -p "$OUT"
deps=/tmp/lpo-deps
for f in .gpu-debs/*.deb; do dpkg -x "$f" "$deps"; done
lib="$deps/usr/lib/x86_64-linux-gnu"
ln -sf /usr/lib/x86_64-linux-gnu/libz.so.1 "$lib/libz.so"  # Debian's link names its own zlib version
export PATH="$deps/usr/bin:$PATH"                      # pkg-config (pkgconf)
export LD_LIBRARY_PATH="$lib:${LD_LIBRARY_PATH:-}"     # libpkgconf, sentencepiece, ICU, PCRE2
export PKG_CONFIG_PATH="$lib/pkgconfig:$deps/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$deps"                  # the .pc files say prefix=/usr
export CPATH="$deps/usr/include"                       # header-only packages and gloo
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$OUT/gpu.txt"

echo "== configure + build" | tee "$OUT/build.log"
start=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DLPO_BENCH=OFF \
  -DCMAKE_PREFIX_PATH="$deps/usr;$lib/cmake;$deps/usr/share/cmake" >> "$OUT/build.log" 2>&1 &&
  cmake --build build-gpu -j "$(nproc)" >> "$OUT/build.log" 2>&1
rc=$?
echo "build rc=$rc in $(( $(date +%s) - start )) s" | tee -a "$OUT/build.log"
grep -E "lpo:|error" "$OUT/build.log" | head -40
[ $rc -eq 0 ] || exit $rc

echo "== tests"
(cd build-gpu && timeout 240 ctest -j 8 --output-on-failure) > "$OUT/ctest.log" 2>&1
echo "ctest rc=$?"; tail -15 "$OUT/ctest.log"

echo "== bench: lpo vs PyTorch eager, 0.5B qwen2 shape, bf16"
LPO_BIN=build-gpu/lpo PYTHON=python3 timeout 300 bash bench/compare_train_step.sh --rounds 2 \
  --device cuda --bf16 --peak-tflops 790 --threads 8 \
  --hidden 896 --intermediate 4864 --layers 24 --heads 14 --kv-heads 2 --vocab 151936 \
  --pairs 8 --prompt-len 512 --response-len 256 --steps 5 --warmup 2 | tee "$OUT/compare.jsonl"
