#!/usr/bin/env bash
# Installs every Debian package Lanes needs to build and test (the benchmarks' outside
# peers come from tools/setup_bench.sh).
# Idempotent: packages already present are skipped; safe to rerun.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  llvm-19-dev lld-19 liblld-19-dev clang-19 libclang-rt-19-dev libfuzzer-19-dev
  libzstd-dev libsleef-dev libhwy-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libamdhip64-dev rocm-device-libs libedit-dev
  libopenmpi-dev openmpi-bin
)

bash "$(dirname "$0")/apt_install.sh" "${packages[@]}"
