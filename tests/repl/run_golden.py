#!/usr/bin/env python3
"""Runs a lanes script and compares its output (stdout and stderr together, then
"[exit N]" for a non-zero status) with the expected file.

Expected-file lines match exactly, except:
  re:PATTERN   the line must match the regular expression (whole line)
  ...          any number of lines (including none)
A first line "# args: ..." in the script passes extra arguments to lanes.

usage: run_golden.py LANES SCRIPT EXPECTED [--update]
"""
import re
import subprocess
import sys
import os


def matches(expected, actual):
    # memoized: can expected[i:] match actual[j:]?
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(expected):
            r = j == len(actual)
        elif expected[i] == "...":
            r = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        elif j == len(actual):
            r = False
        elif expected[i].startswith("re:"):
            r = re.fullmatch(expected[i][3:], actual[j]) is not None and go(i + 1, j + 1)
        else:
            r = expected[i] == actual[j] and go(i + 1, j + 1)
        memo[(i, j)] = r
        return r

    return go(0, 0)


def main():
    lanes, script, expected_path = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    with open(script) as f:
        first = f.readline()
    args = ["--time-budget", "0.01"]
    if first.startswith("# args:"):
        args += first[len("# args:"):].split()
    proc = subprocess.run([lanes] + args + [os.path.basename(script)],
                          cwd=os.path.dirname(os.path.abspath(script)),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
    out = proc.stdout.decode("utf-8", "replace")
    lines = out.splitlines()
    if proc.returncode != 0:
        lines.append("[exit %d]" % proc.returncode)
    if update:
        with open(expected_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return 0
    with open(expected_path) as f:
        expected = f.read().splitlines()
    if matches(expected, lines):
        return 0
    print("output of %s differs from %s" % (script, expected_path))
    print("---- actual ----")
    print("\n".join(lines))
    import difflib
    print("---- diff (expected -> actual) ----")
    print("\n".join(difflib.unified_diff(expected, lines, "expected", "actual", lineterm="")))
    return 1


if __name__ == "__main__":
    sys.exit(main())
