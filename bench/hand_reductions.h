// Peer implementations of full reductions for the foundation benchmark: what a C++
// programmer would write by hand for sum(x * x) and sum(sin(x)) over f64 arrays.
#pragma once

#include <cstddef>

namespace lanes::bench {

enum class ReduceFunc { SumSquares, SumSin };

// A plain loop calling <cmath>, compiled with -O3 -march=native (no -ffast-math, so the
// compiler keeps the one sequential accumulator).
double scalar_reduce(ReduceFunc f, const double* x, std::size_t n);

// A hand-written Highway SIMD loop: four vectors of per-lane accumulators (to hide the
// add latency), SLEEF u10 for sin, a horizontal sum and a scalar tail. Single thread.
double simd_reduce(ReduceFunc f, const double* x, std::size_t n);

}  // namespace lanes::bench
