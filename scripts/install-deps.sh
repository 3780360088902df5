#!/usr/bin/env bash
# Installs every Debian package that building, testing and the demo need.
# Idempotent: packages already present are skipped, so `make` can call it cheaply.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libtorch-dev            # tensors, autograd (Debian: 1.13, CPU)
  libopenblas0-openmp     # fast BLAS for libtorch (reference BLAS is ~30x slower)
  libgloo-dev             # c10d's headers include gloo
  nlohmann-json3-dev      # JSON
  libcli11-dev            # command-line parsing
  libpcre2-dev            # tokenizer pre-tokenizer regex (lookahead, \p{L})
  libsentencepiece-dev    # tokenizer.model
  libicu-dev              # Unicode NFC normalization (tokenizer.json normalizer)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  zlib1g-dev              # .jsonl.gz
)

# `--fuzz`: also clang and its sanitizer/libFuzzer runtimes (make fuzz-smoke).
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
