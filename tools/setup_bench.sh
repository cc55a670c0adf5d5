#!/usr/bin/env bash
# Installs the outside peers of the comparison benchmark (bench/comparison_*): Halide 14
# (a JIT-compiled pipeline, linked by path beside LLVM 19) and Debian's numpy for the
# system interpreter /usr/bin/python3. Kept apart from tools/setup.sh so that CI, which
# does not run benchmarks, does not pay for them.
# Idempotent: packages already present are skipped; safe to rerun.
set -euo pipefail

packages=(libhalide14-0-dev python3-numpy)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
