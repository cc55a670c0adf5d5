// Peer implementations for the foundation benchmark: what a C++ programmer would write
// by hand for f = x + y, sin(x) * y + exp(-x*x), tanh(x) * log1p(x*x), over f64 arrays.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lanes::bench {

enum class Func { Add, SinExp, TanhLog1p };

// A plain loop calling <cmath>, compiled with -O3 -march=native.
void scalar_loop(Func f, const double* x, const double* y, double* out, std::size_t n);

// Hand-written SIMD loops (Highway for loads/stores/arithmetic) calling a vector math
// provider. Each provider has its accuracy class.
enum class Provider {
  SleefU10,     // precise class: <= 1 ULP
  SleefU35,     // fast class: SLEEF's u35 where it exists, u10 otherwise
  Libmvec,      // fast class: glibc's vector math (<= 4 ULP)
  HighwayMath,  // fast class: Highway contrib math (hwy/contrib/math)
};
const char* provider_name(Provider p);
void simd_loop(Func f, Provider p, const double* x, const double* y, double* out,
               std::size_t n);

}  // namespace lanes::bench
