#!/usr/bin/env bash
# README command 2 (and CI): install dependencies, build, run every test with CTest
# (unit tests, install test, short load test), then the sanitizer jobs
# (tools/run_sanitizers.sh: the whole suite under ASan+UBSan, the runtime and
# concurrency suites under TSan). LANES_SKIP_SANITIZERS=1 stops after CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash tools/setup.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
if [[ ${LANES_SKIP_SANITIZERS:-0} != 1 ]]; then
  bash tools/run_sanitizers.sh all
fi
echo "run_tests.sh: passed in $(( $(date +%s) - start )) s"
