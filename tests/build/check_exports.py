#!/usr/bin/env python3
"""Checks what liblanes.so shows an embedding application (CTest test library_exports).

- Every exported symbol belongs to Lanes' public API: its demangled name mentions
  lanes::, and a lanes::internal:: name is one that include/lanes declares (templates in
  the public headers call a few). No LLVM, lld, Highway or SLEEF symbol is exported.
- The one exception is the C++ standard library's vague linkage: weak instantiations of
  std:: templates and typeinfo of std:: types (nm types W, V, u), which every C++ shared
  library exports so that each has one copy in a process (libstdc++ declares namespace
  std with default visibility; -fvisibility=hidden does not apply to it).
- The library needs neither libmpi (the MPI plugin loads it) nor libedit, libLLVM
  (linked statically, symbols hidden) or any other library an embedder would not expect.

usage: check_exports.py LIBRARY INCLUDE_DIR
"""
import pathlib
import re
import subprocess
import sys

LINKER_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}
FOREIGN = re.compile(r"\b(llvm|lld|hwy)::|Sleef_|\bLLVM[A-Z]")
STANDARD = re.compile(r"^(typeinfo (name )?for |vtable for |guard variable for )?"
                      r"([\w:<>, ()*&]+ )?(std|__gnu_cxx)::")
FORBIDDEN_NEEDS = re.compile(r"libmpi|libedit|libLLVM|libffi|libxml2|libz3")


def main() -> int:
    library, include_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    headers = "\n".join(p.read_text() for p in include_dir.glob("*.h"))
    out = subprocess.run(["nm", "-D", "--defined-only", "-C", library], check=True,
                         capture_output=True, text=True).stdout
    entries = [line.split(" ", 2)[1:] for line in out.splitlines() if line.count(" ") >= 2]
    symbols = [name for _, name in entries]
    bad = []
    standard = 0
    for kind, name in entries:
        if name in LINKER_SYMBOLS:
            continue
        if kind in "WVu" and STANDARD.search(name) and "lanes::" not in name:
            standard += 1
            continue
        if FOREIGN.search(name) or "lanes::" not in name:
            bad.append(("not Lanes' API", name))
            continue
        for internal in re.findall(r"lanes::internal::(\w+)", name):
            if not re.search(r"\b" + re.escape(internal) + r"\b", headers):
                bad.append(("internal, not in include/lanes", name))
    needed = subprocess.run(["readelf", "-d", library], check=True, capture_output=True,
                            text=True).stdout
    needs = re.findall(r"\(NEEDED\).*\[(.*)\]", needed)
    bad += [("needed library", n) for n in needs if FORBIDDEN_NEEDS.search(n)]
    print(f"{library}: {len(symbols)} exported symbols, {len(symbols) - standard} of them "
          f"Lanes' ({standard} standard-library vague linkage); needs {', '.join(needs)}")
    for why, name in bad[:50]:
        print(f"  {why}: {name}")
    if bad:
        print(f"FAILED: {len(bad)} problems")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
