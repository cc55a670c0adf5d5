#!/usr/bin/env bash
# Installs the built tree into a scratch prefix, builds examples/embed against the
# installed package (find_package(Lanes)) and runs it, checks that every component is
# found (find_package(Lanes COMPONENTS repl mpi)), and runs the installed `lanes` tool
# with no library path: its RPATH must find liblanes from any prefix.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$source_dir/examples/embed" -B "$work/embed" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/embed" > "$work/build.log"
"$work/embed/embed"

components=(repl)
[ -e "$work/prefix/lib/cmake/Lanes/LanesMpiTargets.cmake" ] && components+=(mpi)
mkdir -p "$work/components"
cat > "$work/components/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(lanes_components LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Lanes REQUIRED COMPONENTS ${components[*]})
add_executable(repl_user repl_user.cpp)
target_link_libraries(repl_user PRIVATE Lanes::repl)
CMAKE
cat > "$work/components/repl_user.cpp" <<'CPP'
#include <lanes/repl.h>
#include <cstdio>
int main() {
  lanes::repl::Session s;
  lanes::repl::EvalOutput r = s.run("def f(x) = x * 3\nf(2.0)\n", "<embedded>");
  std::fputs(r.text.c_str(), stdout);
  return r.ok && r.text.find('6') != std::string::npos ? 0 : 1;
}
CPP
cmake -S "$work/components" -B "$work/components/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/components.log"
cmake --build "$work/components/build" >> "$work/components.log"
"$work/components/build/repl_user"

echo 'sin(0.5) * 2' | env -u LD_LIBRARY_PATH "$work/prefix/bin/lanes"
echo "install_and_embed: passed (components: lanes ${components[*]})"
