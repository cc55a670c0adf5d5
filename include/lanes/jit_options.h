// Options of lanes::jit.
//
//   auto g = lanes::jit(f, {.precision = lanes::Precision::Fast});
#pragma once

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Accuracy class of vector math: Precise is at most 1 ULP (SLEEF u10); Fast is at most
// 4 ULP, from the fastest measured provider. docs/precision.md lists each function's bound.
enum class Precision { Precise, Fast };

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

  bool operator==(const JitOptions&) const = default;
};

}  // namespace lanes
#pragma GCC visibility pop
