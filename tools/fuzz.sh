#!/usr/bin/env bash
# Runs one differential fuzz target (tests/fuzz) for a given time with libFuzzer.
#
#   tools/fuzz.sh <target> <seconds> [libFuzzer flags...]
#   tools/fuzz.sh jit_vs_interp_fuzz 600
#   tools/fuzz.sh vmap_fuzz 300 -jobs=2 -workers=2
#   SANITIZE=0 tools/fuzz.sh jit_vs_interp_fuzz 3600 -runs=1000000
#
# Configures and builds build-fuzz (clang-19, -DLANES_FUZZ=ON: the engine instrumented
# for coverage, with AddressSanitizer and UBSan), runs the target on a copy of its seed
# corpus tests/fuzz/corpus/<target>/ for <seconds> (or until -runs=N executions, if
# given first), and prints the executions and exec/s.
# SANITIZE=0 builds build-fuzz-fast instead: coverage instrumentation only, no ASan or
# UBSan (several times more executions per second, for long campaigns; the checks of the
# targets are the same, memory errors are found only by the default build).
# New inputs stay in the copy (its path is printed); crashes (mismatches abort after
# printing a minimised reproducer) are written to build-fuzz/artifacts/. To keep new coverage:
#   build-fuzz/tests/fuzz/<target> -merge=1 tests/fuzz/corpus/<target> <copy>
# Environment: JOBS (build parallelism, default 2), CC/CXX (default clang-19/clang++-19).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <target> <seconds> [libFuzzer flags...]" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=${SANITIZE:-1}
if [[ $sanitize == 0 ]]; then
  build=$root/build-fuzz-fast
  sanitize_flag=OFF
else
  build=$root/build-fuzz
  sanitize_flag=ON
fi
corpus=$root/tests/fuzz/corpus/$target

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
CC=${CC:-clang-19} CXX=${CXX:-clang++-19} cmake -S "$root" -B "$build" -G Ninja \
  -DLANES_FUZZ=ON -DLANES_FUZZ_SANITIZE=$sanitize_flag -DLANES_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" > /dev/null
ninja -C "$build" -j"${JOBS:-2}" "$target"

work=$(mktemp -d "${TMPDIR:-/tmp}/lanes-fuzz-$target.XXXXXX")
mkdir -p "$work/corpus" "$build/artifacts"
if [[ -d $corpus ]]; then cp -r "$corpus/." "$work/corpus/"; fi

# Leak checking is off: the engine's compile cache and LLVM keep memory between inputs
# by design (the load tests measure memory instead). A per-input timeout catches hangs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$work/fuzz.log
set +e
"$build/tests/fuzz/$target" "$work/corpus" -max_total_time="$seconds" -timeout=60 \
  -rss_limit_mb=6144 -max_len=256 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
  "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
echo "== $target: ${runs:-?} executions in ${seconds} s (${rate:-?} exec/s); corpus copy: $work/corpus; exit $status"
exit "$status"
