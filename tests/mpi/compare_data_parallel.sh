#!/usr/bin/env bash
# Usage: compare_data_parallel.sh DATA_PARALLEL MPIRUN ARGS...
# Trains 20 steps on 4 devices with threads, then under MPIRUN ARGS... on every process'
# devices (4 in all), and checks that every process prints the threaded run's final line.
set -euo pipefail
exe=$1
shift
threads=$("$exe" 20 4 | tail -n 1)
mpi=$("$@" "$exe" 20 all | grep '^loss' | sort -u)
echo "threads: $threads"
echo "mpi:     $mpi"
[ "$threads" == "$mpi" ]
