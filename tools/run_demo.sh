#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the demo of the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --target lanes-demo
./build/lanes-demo
