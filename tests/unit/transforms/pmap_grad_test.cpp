// Derivatives of pmap outputs with out_axes = none. Such an output is replica 0's value,
// so its cotangent belongs to replica 0 alone: with a psum inside, every x_j still gets
// g'(x_j) once (not n times); without a collective only x_0 has a gradient. Checked
// against the closed form, central finite differences, and <t, vjp(c)> = <jvp(t), c>,
// for 2 and 4 devices, interpreted and jitted.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;

// g(x) = x sin(x), per element; g'(x) = sin(x) + x cos(x).
Value g(const Value& x) { return x * lanes::sin(x); }
double dg(double x) { return std::sin(x) + x * std::cos(x); }
double g_ref(double x) { return x * std::sin(x); }

enum class Inside { Psum, Pmean, Nothing };

Fn replica_fn(Inside inside) {
  return fn([inside](Value x) {
    switch (inside) {
      case Inside::Psum:
        return psum(g(x), "i");
      case Inside::Pmean:
        return pmean(g(x), "i");
      case Inside::Nothing:
        break;
    }
    return g(x);
  });
}

// loss(x, w) = sum(pmap(f, out_axes = none)(x) * w): x is f64[n, 3], w is f64[3].
Fn loss_fn(Inside inside, int n) {
  Fn p = pmap(replica_fn(inside), "i", 0, none, cpu_devices(n));
  return fn([p](Value x, Value w) { return sum(Value(p(x)) * w); });
}

Array sample(Shape shape, double phase) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = std::cos(0.9 * static_cast<double>(i) + phase) * 1.3;
  return Array::from(v, shape);
}

// The exact gradient of loss with respect to x.
Array closed_form(Inside inside, const Array& x, const Array& w, int n) {
  std::vector<double> out(static_cast<std::size_t>(x.size()), 0.0);
  for (int r = 0; r < n; ++r) {
    for (int k = 0; k < 3; ++k) {
      const double d = dg(x.element_as_double(r * 3 + k)) * w.element_as_double(k);
      double& o = out[static_cast<std::size_t>(r * 3 + k)];
      if (inside == Inside::Psum) o = d;
      if (inside == Inside::Pmean) o = d / n;
      if (inside == Inside::Nothing) o = r == 0 ? d : 0.0;
    }
  }
  return Array::from(out, x.shape());
}

double loss_ref(Inside inside, const std::vector<double>& x, const Array& w, int n) {
  double total = 0;
  for (int k = 0; k < 3; ++k) {
    double y = 0;
    if (inside == Inside::Nothing) {
      y = g_ref(x[static_cast<std::size_t>(k)]);
    } else {
      for (int r = 0; r < n; ++r) y += g_ref(x[static_cast<std::size_t>(r * 3 + k)]);
      if (inside == Inside::Pmean) y /= n;
    }
    total += y * w.element_as_double(k);
  }
  return total;
}

double dot(const Array& a, const Array& b) {
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) s += a.element_as_double(i) * b.element_as_double(i);
  return s;
}

class PmapUnmappedGrad : public ::testing::TestWithParam<std::tuple<Inside, int>> {};

TEST_P(PmapUnmappedGrad, MatchesClosedFormAndFiniteDifferences) {
  const auto [inside, n] = GetParam();
  Array x = sample({n, 3}, 0.2), w = Array::from({0.5, -1.5, 2.0});
  Fn loss = loss_fn(inside, n);
  // The forward value is replica 0's: the loss itself matches the reference.
  std::vector<double> xv(x.data<double>().begin(), x.data<double>().end());
  EXPECT_NEAR(Array(loss(x, w)).element_as_double(0), loss_ref(inside, xv, w, n), 1e-13);

  Array want = closed_form(inside, x, w, n);
  EXPECT_TRUE(arrays_close(grad(loss)(x, w), want, 8, 1e-14));
  EXPECT_TRUE(arrays_close(jit(grad(loss))(x, w), want, 8, 1e-14));

  // Central differences of the reference loss (independent of Lanes).
  const double h = 1e-6;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::vector<double> up = xv, down = xv;
    up[i] += h;
    down[i] -= h;
    const double fd = (loss_ref(inside, up, w, n) - loss_ref(inside, down, w, n)) / (2 * h);
    EXPECT_NEAR(want.element_as_double(static_cast<std::int64_t>(i)), fd, 1e-7) << "x[" << i << "]";
  }
}

TEST_P(PmapUnmappedGrad, VjpIsTheTransposeOfJvp) {
  const auto [inside, n] = GetParam();
  Fn p = pmap(replica_fn(inside), "i", 0, none, cpu_devices(n));
  Array x = sample({n, 3}, 0.4), t = sample({n, 3}, 1.1), c = Array::from({0.3, -0.7, 1.9});
  auto [y, dy] = jvp(p, {x}, {t});
  VjpResult v = vjp(p, {x});
  Array ct = v.pullback(c);
  EXPECT_NEAR(dot(t, ct), dot(dy[0], c), 1e-12);
  // The tangent of an unmapped output is replica 0's tangent too.
  for (int k = 0; k < 3; ++k) {
    double want = 0;
    for (int r = 0; r < n; ++r) {
      const double d = dg(x.element_as_double(r * 3 + k)) * t.element_as_double(r * 3 + k);
      if (inside != Inside::Nothing || r == 0) want += d;
    }
    if (inside == Inside::Pmean) want /= n;
    EXPECT_NEAR(dy[0].element_as_double(k), want, 1e-13);
  }
}

INSTANTIATE_TEST_SUITE_P(InsideAndDevices, PmapUnmappedGrad,
                         ::testing::Combine(::testing::Values(Inside::Psum, Inside::Pmean,
                                                              Inside::Nothing),
                                            ::testing::Values(2, 4)));

// A mapped and an unmapped output of one pmap: each output's cotangent goes where its
// value came from (the mapped one to every replica, the unmapped one to replica 0).
TEST(PmapUnmappedGrad, MixedOutputsOfOnePmap) {
  const int n = 4;
  Fn both = pmap(fn([](Value x) {
                   return std::vector<Value>{g(x), psum(g(x), "i")};
                 }),
                 "i", 0, {0, none}, cpu_devices(n));
  Fn loss = fn([both](Value x) {
    Values o = both(x);
    return sum(o[0]) + 2.0 * sum(o[1]);
  });
  Array x = sample({n, 3}, 0.7);
  std::vector<double> want;
  for (std::int64_t i = 0; i < x.size(); ++i) want.push_back(3.0 * dg(x.element_as_double(i)));
  EXPECT_TRUE(arrays_close(grad(loss)(x), Array::from(want, x.shape()), 8, 1e-14));
}

}  // namespace
}  // namespace lanes
