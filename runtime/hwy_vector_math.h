// Highway's contrib math (hwy/contrib/math/math-inl.h) compiled into liblanes behind a
// plain C vector ABI, so that JIT-compiled kernels can call it by symbol in Fast mode:
//
//   __m256d lanes_hwy_sin_d4(__m256d)    __m256 lanes_hwy_sin_f8(__m256)     (AVX2)
//   __m512d lanes_hwy_sin_d8(__m512d)    __m512 lanes_hwy_sin_f16(__m512)    (AVX-512)
//
// for sin cos exp expm1 log log2 log10 log1p asin acos atan asinh acosh atanh sinh tanh.
// Lanes outside a function's documented valid range (and NaN) are recomputed with
// SLEEF's u10 function of the same width, so every input gets a result within the
// bound (docs/precision.md). The vector types are not declared here: a caller names
// the symbols (the JIT) or declares them in a TU compiled for the ISA (bench, tests).
#pragma once

#include <vector>

#include "runtime/runtime_symbols.h"

namespace lanes::internal {

// Appends every lanes_hwy_* function this build has, for the JIT to resolve.
void append_hwy_math_symbols(std::vector<RuntimeSymbol>* out);

// Whether the lanes_hwy_* functions of `vector_bytes` (32: AVX2, 64: AVX-512) may be
// called on this CPU (Highway's AVX2 / AVX3 targets need more than avx2 / avx512f).
bool hwy_math_available(int vector_bytes);

}  // namespace lanes::internal
