#!/usr/bin/env bash
# README command 2 (and CI): install dependencies, build with warnings as errors, run every
# test with CTest (unit tests, install and package tests, the -march compile check, the
# export check, a short load test), build again with clang 19 in Release (library, tools,
# examples), then the sanitizer jobs (tools/run_sanitizers.sh: the whole suite under
# ASan+UBSan, the whole suite under TSan).
# LANES_SKIP_SANITIZERS=1 stops after CTest and the clang build; LANES_SKIP_CLANG=1 skips
# the clang build.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash tools/setup.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLANES_WERROR=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
if [[ ${LANES_SKIP_CLANG:-0} != 1 ]]; then
  echo "== clang 19, Release: library, tools and examples (build-clang-release)"
  CC=clang-19 CXX=clang++-19 cmake -S . -B build-clang-release -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DLANES_WERROR=ON -DLANES_BUILD_TESTS=OFF -DLANES_BUILD_BENCH=OFF \
    >/dev/null
  time cmake --build build-clang-release -j "$jobs"
fi
if [[ ${LANES_SKIP_SANITIZERS:-0} != 1 ]]; then
  bash tools/run_sanitizers.sh all
fi
echo "run_tests.sh: passed in $(( $(date +%s) - start )) s"
