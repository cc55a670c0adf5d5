// Options of lanes::jit.
//
//   auto g = lanes::jit(f, {.precision = lanes::Precision::Fast});
#pragma once

namespace lanes {

// Accuracy class of vector math: Precise is at most 1 ULP (SLEEF u10); Fast is at most
// 4 ULP, from the fastest measured provider. docs/precision.md lists each function's bound.
enum class Precision { Precise, Fast };

struct JitOptions {
  Precision precision = Precision::Precise;
  // SIMD lanes per vector; 0 picks the host's width (AVX2: 4 f64 / 8 f32). Tests force
  // 1, 2, 4, 8, 16 to exercise tails and masks.
  int vector_width = 0;
  // Split large kernels across the thread pool.
  bool parallel = true;

  bool operator==(const JitOptions&) const = default;
};

}  // namespace lanes
