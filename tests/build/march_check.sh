#!/usr/bin/env bash
# Compile-only check (CTest test march_compile_check): every file that includes Highway
# compiles under each -march we promise, with g++ and, when installed, clang++-19, so an
# ISA-specific break (Highway 1.0.3's "best baseline should be included in dynamic
# targets" under AVX-512 + AVX-VNNI, say) never reaches a user or packager again.
#   runtime/hwy_vector_math.cpp   liblanes: every -march, generic levels and CPUs
#   bench/ hand-written peers     static AVX2/AVX-512 code for the host (built with
#                                 -march=native, which overrides any -march a packager
#                                 passes): every level and CPU with AVX2
# usage: march_check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
# A machine's native flags, for the CPUs we have seen or expect: AVX2 only (Haswell, Zen 2),
# AVX-512 (Skylake-X, Ice Lake), AVX-512 with AVX-VNNI (Sapphire Rapids; Zen 4 as GCC 12
# sees it: znver3 plus the AVX-512 flags).
cpus=(haswell znver2 znver3 skylake-avx512 icelake-server sapphirerapids
      "znver3 -mavx512f -mavx512dq -mavx512cd -mavx512bw -mavx512vl -mavx512ifma -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg -mavx512vpopcntdq -mavx512bf16 -mavxvnni"
      native)
avx2_levels=(x86-64-v3 x86-64-v4 "x86-64-v4 -mavxvnni")
marches=(x86-64 x86-64-v2 "${avx2_levels[@]}" "${cpus[@]}")
compilers=(g++)
command -v clang++-19 >/dev/null && compilers+=(clang++-19)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

jobs=()
for cxx in "${compilers[@]}"; do
  for march in "${marches[@]}"; do
    jobs+=("$cxx|$march|runtime/hwy_vector_math.cpp")
  done
  for march in "${avx2_levels[@]}" "${cpus[@]}"; do
    for f in bench/hand_loops.cpp bench/hand_reductions.cpp bench/comparison_hand_simd.cpp; do
      jobs+=("$cxx|$march|$f")
    done
  done
done

compile() {  # "cxx|march|file"
  IFS='|' read -r cxx march file <<<"$1"
  local log
  log=$2/$(echo "$1" | tr ' /|' '___').log
  # shellcheck disable=SC2086  # march may hold two flags
  if ! "$cxx" -std=c++20 -O2 -march=$march -I"$3" -I"$3/include" -c "$3/$file" -o /dev/null \
      >"$log" 2>&1; then
    echo "FAILED: $cxx -march=$march $file"
    head -n 20 "$log"
    return 1
  fi
  echo "ok: $cxx -march=$march $file"
}
export -f compile
printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile "$@"' _ {} "$work" "$src"
echo "march_check: ${#jobs[@]} compiles passed (build dir $build)"
