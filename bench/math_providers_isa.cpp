// Times every vector-math provider at one vector size: SLEEF u10/u35, glibc libmvec and
// Highway contrib math (liblanes' lanes_hwy_* exports). Compiled three times, with
// LANES_BENCH_BYTES = 16, 32, 64 and the matching -m flags (bench/CMakeLists.txt); the
// templates live in an anonymous namespace so the three copies never mix at link time.
#include <immintrin.h>
#include <sleef.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

#include "bench/math_providers.h"

#define LB_CAT2(a, b) a##b
#define LB_CAT(a, b) LB_CAT2(a, b)

#if LANES_BENCH_BYTES == 16
using VD = __m128d;
using VF = __m128;
#define LB_ND 2
#define LB_NF 4
#define LB_SLEEF_ISA sse4
#define LB_MVEC b
#define LB_ENTRY time_providers_sse4
#elif LANES_BENCH_BYTES == 32
using VD = __m256d;
using VF = __m256;
#define LB_ND 4
#define LB_NF 8
#define LB_SLEEF_ISA avx2
#define LB_MVEC d
#define LB_ENTRY time_providers_avx2
#define LB_HAVE_HWY 1
#else
using VD = __m512d;
using VF = __m512;
#define LB_ND 8
#define LB_NF 16
#define LB_SLEEF_ISA avx512f
#define LB_MVEC e
#define LB_ENTRY time_providers_avx512
#define LB_HAVE_HWY 1
#endif

// Symbol names: Sleef_sind4_u35avx2, _ZGVdN4v_sin, _ZGVdN8v_sinf, lanes_hwy_sin_d4.
#define LB_SLEEF_D(fn, u) LB_CAT(LB_CAT(LB_CAT(LB_CAT(Sleef_##fn##d, LB_ND), _), u), LB_SLEEF_ISA)
#define LB_SLEEF_F(fn, u) LB_CAT(LB_CAT(LB_CAT(LB_CAT(Sleef_##fn##f, LB_NF), _), u), LB_SLEEF_ISA)
#define LB_MVEC_D(fn, v) LB_CAT(LB_CAT(LB_CAT(LB_CAT(_ZGV, LB_MVEC), N), LB_ND), v##_##fn)
#define LB_MVEC_F(fn, v) LB_CAT(LB_CAT(LB_CAT(LB_CAT(_ZGV, LB_MVEC), N), LB_NF), v##_##fn##f)
#define LB_HWY_D(fn) LB_CAT(lanes_hwy_##fn##_d, LB_ND)
#define LB_HWY_F(fn) LB_CAT(lanes_hwy_##fn##_f, LB_NF)

// The functions, with the range their inputs are drawn from (the same as the tests').
// X(name, lo, hi); SLEEF u10 (u15 for erfc) and libmvec exist for all of them.
#define LB_UNARY_U35(X)                                                                 \
  X(cbrt, -100, 100)                                                                    \
  X(exp2, -50, 50) X(log, 1e-3, 1e4) X(log2, 1e-3, 1e4) X(sin, -20, 20) X(cos, -20, 20) \
      X(tan, -1.5, 1.5) X(asin, -1, 1) X(acos, -1, 1) X(atan, -50, 50) X(sinh, -20, 20) \
          X(cosh, -20, 20) X(tanh, -5, 5)
#define LB_UNARY_U10_ONLY(X)                                                                   \
  X(exp, -50, 50)                                                                              \
  X(expm1, -5, 5) X(log10, 1e-3, 1e4) X(log1p, -0.9, 100) X(asinh, -100, 100) X(acosh, 1, 100) \
      X(atanh, -0.99, 0.99) X(erf, -4, 4)
#define LB_HWY(X)                                                                            \
  X(sin, -20, 20)                                                                            \
  X(cos, -20, 20) X(exp, -50, 50) X(expm1, -5, 5) X(log, 1e-3, 1e4) X(log2, 1e-3, 1e4)       \
      X(log10, 1e-3, 1e4) X(log1p, -0.9, 100) X(asin, -1, 1) X(acos, -1, 1) X(atan, -50, 50) \
          X(asinh, -100, 100) X(acosh, 1, 100) X(atanh, -0.99, 0.99) X(sinh, -20, 20)        \
              X(tanh, -5, 5)

// libmvec and liblanes' Highway functions have no header: declare them.
#define LB_DECL_MVEC(fn, lo, hi)      \
  extern "C" VD LB_MVEC_D(fn, v)(VD); \
  extern "C" VF LB_MVEC_F(fn, v)(VF);
LB_UNARY_U35(LB_DECL_MVEC)
LB_UNARY_U10_ONLY(LB_DECL_MVEC)
LB_DECL_MVEC(erfc, 0, 0)
extern "C" VD LB_MVEC_D(pow, vv)(VD, VD);
extern "C" VF LB_MVEC_F(pow, vv)(VF, VF);
extern "C" VD LB_MVEC_D(atan2, vv)(VD, VD);
extern "C" VF LB_MVEC_F(atan2, vv)(VF, VF);
#ifdef LB_HAVE_HWY
#define LB_DECL_HWY(fn, lo, hi)   \
  extern "C" VD LB_HWY_D(fn)(VD); \
  extern "C" VF LB_HWY_F(fn)(VF);
LB_HWY(LB_DECL_HWY)
#endif

namespace lanes::bench {
namespace {

constexpr int kN = 1024;  // elements per pass: in + out stay in L1
constexpr int kPasses = 64;
constexpr int kSamples = 9;

template <class T>
std::vector<T> inputs(double lo, double hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(kN);
  for (T& e : v) e = static_cast<T>(u(rng));
  return v;
}

// Median over samples of ns per element of out[i..i+N) = f(x[i..], y[i..]).
template <class V, class T, class F>
double time_loop(const std::vector<T>& x, const std::vector<T>& y, F f) {
  constexpr int n = sizeof(V) / sizeof(T);
  alignas(64) static T out[kN];
  std::vector<double> samples;
  for (int s = 0; s < kSamples; ++s) {
    auto t0 = std::chrono::steady_clock::now();
    for (int p = 0; p < kPasses; ++p) {
      for (int i = 0; i < kN; i += n) {
        V a, b;
        std::memcpy(&a, x.data() + i, sizeof(V));
        std::memcpy(&b, y.data() + i, sizeof(V));
        V r = f(a, b);
        std::memcpy(out + i, &r, sizeof(V));
      }
      asm volatile("" : : "r"(out) : "memory");  // keep every pass
    }
    auto t1 = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (kN * kPasses));
  }
  std::sort(samples.begin(), samples.end());
  return samples[kSamples / 2];
}

struct Recorder {
  std::vector<ProviderTiming>& out;
  template <class V, class T, class F>
  void unary(const char* fn, const char* provider, double ulp, double lo, double hi, F f) {
    auto x = inputs<T>(lo, hi, 1);
    double ns = time_loop<V, T>(x, x, [f](V a, V) { return f(a); });
    out.push_back({fn, sizeof(T) == 4 ? "f32" : "f64", LANES_BENCH_BYTES, provider, ulp, ns});
  }
  template <class V, class T, class F>
  void binary(const char* fn, const char* provider, double ulp, double lo, double hi, F f) {
    auto x = inputs<T>(lo, hi, 1), y = inputs<T>(lo, hi, 2);
    double ns = time_loop<V, T>(x, y, f);
    out.push_back({fn, sizeof(T) == 4 ? "f32" : "f64", LANES_BENCH_BYTES, provider, ulp, ns});
  }
};

}  // namespace

void LB_ENTRY(std::vector<ProviderTiming>& out) {
  Recorder r{out};
#define LB_TIME_U10(fn, lo, hi)                                            \
  r.unary<VD, double>(#fn, "sleef_u10", 1.0, lo, hi, LB_SLEEF_D(fn, u10)); \
  r.unary<VF, float>(#fn, "sleef_u10", 1.0, lo, hi, LB_SLEEF_F(fn, u10));  \
  r.unary<VD, double>(#fn, "libmvec", 4.0, lo, hi, LB_MVEC_D(fn, v));      \
  r.unary<VF, float>(#fn, "libmvec", 4.0, lo, hi, LB_MVEC_F(fn, v));
#define LB_TIME_U35(fn, lo, hi)                                            \
  LB_TIME_U10(fn, lo, hi)                                                  \
  r.unary<VD, double>(#fn, "sleef_u35", 3.5, lo, hi, LB_SLEEF_D(fn, u35)); \
  r.unary<VF, float>(#fn, "sleef_u35", 3.5, lo, hi, LB_SLEEF_F(fn, u35));
  LB_UNARY_U35(LB_TIME_U35)
  LB_UNARY_U10_ONLY(LB_TIME_U10)
  r.unary<VD, double>("erfc", "sleef_u15", 1.5, -2, 8, LB_SLEEF_D(erfc, u15));
  r.unary<VF, float>("erfc", "sleef_u15", 1.5, -2, 8, LB_SLEEF_F(erfc, u15));
  r.unary<VD, double>("erfc", "libmvec", 4.0, -2, 8, LB_MVEC_D(erfc, v));
  r.unary<VF, float>("erfc", "libmvec", 4.0, -2, 8, LB_MVEC_F(erfc, v));
#define LB_TIME_BINARY(fn, lo, hi)                                          \
  r.binary<VD, double>(#fn, "sleef_u10", 1.0, lo, hi, LB_SLEEF_D(fn, u10)); \
  r.binary<VF, float>(#fn, "sleef_u10", 1.0, lo, hi, LB_SLEEF_F(fn, u10));  \
  r.binary<VD, double>(#fn, "libmvec", 4.0, lo, hi, LB_MVEC_D(fn, vv));     \
  r.binary<VF, float>(#fn, "libmvec", 4.0, lo, hi, LB_MVEC_F(fn, vv));
  LB_TIME_BINARY(pow, 0.1, 8)
  LB_TIME_BINARY(atan2, -5, 5)
  r.binary<VD, double>("atan2", "sleef_u35", 3.5, -5, 5, LB_SLEEF_D(atan2, u35));
  r.binary<VF, float>("atan2", "sleef_u35", 3.5, -5, 5, LB_SLEEF_F(atan2, u35));
#ifdef LB_HAVE_HWY
#define LB_TIME_HWY(fn, lo, hi)                               \
  r.unary<VD, double>(#fn, "hwy", 4.0, lo, hi, LB_HWY_D(fn)); \
  r.unary<VF, float>(#fn, "hwy", 4.0, lo, hi, LB_HWY_F(fn));
  LB_HWY(LB_TIME_HWY)
#endif
}

}  // namespace lanes::bench
