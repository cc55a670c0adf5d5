#!/usr/bin/env bash
# CTest test package_deb_embed (see CMakeLists.txt). usage: check_package.sh BUILD SOURCE
set -euo pipefail
build=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
main_deb=$(ls "$work"/out/lanes_*.deb)
echo "packages: $(cd "$work/out" && ls ./*.deb | tr '\n' ' ')"
depends=$(dpkg-deb -f "$main_deb" Depends)
echo "lanes Depends: $depends"
# MPI belongs to lanes-mpi and LLVM is linked in; libedit is the `lanes` tool's own need.
if grep -Eq 'libopenmpi|libllvm' <<<"$depends"; then
  echo "FAILED: lanes depends on MPI or LLVM"
  exit 1
fi
for deb in "$work"/out/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
# The embed example against the unpacked package, as a user would build it.
cmake -S "$source_dir/examples/embed" -B "$work/embed" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/root/usr" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/embed" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/embed/embed"
# The packaged tool, from the unpacked tree, with no library path set.
echo 'sin(0.5) * 2' | env -u LD_LIBRARY_PATH "$work/root/usr/bin/lanes"
echo "package_deb_embed: passed"
