#!/usr/bin/env bash
# Run HERE (a Debian machine with apt): downloads into .gpu-debs/ the .deb files that building
# lpo needs besides torch, for a GPU machine that cannot fetch anything (the device tool's H200
# image has CUDA, a pip torch, CMake and a compiler, but none of these). scripts/gpu-check.sh
# unpacks them into a private prefix there. .gpu-debs/ is git-ignored: name it in `carry`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PACKAGES=(
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libgloo-dev zlib1g-dev
  libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3
  libsentencepiece-dev libsentencepiece0 libprotobuf-lite32
  libicu-dev libicu72
  pkgconf pkgconf-bin libpkgconf3
)
mkdir -p .gpu-debs
cd .gpu-debs
apt-get download "${PACKAGES[@]}"
du -sh .
