// NaN in derivatives: a NaN or infinite partial derivative on a path whose (co)tangent is
// zero. IEEE arithmetic has 0 * NaN = NaN, so the pullback of reverse mode maps a zero
// cotangent through such a partial to NaN, while forward mode drops tangents that are
// symbolically zero and a cond's untaken branch. We follow JAX's convention (0 * NaN =
// NaN, jax-ml/jax#1052; JAX FAQ "Gradients contain NaN where using where"): these tests pin
// what each mode gives, so that a change of convention is deliberate (docs/semantics.md,
// "NaN in derivatives"). Found by grad_fuzz (tests/fuzz/corpus/grad_fuzz/
// nan-through-empty-scan): the graph divides the sum of a zero-length scan output by 0.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>

namespace lanes {
namespace {

// a -> asinh(a) where a > 0, else a * tanh(nan) with nan = sum(x[0:0]) / 0: the false
// branch is not taken at a = 0.5, so f(a) = asinh(a) near 0.5 and f'(0.5) = 1/sqrt(1.25).
Value nan_behind_cond(const Value& a) {
  Value empty = lanes::slice(lanes::broadcast_to(a, {3}), {0}, {0});
  Value nan = lanes::sum(empty) / 0.0;
  Value k = a * lanes::tanh(nan);
  return lanes::cond(
      a > 0.0, [](Value x, Value) { return lanes::asinh(x); }, [](Value, Value y) { return y; }, a,
      k);
}

TEST(NanInDerivatives, ForwardModeIgnoresTheUntakenBranch) {
  Fn f = fn(nan_behind_cond);
  auto [out, tangent] = lanes::jvp(f, {Array::scalar(0.5)}, {Array::scalar(1.0)});
  EXPECT_DOUBLE_EQ(out[0].item<double>(), std::asinh(0.5));
  EXPECT_NEAR(tangent[0].item<double>(), 1 / std::sqrt(1.25), 1e-15);
}

TEST(NanInDerivatives, ReverseModeMultipliesAZeroCotangentByTheNanPartial) {
  Fn f = fn(nan_behind_cond);
  EXPECT_TRUE(std::isnan(grad(f).call({Array::scalar(0.5)})[0].item<double>()));
  EXPECT_TRUE(std::isnan(jit(grad(f)).call({Array::scalar(0.5)})[0].item<double>()));
  // The pullback of a zero cotangent is NaN: the derivative is not a linear map in IEEE
  // arithmetic here, which is why grad_fuzz skips such cases.
  VjpResult vr = lanes::vjp(f, {Array::scalar(0.5)});
  EXPECT_TRUE(std::isnan(vr.pullback.call({Array::scalar(0.0)})[0].item<double>()));
}

TEST(NanInDerivatives, WhereBehavesAsInJaxFaq) {
  // The JAX FAQ ("Gradients contain NaN where using where"): my_log(x) =
  // where(x > 0, log(x), 0) has my_log(0) = 0 but grad(my_log)(0) = NaN, since the
  // untaken log's partial 1/0 = inf meets a zero cotangent; the double-where form,
  // log(where(x > 0, x, 1)), has gradient 0 there.
  Fn my_log = fn([](Value x) { return lanes::where(x > 0.0, lanes::log(x), 0.0); });
  EXPECT_EQ(my_log.call({Array::scalar(0.0)})[0].item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(grad(my_log).call({Array::scalar(0.0)})[0].item<double>()));
  Fn safe_log = fn([](Value x) {
    Value safe_x = lanes::where(x > 0.0, x, lanes::ones_like(x));
    return lanes::where(x > 0.0, lanes::log(safe_x), 0.0);
  });
  EXPECT_EQ(grad(safe_log).call({Array::scalar(0.0)})[0].item<double>(), 0.0);
}

}  // namespace
}  // namespace lanes
