// Hand-written Highway Newton sqrt (see comparison_hand_simd.h). Compiled -O3
// -march=native, so Highway's static target is the host's widest (AVX-512 or AVX2).
// A static peer: Highway's static target only (the default policy also wants dynamic
// targets, which Highway 1.0.3 cannot form for AVX3_DL baselines such as -march=native
// on a CPU with AVX-512 and AVX-VNNI), and AVX2 without AES/PCLMUL counts as AVX2 (GCC's
// -march=haswell and x86-64-v3 have neither; the peers use neither).
#define HWY_COMPILE_ONLY_STATIC 1
#define HWY_DISABLE_PCLMUL_AES 1
#include "comparison_hand_simd.h"

#include <hwy/highway.h>

#include <cmath>
#include <cstddef>

#include "comparison_cases.h"

namespace lanes::bench::comparison {
namespace {

namespace hn = hwy::HWY_NAMESPACE;

// Vectors in flight per step: the loop-carried chain (divide, add, multiply) is longer
// than the divider's issue interval, so independent chains fill it.
constexpr std::size_t kChains = 4;

}  // namespace

std::vector<double> newton_hand_simd(const std::vector<double>& a) {
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  using M = hn::Mask<decltype(d)>;
  const std::size_t lanes = hn::Lanes(d), n = a.size(), step_elems = kChains * lanes;
  const V half = hn::Set(d, 0.5), tol = hn::Set(d, kNewtonRelTol);
  std::vector<double> out(n);
  std::size_t i = 0;
  for (; i + step_elems <= n; i += step_elems) {
    V av[kChains], x[kChains];
    M act[kChains];
    for (std::size_t k = 0; k < kChains; ++k) {
      av[k] = hn::LoadU(d, &a[i + k * lanes]);
      x[k] = av[k];
      act[k] = hn::Gt(hn::Abs(av[k]), hn::Mul(tol, av[k]));
    }
    for (;;) {
      M any = act[0];
      for (std::size_t k = 1; k < kChains; ++k) any = hn::Or(any, act[k]);
      if (hn::AllFalse(d, any)) break;
      for (std::size_t k = 0; k < kChains; ++k) {
        const V next = hn::Mul(half, hn::Add(x[k], hn::Div(av[k], x[k])));
        const V step = hn::Sub(next, x[k]);
        x[k] = hn::IfThenElse(act[k], next, x[k]);
        act[k] = hn::And(act[k], hn::Gt(hn::Abs(step), hn::Mul(tol, next)));
      }
    }
    for (std::size_t k = 0; k < kChains; ++k) hn::StoreU(x[k], d, &out[i + k * lanes]);
  }
  for (; i < n; ++i) {
    double x = a[i], step = a[i];
    while (std::fabs(step) > kNewtonRelTol * x) {
      const double next = 0.5 * (x + a[i] / x);
      step = next - x;
      x = next;
    }
    out[i] = x;
  }
  return out;
}

}  // namespace lanes::bench::comparison
