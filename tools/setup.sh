#!/usr/bin/env bash
# Installs every Debian package Lanes needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt-get; safe to rerun.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  llvm-19-dev lld-19 liblld-19-dev clang-19 libclang-rt-19-dev libfuzzer-19-dev
  libzstd-dev libsleef-dev libhwy-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libamdhip64-dev rocm-device-libs libedit-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
