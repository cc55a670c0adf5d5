#!/usr/bin/env bash
# Installs the outside peers of the comparison benchmark (bench/comparison_*): Halide 14
# (a JIT-compiled pipeline, linked by path beside LLVM 19) and Debian's numpy for the
# system interpreter /usr/bin/python3. Kept apart from tools/setup.sh so that CI, which
# does not run benchmarks, does not pay for them.
# Idempotent: packages already present are skipped; safe to rerun.
set -euo pipefail

packages=(libhalide14-0-dev python3-numpy)

bash "$(dirname "$0")/apt_install.sh" "${packages[@]}"
