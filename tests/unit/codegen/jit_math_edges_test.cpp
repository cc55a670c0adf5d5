// Math at the edge of overflow through the public API (issue 20): jit(exp) just below
// ln(DBL_MAX) = 709.782712893384 is finite, as eager is (SLEEF's exp returned inf from
// 709.78271114955743), at every forced width in both precisions; and logistic, which jit
// expands to 1 / (1 + exp(-x)), follows it there. The whole-domain and edge sweeps per
// function are in vector_math_test.cpp; this checks the user-visible path.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace lanes {
namespace {

TEST(JitMathEdges, ExpAndLogisticNearOverflowMatchEager) {
  // The window, its ends, and points past the true overflow (inf there).
  const std::vector<double> xs = {709.7827111495576,
                                  709.78271200,
                                  709.782712,
                                  709.7827128933839,
                                  709.78271289338397,
                                  709.782712893384,
                                  709.7827128933841,
                                  709.79,
                                  710.0,
                                  -745.13321910194122,
                                  -745.2,
                                  -708.5};
  // 37 copies: full vectors and the scalar tail at every width.
  std::vector<double> in;
  for (double x : xs) in.insert(in.end(), 37, x);
  std::vector<double> neg(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) neg[i] = -in[i];
  const Array x = Array::from(in), mx = Array::from(neg);
  Fn e = fn([](Value v) { return exp(v); });
  Fn l = fn([](Value v) { return logistic(v); });
  const Array want_e = e(x), want_l = l(mx);
  for (Precision p : {Precision::Precise, Precision::Fast}) {
    for (int w : {1, 2, 4, 8, 16}) {
      JitOptions o;
      o.precision = p;
      o.vector_width = w;
      const Array got_e = jit(e, o)(x), got_l = jit(l, o)(mx);
      for (std::size_t i = 0; i < in.size(); i += 37) {
        SCOPED_TRACE("x " + std::to_string(in[i]) + " width " + std::to_string(w) +
                     (p == Precision::Fast ? " fast" : " precise"));
        const double ge = got_e.data<double>()[i], we = want_e.data<double>()[i];
        EXPECT_EQ(std::isinf(ge), std::isinf(we)) << ge << " vs " << we;
        // 1 ULP (Precise) / 4 ULP (Fast) of exp; logistic adds two roundings.
        const double ulps = p == Precision::Precise ? 1.01 : 4.01;
        if (std::isfinite(we)) {
          EXPECT_LE(std::fabs(ge - we), ulps * 0x1p-52 * we) << ge;
        }
        const double gl = got_l.data<double>()[i], wl = want_l.data<double>()[i];
        EXPECT_EQ(gl == 0, wl == 0) << gl << " vs " << wl;
        EXPECT_LE(std::fabs(gl - wl),
                  (ulps + 2) * 0x1p-52 * wl + std::numeric_limits<double>::denorm_min())
            << gl << " vs " << wl;
      }
    }
  }
}

}  // namespace
}  // namespace lanes
