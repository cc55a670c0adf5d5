#!/usr/bin/env bash
# CI's sanitizer jobs (run by tools/run_tests.sh after the normal build and CTest):
#  1. build-asan: the whole GoogleTest suite under AddressSanitizer + UndefinedBehavior-
#     Sanitizer (LANES_SANITIZE=ON), run as parallel shards of the lanes_tests binary
#     (one process per shard: much faster than CTest's process per test case).
#  2. build-tsan: the whole GoogleTest suite under ThreadSanitizer (LANES_SANITIZE=thread),
#     in the same shards. Threads start all over the suite (kernels split over the pool,
#     the compile cache hit from several threads, pmap replicas and device workers,
#     collectives, REPL sessions that jit), so no test is left out: a new test runs under
#     TSan by default. Measured 2026-12-07 on 2 shared cores: 1214 tests in 432 s (the
#     former runtime/concurrency filter: 64 tests, 3 s). LANES_TSAN_FILTER narrows it for
#     a local run (a gtest filter, e.g. 'Pmap*:Concurrency*').
#     Not under TSan: the MPI tests (separate processes through Open MPI, which is not
#     instrumented: its shared-memory transport would only produce false reports) and the
#     fuzz targets (single-threaded; they run under ASan in tools/fuzz.sh).
# Only lanes_tests (and the library) is built, without benchmarks, at -O1 -g: the tests'
# time goes to LLVM (not instrumented), so more optimization would only slow the build.
# Any sanitizer report fails the run. Usage: tools/run_sanitizers.sh [asan|tsan|all]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=$(nproc)
root=$(pwd)

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

configure_and_build() {  # dir sanitize
  cmake -S . -B "$1" -G Ninja -DLANES_SANITIZE="$2" -DLANES_BUILD_BENCH=OFF -DLANES_WERROR=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCMAKE_C_FLAGS_DEBUG="-O1 -g" \
    "${launcher[@]}" >/dev/null
  cmake --build "$1" -j "$jobs" --target lanes_tests
}

# Runs lanes_tests of build dir $1 in $jobs shards with gtest filter $2; fails if any
# shard fails, printing the failing shards' logs.
run_shards() {
  local dir=$1 filter=$2 pids=() status=0
  for ((i = 0; i < jobs; i++)); do
    GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$i \
      "$dir/tests/lanes_tests" --gtest_filter="$filter" --gtest_brief=1 >"$dir/shard-$i.log" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < jobs; i++)); do
    if ! wait "${pids[$i]}"; then
      echo "=== $dir shard $i FAILED:"
      tail -n 200 "$dir/shard-$i.log"
      status=1
    else
      tail -n 3 "$dir/shard-$i.log"
    fi
  done
  return $status
}

if [[ $what == asan || $what == all ]]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: whole suite (build-asan)"
  configure_and_build build-asan ON
  # allocator_may_return_null: the fault tests ask for 2^50-element arrays and expect a
  # lanes::Error; by default ASan would report the oversized request and exit instead.
  # detect_leaks stays on: a leak fails the run (suppressions in tools/lsan.supp, each
  # justified there).
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:allocator_may_return_null=1:check_initialization_order=1:strict_string_checks=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="suppressions=$root/tools/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  time run_shards build-asan '*'
fi

if [[ $what == tsan || $what == all ]]; then
  echo "== ThreadSanitizer: whole suite (build-tsan)"
  configure_and_build build-tsan thread
  # allocator_may_return_null: as for ASan, the fault tests' 2^50-element arrays must come
  # back as a lanes::Error, not a sanitizer report.
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1:suppressions=$root/tools/tsan.supp"
  time run_shards build-tsan "${LANES_TSAN_FILTER:-*}"
fi
