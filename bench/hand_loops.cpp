// Hand-written peers for the foundation benchmark, compiled with -O3 -march=native.
#include "hand_loops.h"

#include <sleef.h>

#include <cmath>
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

// glibc's vector math (libmvec), AVX2 variants of the GNU vector ABI.
extern "C" {
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_tanh(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
}

namespace lanes::bench {

namespace hn = hwy::HWY_NAMESPACE;

void scalar_loop(Func f, const double* x, const double* y, double* out, std::size_t n) {
  switch (f) {
    case Func::Add:
      for (std::size_t i = 0; i < n; ++i) out[i] = x[i] + y[i];
      break;
    case Func::SinExp:
      for (std::size_t i = 0; i < n; ++i) out[i] = std::sin(x[i]) * y[i] + std::exp(-x[i] * x[i]);
      break;
    case Func::TanhLog1p:
      for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(x[i]) * std::log1p(x[i] * x[i]);
      break;
  }
}

const char* provider_name(Provider p) {
  switch (p) {
    case Provider::SleefU10: return "Highway+SLEEF u10";
    case Provider::SleefU35: return "Highway+SLEEF u35";
    case Provider::Libmvec: return "Highway+libmvec";
    case Provider::HighwayMath: return "Highway contrib math";
  }
  return "?";
}

namespace {
using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
static_assert(HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3,
              "the benchmark's hand loops assume an x86 AVX2+ target");

// Vector math of one provider on 4 doubles (AVX2 width; on AVX-512 the loop still
// processes 4 lanes at a time through the 256-bit functions).
template <Provider P>
struct Math;
template <>
struct Math<Provider::SleefU10> {
  static __m256d sin(__m256d v) { return Sleef_sind4_u10avx2(v); }
  static __m256d exp(__m256d v) { return Sleef_expd4_u10avx2(v); }
  static __m256d tanh(__m256d v) { return Sleef_tanhd4_u10avx2(v); }
  static __m256d log1p(__m256d v) { return Sleef_log1pd4_u10avx2(v); }
};
template <>
struct Math<Provider::SleefU35> {
  static __m256d sin(__m256d v) { return Sleef_sind4_u35avx2(v); }
  static __m256d exp(__m256d v) { return Sleef_expd4_u10avx2(v); }  // no u35 variant
  static __m256d tanh(__m256d v) { return Sleef_tanhd4_u35avx2(v); }
  static __m256d log1p(__m256d v) { return Sleef_log1pd4_u10avx2(v); }  // no u35 variant
};
template <>
struct Math<Provider::Libmvec> {
  static __m256d sin(__m256d v) { return _ZGVdN4v_sin(v); }
  static __m256d exp(__m256d v) { return _ZGVdN4v_exp(v); }
  static __m256d tanh(__m256d v) { return _ZGVdN4v_tanh(v); }
  static __m256d log1p(__m256d v) { return _ZGVdN4v_log1p(v); }
};

using D4 = hn::FixedTag<double, 4>;
using V4 = hn::Vec<D4>;

template <Provider P>
V4 apply(Func f, V4 x, V4 y) {
  const D4 d;
  if constexpr (P == Provider::HighwayMath) {
    switch (f) {
      case Func::Add: return hn::Add(x, y);
      case Func::SinExp: return hn::MulAdd(hn::Sin(d, x), y, hn::Exp(d, hn::Neg(hn::Mul(x, x))));
      case Func::TanhLog1p: return hn::Mul(hn::Tanh(d, x), hn::Log1p(d, hn::Mul(x, x)));
    }
  } else {
    using M = Math<P>;
    switch (f) {
      case Func::Add: return hn::Add(x, y);
      case Func::SinExp:
        return hn::MulAdd(V4{M::sin(x.raw)}, y, V4{M::exp(hn::Neg(hn::Mul(x, x)).raw)});
      case Func::TanhLog1p:
        return hn::Mul(V4{M::tanh(x.raw)}, V4{M::log1p(hn::Mul(x, x).raw)});
    }
  }
  return x;
}

template <Provider P>
void run(Func f, const double* x, const double* y, double* out, std::size_t n) {
  const D4 d;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    hn::StoreU(apply<P>(f, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, out + i);
  }
  if (i < n) {  // tail: pad into a full vector
    alignas(32) double bx[4] = {0, 0, 0, 0}, by[4] = {0, 0, 0, 0}, bo[4];
    for (std::size_t k = 0; i + k < n; ++k) {
      bx[k] = x[i + k];
      by[k] = y[i + k];
    }
    hn::Store(apply<P>(f, hn::Load(d, bx), hn::Load(d, by)), d, bo);
    for (std::size_t k = 0; i + k < n; ++k) out[i + k] = bo[k];
  }
}
}  // namespace

void simd_loop(Func f, Provider p, const double* x, const double* y, double* out, std::size_t n) {
  switch (p) {
    case Provider::SleefU10: return run<Provider::SleefU10>(f, x, y, out, n);
    case Provider::SleefU35: return run<Provider::SleefU35>(f, x, y, out, n);
    case Provider::Libmvec: return run<Provider::Libmvec>(f, x, y, out, n);
    case Provider::HighwayMath: return run<Provider::HighwayMath>(f, x, y, out, n);
  }
}

}  // namespace lanes::bench
