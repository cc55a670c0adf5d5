// Hand-written peers for the foundation benchmark, compiled with -O3 -march=native.
// A static peer: Highway's static target only (the default policy also wants dynamic
// targets, which Highway 1.0.3 cannot form for AVX3_DL baselines such as -march=native
// on a CPU with AVX-512 and AVX-VNNI), and AVX2 without AES/PCLMUL counts as AVX2 (GCC's
// -march=haswell and x86-64-v3 have neither; the peers use neither).
#define HWY_COMPILE_ONLY_STATIC 1
#define HWY_DISABLE_PCLMUL_AES 1
#include "hand_loops.h"

#include <sleef.h>

#include <cmath>
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

// The hand loops use the host's full vector width, as a programmer targeting
// -march=native would: 8 doubles on AVX-512, 4 on AVX2.
#if HWY_TARGET <= HWY_AVX3
#define LANES_BENCH_LANES 8
using NativeD = __m512d;
#define LANES_SLEEF(fn, acc) Sleef_##fn##d8_##acc##avx512f
#define LANES_MVEC(fn) _ZGVeN8v_##fn
#else
#define LANES_BENCH_LANES 4
using NativeD = __m256d;
#define LANES_SLEEF(fn, acc) Sleef_##fn##d4_##acc##avx2
#define LANES_MVEC(fn) _ZGVdN4v_##fn
#endif

// glibc's vector math (libmvec), in the GNU vector ABI of the native width.
extern "C" {
NativeD LANES_MVEC(sin)(NativeD);
NativeD LANES_MVEC(exp)(NativeD);
NativeD LANES_MVEC(tanh)(NativeD);
NativeD LANES_MVEC(log1p)(NativeD);
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
static_assert(HWY_TARGET == HWY_AVX2 || HWY_TARGET <= HWY_AVX3,
              "the benchmark's hand loops assume an x86 AVX2 or AVX-512 target");

// Vector math of one provider on a native vector of doubles.
template <Provider P>
struct Math;
template <>
struct Math<Provider::SleefU10> {
  static NativeD sin(NativeD v) { return LANES_SLEEF(sin, u10)(v); }
  static NativeD exp(NativeD v) { return LANES_SLEEF(exp, u10)(v); }
  static NativeD tanh(NativeD v) { return LANES_SLEEF(tanh, u10)(v); }
  static NativeD log1p(NativeD v) { return LANES_SLEEF(log1p, u10)(v); }
};
template <>
struct Math<Provider::SleefU35> {
  static NativeD sin(NativeD v) { return LANES_SLEEF(sin, u35)(v); }
  static NativeD exp(NativeD v) { return LANES_SLEEF(exp, u10)(v); }  // no u35 variant
  static NativeD tanh(NativeD v) { return LANES_SLEEF(tanh, u35)(v); }
  static NativeD log1p(NativeD v) { return LANES_SLEEF(log1p, u10)(v); }  // no u35 variant
};
template <>
struct Math<Provider::Libmvec> {
  static NativeD sin(NativeD v) { return LANES_MVEC(sin)(v); }
  static NativeD exp(NativeD v) { return LANES_MVEC(exp)(v); }
  static NativeD tanh(NativeD v) { return LANES_MVEC(tanh)(v); }
  static NativeD log1p(NativeD v) { return LANES_MVEC(log1p)(v); }
};

constexpr std::size_t kLanes = LANES_BENCH_LANES;
using DN = hn::FixedTag<double, kLanes>;
using VN = hn::Vec<DN>;

template <Provider P>
VN apply(Func f, VN x, VN y) {
  const DN d;
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
        return hn::MulAdd(VN{M::sin(x.raw)}, y, VN{M::exp(hn::Neg(hn::Mul(x, x)).raw)});
      case Func::TanhLog1p:
        return hn::Mul(VN{M::tanh(x.raw)}, VN{M::log1p(hn::Mul(x, x).raw)});
    }
  }
  return x;
}

template <Provider P>
void run(Func f, const double* x, const double* y, double* out, std::size_t n) {
  const DN d;
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    hn::StoreU(apply<P>(f, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, out + i);
  }
  if (i < n) {  // tail: pad into a full vector
    alignas(64) double bx[kLanes] = {}, by[kLanes] = {}, bo[kLanes];
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
