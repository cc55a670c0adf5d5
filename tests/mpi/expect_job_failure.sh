#!/usr/bin/env bash
# Runs an MPI job that must fail: passes when it exits non-zero within MAX_SECONDS and its
# output contains PATTERN (the reason the failing process printed).
# usage: expect_job_failure.sh MAX_SECONDS PATTERN COMMAND...
set -u
max_seconds=$1 pattern=$2
shift 2
start=$(date +%s)
output=$("$@" 2>&1)
status=$?
elapsed=$(( $(date +%s) - start ))
echo "$output"
echo "exit status $status after ${elapsed} s"
if [[ $status -eq 0 ]]; then echo "FAIL: the job succeeded"; exit 1; fi
if (( elapsed > max_seconds )); then echo "FAIL: took more than ${max_seconds} s"; exit 1; fi
if ! grep -q -- "$pattern" <<<"$output"; then echo "FAIL: no '$pattern' in the output"; exit 1; fi
echo "PASS"
