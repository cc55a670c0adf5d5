#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the demo of the engine, then the
# seed article's comparison at the REPL prompt (examples/seed.lanes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --target lanes-demo lanes-repl
./build/lanes-demo
./build/tools/lanes/lanes examples/seed.lanes
