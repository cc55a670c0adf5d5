#!/usr/bin/env python3
"""Writes every C++ code block of the given markdown files to its own .cpp file, so that
tests/docs/CMakeLists.txt can compile and run each one (the README's code compiles).

Conventions:
  - A C++ block is a fenced block (``` or ~~~, indented or not, e.g. inside a list item)
    whose info string starts with cpp or c++ (any case). Other blocks are ignored: a piece
    of C++ that is deliberately not meant to compile must be fenced as something else
    (```text). Indented (non-fenced) code blocks are not extracted: fence C++ code.
  - Block k (1-based, counting the document's C++ blocks only) of DIR/NAME.md goes to
    DIR_NAME_k.cpp, relative to the root (README.md's second block: README_2.cpp).
  - A block that defines `main` is a whole program and is written as it is. Any other
    block is a fragment: its #include lines go to the top, the rest becomes the body of
    `int main()`, so a fragment must declare everything it uses. Either way the program
    is run and must exit 0.
  - Blocks include public headers only (<lanes/...> and the standard library): an
    #include "..." or of engine/, codegen/, runtime/ or frontend/ is an error here.
  - `#line` directives point compiler messages at the markdown file and line.

Prints one line per block: the file's name without .cpp. Files are rewritten only when
their text changes (no needless rebuilds), and stale .cpp files in OUT_DIR are removed.

usage: extract_cpp_blocks.py --root DIR --out OUT_DIR FILE.md...
"""
import argparse
import os
import re
import sys

FENCE = re.compile(r"^( *)(`{3,}|~{3,})\s*([^\s`]*)")
INCLUDE = re.compile(r"^\s*#\s*include\s*([<\"])([^>\"]*)[>\"]")
MAIN = re.compile(r"\bint\s+main\s*\(")
PRIVATE_DIRS = ("engine/", "codegen/", "runtime/", "frontend/")


def cpp_blocks(path):
    """Yields (first content line number, list of lines) for each C++ block of a file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).lower()
        close = re.compile(r"^ *" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        body, start, i = [], i + 2, i + 1
        while i < len(lines) and not close.match(lines[i]):
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            i += 1
        i += 1  # past the closing fence (or the end of the file)
        if info in ("cpp", "c++"):
            yield start, body


def program(md_path, rel, start, body):
    """The text of the .cpp file for one block (md_path: for #line; rel: for messages)."""
    md = os.path.abspath(md_path).replace("\\", "\\\\").replace('"', '\\"')
    for k, line in enumerate(body):
        inc = INCLUDE.match(line)
        if inc and (inc.group(1) == '"' or inc.group(2).startswith(PRIVATE_DIRS)
                    or ".." in inc.group(2)):
            sys.exit(f"{rel}:{start + k}: a documentation block may include only public "
                     f"headers (<lanes/...>, the standard library): {line.strip()}")
    head = f"// Extracted from {rel} by tests/docs/extract_cpp_blocks.py: do not edit.\n"
    if any(MAIN.search(line) for line in body):
        return head + f'#line {start} "{md}"\n' + "\n".join(body) + "\n"
    includes, rest = [], []
    for k, line in enumerate(body):
        (includes if INCLUDE.match(line) else rest).append((start + k, line))
    out = [head]
    for n, line in includes:
        out.append(f'#line {n} "{md}"\n{line}\n')
    out.append("int main() {\n")
    prev = None
    for n, line in rest:
        if prev is None or n != prev + 1:
            out.append(f'#line {n} "{md}"\n')
        out.append(line + "\n")
        prev = n
    out.append("return 0;\n}\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="names are relative to this directory")
    ap.add_argument("--out", required=True, help="where the .cpp files go")
    ap.add_argument("markdown", nargs="*")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = set()
    for md in sorted(args.markdown):
        rel = os.path.relpath(md, args.root)
        stem = os.path.splitext(rel)[0].replace(os.sep, "_").replace("/", "_")
        for k, (start, body) in enumerate(cpp_blocks(md), 1):
            name = f"{stem}_{k}"
            text = program(md, rel, start, body)
            path = os.path.join(args.out, name + ".cpp")
            old = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    old = f.read()
            if old != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            written.add(name + ".cpp")
            print(name)
    for f in os.listdir(args.out):
        if f.endswith(".cpp") and f not in written:
            os.remove(os.path.join(args.out, f))


if __name__ == "__main__":
    main()
