// Options of lanes::jit.
//
//   auto g = lanes::jit(f, {.precision = lanes::Precision::Fast});
//
// Progress of long compiles (a compile runs at the first call for each argument signature):
//
//   lanes::JitOptions o;
//   o.on_progress = [](const lanes::CompileProgress& p) {
//     std::fprintf(stderr, "\r%.*s %zu/%zu %.*s", int(p.phase.size()), p.phase.data(), p.done,
//                  p.total, int(p.unit.size()), p.unit.data());
//   };
//   auto h = lanes::jit(f, o);
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Accuracy class of vector math: Precise is at most 1 ULP (SLEEF u10); Fast is at most
// 4 ULP, from the fastest measured provider. docs/precision.md lists each function's bound.
enum class Precision { Precise, Fast };

// What a compile reports to JitOptions::on_progress: the phase it is in and how far it got.
// Phases, in order: the graph passes "expand_composites", "fold_constants", "simplify",
// "cse", "dce" (unit "equations": the size of the graph the pass reads; reported as it
// starts), "lower" (equations lowered to loops), "codegen" ("kernels" emitted as LLVM IR),
// "llvm_optimize" and "machine_code" (one "module" each).
struct CompileProgress {
  std::string_view phase;
  std::size_t done = 0;   // units of this phase finished; never decreases within a phase
  std::size_t total = 0;  // units of this phase
  std::string_view unit;  // "equations", "kernels", "modules"
  double seconds = 0;     // since the compile began
};

struct JitOptions {
  Precision precision = Precision::Precise;
  // SIMD lanes per vector; 0 picks the host's width (AVX2: 4 f64 / 8 f32). Otherwise a
  // power of two from 1 to 64 (tests force 1, 2, 4, 8, 16 to exercise tails and masks);
  // other values are an ArgumentError at jit time.
  int vector_width = 0;
  // Split large kernels across the thread pool.
  bool parallel = true;
  // How hard LLVM works on the generated code. 2 (the default): the full O2 module
  // pipeline and the default instruction selection, for fast kernels. 0: no IR
  // optimisation (only the passes that lowering needs) and LLVM's fast instruction
  // selection (CodeGenOptLevel::None): compiles several times faster, runs slower;
  // results are the same (the fuzz targets compare both against the interpreter).
  // 1 is O1 with CodeGenOptLevel::Less. Other values are an ArgumentError at jit time.
  int opt_level = 2;
  // Called during compiles that run longer than a moment: first about 100 ms into a
  // compile, then when a phase begins and at most every 50 ms within one, so a small
  // compile never calls it. It runs on the compiling thread (the one that called the
  // function) and holds up the compile while it runs, so keep it short; it may print, and
  // it may call into lanes (trace, jit and run other functions) as no engine lock is held,
  // except that it must not call the function being compiled with the same argument
  // shapes, which waits for this compile. A thread that finds another one compiling the
  // same program waits without reports. Not part of the compile cache's key: functions
  // that differ only in it share executables. Empty (the default): no reports.
  std::function<void(const CompileProgress&)> on_progress = nullptr;
};

}  // namespace lanes
#pragma GCC visibility pop
