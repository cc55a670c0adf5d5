// Hand-written reduction peers for the foundation benchmark (see hand_reductions.h),
// compiled with -O3 -march=native.
// A static peer: Highway's static target only (the default policy also wants dynamic
// targets, which Highway 1.0.3 cannot form for AVX3_DL baselines such as -march=native
// on a CPU with AVX-512 and AVX-VNNI), and AVX2 without AES/PCLMUL counts as AVX2 (GCC's
// -march=haswell and x86-64-v3 have neither; the peers use neither).
#define HWY_COMPILE_ONLY_STATIC 1
#define HWY_DISABLE_PCLMUL_AES 1
#include "hand_reductions.h"

#include <hwy/highway.h>
#include <sleef.h>

#include <cmath>

namespace lanes::bench {

namespace hn = hwy::HWY_NAMESPACE;

double scalar_reduce(ReduceFunc f, const double* x, std::size_t n) {
  double s = 0;
  if (f == ReduceFunc::SumSquares) {
    for (std::size_t i = 0; i < n; ++i) s += x[i] * x[i];
  } else {
    for (std::size_t i = 0; i < n; ++i) s += std::sin(x[i]);
  }
  return s;
}

namespace {

// AVX2: four doubles per vector, SLEEF's AVX2 u10 sine (as the jit's precise mode).
using D4 = hn::FixedTag<double, 4>;
using V4 = hn::Vec<D4>;

template <ReduceFunc F>
V4 term(V4 v) {
  if constexpr (F == ReduceFunc::SumSquares) {
    return hn::Mul(v, v);
  } else {
    return V4{Sleef_sind4_u10avx2(v.raw)};
  }
}

template <ReduceFunc F>
double run(const double* x, std::size_t n) {
  const D4 d;
  V4 a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = hn::Add(a0, term<F>(hn::LoadU(d, x + i)));
    a1 = hn::Add(a1, term<F>(hn::LoadU(d, x + i + 4)));
    a2 = hn::Add(a2, term<F>(hn::LoadU(d, x + i + 8)));
    a3 = hn::Add(a3, term<F>(hn::LoadU(d, x + i + 12)));
  }
  for (; i + 4 <= n; i += 4) a0 = hn::Add(a0, term<F>(hn::LoadU(d, x + i)));
  double s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  for (; i < n; ++i) s += F == ReduceFunc::SumSquares ? x[i] * x[i] : std::sin(x[i]);
  return s;
}

}  // namespace

double simd_reduce(ReduceFunc f, const double* x, std::size_t n) {
  return f == ReduceFunc::SumSquares ? run<ReduceFunc::SumSquares>(x, n)
                                     : run<ReduceFunc::SumSin>(x, n);
}

}  // namespace lanes::bench
