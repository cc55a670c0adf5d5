// Autodiff through collectives and pmap: psum/pmean/all_gather/ppermute transposes,
// pmax's tangent at the winning replica, grad of a pmapped loss with pmean-averaged
// gradients against the single-device gradient of the full batch, and grad/jvp of pmap.
// The objective of grad inside pmap is the sum of every replica's output (psum^T = psum).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;

Array sample(Shape shape, double scale = 1.0) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = std::cos(0.7 * static_cast<double>(i) + 0.3) * scale;
  return Array::from(v, shape);
}

TEST(CollectiveGrad, PsumAndPmeanTransposeToThemselves) {
  const int n = 4;
  Array x = sample({n});
  Fn s = grad(fn([](Value v) { return psum(lanes::sin(v), "i"); }));
  Fn m = grad(fn([](Value v) { return pmean(lanes::sin(v), "i"); }));
  Array gs = pmap(s, "i", 0, 0, cpu_devices(n))(x);
  Array gm = pmap(m, "i", 0, 0, cpu_devices(n))(x);
  for (int r = 0; r < n; ++r) {
    double c = std::cos(x.element_as_double(r));
    EXPECT_NEAR(gs.element_as_double(r), n * c, 1e-14);
    EXPECT_NEAR(gm.element_as_double(r), c, 1e-14);
  }
  // The same function under vmap gives the same gradients.
  EXPECT_TRUE(arrays_close(vmap(s, 0, 0, "i")(x), gs, 2));
}

TEST(CollectiveGrad, PmaxPassesTheTangentOfTheWinningReplica) {
  const int n = 4;
  Array x = Array::from({1.0, 5.0, -2.0, 3.0});
  Array t = Array::from({10.0, 20.0, 30.0, 40.0});
  Fn f = pmap(fn([](Value v) { return pmax(v, "i"); }), "i", 0, 0, cpu_devices(n));
  auto [y, dy] = jvp(f, {x}, {t});
  EXPECT_TRUE(arrays_close(y[0], Array::from({5.0, 5.0, 5.0, 5.0})));
  EXPECT_TRUE(arrays_close(dy[0], Array::from({20.0, 20.0, 20.0, 20.0})));
  Fn g = grad(fn([](Value v) { return pmin(v, "i"); }));
  EXPECT_TRUE(
      arrays_close(pmap(g, "i", 0, 0, cpu_devices(n))(x), Array::from({0.0, 0.0, 4.0, 0.0})));
}

TEST(CollectiveGrad, AllGatherTransposeIsPsumScatter) {
  const int n = 4;
  // Per replica: sum_q c_q x_q with c_q = q + 1; summed over n replicas: n * c_r for x_r.
  Fn f = grad(fn([](Value v) {
    Value c = astype(iota(DType::I32, {4}), DType::F64) + 1.0;
    return sum(all_gather(v, "i") * c);
  }));
  Array g = pmap(f, "i", 0, 0, cpu_devices(n))(sample({n}));
  EXPECT_TRUE(arrays_close(g, Array::from({4.0, 8.0, 12.0, 16.0})));
  Fn tiled = grad(fn([](Value v) {
    Value c = astype(iota(DType::I32, {8}), DType::F64);
    return sum(all_gather(v, "i", 0, true) * c);
  }));
  Array gt = pmap(tiled, "i", 0, 0, cpu_devices(n))(sample({n, 2}));
  for (int k = 0; k < 8; ++k) EXPECT_EQ(gt.element_as_double(k), n * k);
}

TEST(CollectiveGrad, PpermuteTransposeIsTheInversePermutation) {
  const int n = 4;
  // y_r = x_{r-1} * (r + 1): d/dx_q of the sum over replicas is ((q + 1) mod n) + 1.
  Fn f = grad(fn([](Value v) {
    Value w = astype(axis_index("i"), DType::F64) + 1.0;
    return ppermute(v, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}}) * w;
  }));
  Array g = pmap(f, "i", 0, 0, cpu_devices(n))(sample({n}));
  EXPECT_TRUE(arrays_close(g, Array::from({2.0, 3.0, 4.0, 1.0})));
}

// Least squares: loss(w, X, Y) = mean((X w - Y)^2).
Fn least_squares() {
  return fn([](Value w, Value x, Value y) {
    Value r = dot(x, w) - y;
    return mean(r * r);
  });
}

TEST(CollectiveGrad, PmeanOfShardGradientsEqualsTheFullBatchGradient) {
  const int n = 4, per = 5, d = 3;
  Array w = Array::from({0.5, -1.0, 2.0});
  Array x = sample({n, per, d}), y = sample({n, per}, 2.0);
  Fn step = fn([](Value w, Value x, Value y) {
    Values vg = value_and_grad(least_squares())(w, x, y);
    return std::make_tuple(pmean(vg[0], "i"), pmean(vg[1], "i"));
  });
  Outputs out = pmap(step, "i", {none, 0, 0}, 0, cpu_devices(n))(w, x, y);
  Array xf = x.reshaped({n * per, d}), yf = y.reshaped({n * per});
  Outputs full = value_and_grad(least_squares())(w, xf, yf);
  for (int r = 0; r < n; ++r) {
    EXPECT_NEAR(out[0].element_as_double(r), full[0].item<double>(), 1e-13);
    for (int k = 0; k < d; ++k) {
      EXPECT_NEAR(out[1].element_as_double(r * d + k), full[1].element_as_double(k), 1e-13);
      // Every replica holds bitwise the same averaged gradient.
      EXPECT_EQ(out[1].element_as_double(r * d + k), out[1].element_as_double(k));
    }
  }
}

TEST(CollectiveGrad, GradAndJvpOfAPmappedFunction) {
  const int n = 4;
  // f(x)_r = x_r * S with S = sum x; sum_r f(x)_r = S^2, whose gradient is 2S everywhere.
  Fn p = pmap(fn([](Value v) { return v * psum(v, "i"); }), "i", 0, 0, cpu_devices(n));
  Fn total = fn([p](Value v) { return sum(Value(p(v))); });
  Array x = sample({n});
  double s = 0;
  for (int r = 0; r < n; ++r) s += x.element_as_double(r);
  Array g = grad(total)(x);
  for (int r = 0; r < n; ++r) EXPECT_NEAR(g.element_as_double(r), 2 * s, 1e-13);
  EXPECT_TRUE(arrays_close(jit(grad(total))(x), g, 4));
  // jvp with tangent e_0: d(x_r S) = e_0r S + x_r.
  Array t = Array::from({1.0, 0.0, 0.0, 0.0});
  auto [y, dy] = jvp(p, {x}, {t});
  for (int r = 0; r < n; ++r) {
    EXPECT_NEAR(dy[0].element_as_double(r), (r == 0 ? s : 0.0) + x.element_as_double(r), 1e-13);
  }
}

}  // namespace
}  // namespace lanes
