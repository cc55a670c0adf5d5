// lanes::custom_vjp: reverse mode uses the user's fwd/bwd (checked against closed forms
// and finite differences, including where differentiating f itself would give NaN),
// higher orders differentiate fwd and bwd, vmap batches all three functions (mapped and
// unmapped arguments), jit inlines f and agrees with the interpreter, forward mode is
// refused as in JAX, and bad fwd/bwd functions give clear errors.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <tuple>

#include "engine/passes/expand_composites.h"
#include "engine/primitive.h"
#include "frontend/fn_impl.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
using testing::expect_error;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double at(const Array& a, std::int64_t i) { return a.element_as_double(i); }
double scalar(const Outputs& o) { return static_cast<Array>(o).element_as_double(0); }

// log(1 + e^x) whose derivative is sigmoid(x), exact for large x; the residual is x.
Fn softplus() {
  return custom_vjp(fn([](Value x) { return log1p(exp(x)); }, "softplus"),
                    fn([](Value x) { return std::make_tuple(log1p(exp(x)), x); }),
                    fn([](Value x, Value g) { return g / (1.0 + exp(-x)); }));
}

// The identity whose incoming cotangent is clipped to [-1, 1].
Fn clip_gradient() {
  return custom_vjp(fn([](Value x) { return x; }, "clip_gradient"),
                    fn([](Value x) { return std::make_tuple(x); }),
                    fn([](Value g) { return minimum(maximum(g, -1.0), 1.0); }));
}

// softplus(w * x) of two arguments (w a scalar, x any shape): bwd returns a cotangent
// for each, summing w's over the elements of x it was broadcast to.
Fn softplus_wx() {
  return custom_vjp(fn([](Value w, Value x) { return log1p(exp(w * x)); }, "softplus_wx"),
                    fn([](Value w, Value x) { return std::make_tuple(log1p(exp(w * x)), w, x); }),
                    fn([](Value w, Value x, Value g) {
                      Value s = 1.0 / (1.0 + exp(-(w * x)));
                      return std::make_tuple(sum(g * s * x), g * s * w);
                    }));
}

TEST(CustomVjp, EvaluatesTheFunction) {
  Array x = Array::from({-2.0, 0.0, 0.5, 3.0});
  Array y = softplus()(x);
  for (std::int64_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(at(y, i), std::log1p(std::exp(at(x, i))), 1e-15) << i;
  }
  EXPECT_TRUE(arrays_close(jit(softplus())(x), y, 2));
}

// The gradient is bwd's sigmoid(x), also at x = 1000 where differentiating log1p(exp(x))
// gives inf * 0 = NaN.
TEST(CustomVjp, GradUsesBwd) {
  Fn loss = fn([](Value x) { return sum(softplus()(x)); });
  Array x = Array::from({-2.0, 0.0, 3.0, 40.0, 1000.0});
  Array g = grad(loss)(x);
  for (std::int64_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(at(g, i), sigmoid(at(x, i)), 1e-15) << at(x, i);
  }
  Fn plain = fn([](Value v) { return sum(log1p(exp(v))); });
  EXPECT_TRUE(std::isnan(at(grad(plain)(x), 4)));  // why the custom rule exists
  EXPECT_TRUE(arrays_close(jit(grad(loss))(x), g, 2));
}

// bwd changes the gradient: the cotangent 20x reaching clip_gradient is clipped.
TEST(CustomVjp, ClippedGradient) {
  Fn loss = fn([](Value x) { return sum(10.0 * square(clip_gradient()(x))); });
  Array x = Array::from({-1.0, -0.01, 0.02, 3.0});
  EXPECT_DOUBLE_EQ(scalar(loss(x)), 10.0 * (1.0 + 1e-4 + 4e-4 + 9.0));
  Array g = grad(loss)(x);
  const double want[] = {-1.0, -0.2, 0.4, 1.0};
  for (std::int64_t i = 0; i < 4; ++i) EXPECT_NEAR(at(g, i), want[i], 1e-15) << i;
  EXPECT_TRUE(arrays_close(jit(grad(loss))(x), g));
}

// A function using softplus among ordinary ops: closed form and finite differences, for
// both arguments; value_and_grad agrees.
TEST(CustomVjp, GradOfACompositeMatchesClosedFormAndFiniteDifferences) {
  Fn loss = fn([](Value w, Value x) { return sum(softplus_wx()(w, x) * x); });
  const double w = 0.7;
  Array x = Array::from({-1.5, 0.25, 2.0});
  Outputs g = grad(loss, {0, 1})(w, x);
  double dw = 0;
  for (std::int64_t i = 0; i < 3; ++i) {
    double xi = at(x, i), s = sigmoid(w * xi);
    dw += s * xi * xi;
    double dxi = std::log1p(std::exp(w * xi)) + s * w * xi;
    EXPECT_NEAR(at(g[1], i), dxi, 1e-14) << i;
    const double h = 1e-6;
    Array xp = x.copy(), xm = x.copy();
    xp.mutable_data<double>()[i] += h;
    xm.mutable_data<double>()[i] -= h;
    EXPECT_NEAR(at(g[1], i), (scalar(loss(w, xp)) - scalar(loss(w, xm))) / (2 * h), 1e-8);
  }
  EXPECT_NEAR(at(g[0], 0), dw, 1e-14);
  const double h = 1e-6;
  EXPECT_NEAR(at(g[0], 0), (scalar(loss(w + h, x)) - scalar(loss(w - h, x))) / (2 * h), 1e-8);
  Outputs vg = value_and_grad(loss)(w, x);
  EXPECT_DOUBLE_EQ(at(vg[0], 0), scalar(loss(w, x)));
  EXPECT_NEAR(at(vg[1], 0), dw, 1e-14);
  Outputs jg = jit(grad(loss, {0, 1}))(w, x);
  EXPECT_TRUE(arrays_close(jg[0], g[0], 4));
  EXPECT_TRUE(arrays_close(jg[1], g[1], 4));
}

// grad(grad): the second derivative differentiates bwd (g * sigmoid(x) with x the
// residual): sigmoid'(x) = s (1 - s); also through hessian (jacrev of jacrev).
TEST(CustomVjp, SecondDerivativeDifferentiatesBwd) {
  Fn f = fn([](Value x) { return softplus()(x); });
  Fn d2 = grad(grad(f));
  for (double x : {-3.0, 0.0, 0.8, 50.0}) {
    double s = sigmoid(x);
    EXPECT_NEAR(scalar(d2(x)), s * (1 - s), 1e-15) << x;
    const double h = 1e-5;
    double fd = (scalar(grad(f)(x + h)) - scalar(grad(f)(x - h))) / (2 * h);
    EXPECT_NEAR(scalar(d2(x)), fd, 1e-8) << x;
    EXPECT_NEAR(scalar(jit(d2)(x)), s * (1 - s), 1e-15) << x;
  }
  Array xs = Array::from({-1.0, 2.0});
  Array H = hessian(fn([](Value v) { return sum(softplus()(v)); }))(xs);
  ASSERT_EQ(H.shape(), (Shape{2, 2}));
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t j = 0; j < 2; ++j) {
      double s = sigmoid(at(xs, i));
      EXPECT_NEAR(at(H, 2 * i + j), i == j ? s * (1 - s) : 0.0, 1e-15) << i << "," << j;
    }
  }
}

// Residuals that are not inputs, and several outputs of which only one receives a
// cotangent (bwd gets zeros for the other).
TEST(CustomVjp, ComputedResidualsAndSeveralOutputs) {
  Fn sin_sq =
      custom_vjp(fn([](Value x) { return std::make_tuple(sin(x), x * x); }, "sin_sq"),
                 fn([](Value x) { return std::make_tuple(sin(x), x * x, cos(x), 2.0 * x); }),
                 fn([](Value c, Value two_x, Value g1, Value g2) { return g1 * c + g2 * two_x; }));
  Array x = Array::from({0.3, -1.2});
  Array g_first = grad(fn([&](Value v) { return sum(Values(sin_sq(v))[0]); }))(x);
  Array g_both = grad(fn([&](Value v) {
    Values o = sin_sq(v);
    return sum(o[0] + 3.0 * o[1]);
  }))(x);
  for (std::int64_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(at(g_first, i), std::cos(at(x, i)), 1e-15);
    EXPECT_NEAR(at(g_both, i), std::cos(at(x, i)) + 6.0 * at(x, i), 1e-14);
  }
}

// An integer argument beside a float one: bwd returns something for it (here n itself),
// which grad with respect to the float argument ignores.
TEST(CustomVjp, IntegerArgument) {
  Fn scale = custom_vjp(
      fn([](Value x, Value n) { return x * astype(n, DType::F64); }, "scale"),
      fn([](Value x, Value n) { return std::make_tuple(x * astype(n, DType::F64), n); }),
      fn([](Value n, Value g) { return std::make_tuple(g * astype(n, DType::F64), n); }));
  Array x = Array::from({1.0, 2.0});
  Array n = Array::from<std::int32_t>({3, 3});
  Array g = grad(fn([&](Value v, Value k) { return sum(scale(v, k)); }))(x, n);
  EXPECT_EQ(at(g, 0), 3.0);
  EXPECT_EQ(at(g, 1), 3.0);
}

// vmap(grad): per-example gradients against the closed form, jitted too.
TEST(CustomVjp, VmapOfGrad) {
  Fn per = grad(fn([](Value w, Value x) { return softplus_wx()(w, x); }));
  Fn batched = vmap(per, {none, 0});
  Array xs = Array::from({-2.0, 0.5, 1.0, 4.0, 7.0});
  const double w = 1.3;
  Array g = batched(w, xs);
  Array gj = jit(batched)(w, xs);
  ASSERT_EQ(g.shape(), (Shape{5}));
  for (std::int64_t i = 0; i < 5; ++i) {
    double xi = at(xs, i);
    EXPECT_NEAR(at(g, i), sigmoid(w * xi) * xi, 1e-14) << i;
  }
  EXPECT_TRUE(arrays_close(gj, g, 4));
}

// grad(vmap): the batched bwd returns the mapped argument's cotangents along its batch
// axis and sums the unmapped one's over the batch.
TEST(CustomVjp, GradOfVmapWithMappedAndUnmappedArguments) {
  Fn vs = vmap(softplus_wx(), {none, 1});  // x batched along its axis 1
  Fn loss = fn([&](Value w, Value x) { return sum(vs(w, x)); });
  const double w = -0.4;
  Array x = Array::from({0.5, -1.0, 2.0, 3.0, -0.25, 1.5}, {2, 3});  // batch of 3
  Array y = vs(w, x);
  ASSERT_EQ(y.shape(), (Shape{3, 2}));
  Outputs g = grad(loss, {0, 1})(w, x);
  ASSERT_EQ(g[1].shape(), (Shape{2, 3}));
  double dw = 0;
  for (std::int64_t i = 0; i < 6; ++i) {
    double xi = at(x, i), s = sigmoid(w * xi);
    dw += s * xi;
    EXPECT_NEAR(at(g[1], i), s * w, 1e-15) << i;
  }
  EXPECT_NEAR(at(g[0], 0), dw, 1e-14);
  Outputs gj = jit(grad(loss, {0, 1}))(w, x);
  EXPECT_TRUE(arrays_close(gj[0], g[0], 4));
  EXPECT_TRUE(arrays_close(gj[1], g[1], 4));
}

// jit inlines f: no custom_vjp equation reaches lowering.
TEST(CustomVjp, JitInlinesTheFunction) {
  Fn loss = fn([](Value x) { return sum(softplus()(x)); });
  internal::GraphRef g = grad(loss).impl()->graph_for({internal::AbstractValue{DType::F64, {3}}});
  bool has = false;
  for (const internal::Equation& e : g->eqns) has = has || e.prim->name == "custom_vjp";
  EXPECT_TRUE(has);
  internal::Graph lowered = internal::expand_composites(*g);
  for (const internal::Equation& e : lowered.eqns) EXPECT_NE(e.prim->name, "custom_vjp");
}

TEST(CustomVjp, ForwardModeIsAnError) {
  Array x = Array::from({1.0, 2.0});
  expect_error<UnsupportedError>([&] { jvp(softplus(), {x}, {x}); },
                                 {"can't apply forward-mode autodiff (jvp) to a custom_vjp "
                                  "function",
                                  "custom_vjp(softplus)"});
  expect_error<UnsupportedError>([&] { jacfwd(softplus())(x); }, {"custom_vjp(softplus)"});
}

TEST(CustomVjp, BadFwdOrBwdAreReported) {
  Fn f = fn([](Value x) { return std::make_tuple(sin(x), cos(x)); }, "f");
  Fn id_bwd = fn([](Value g1, Value) { return g1; });
  Array x = Array::from({1.0, 2.0});
  expect_error<ArgumentError>([&] { custom_vjp(f, fn([](Value x) { return sin(x); }), id_bwd)(x); },
                              {"custom_vjp(f)", "fwd returns 1 values", "2 outputs"});
  expect_error<ShapeError>(
      [&] {
        custom_vjp(f, fn([](Value x) { return std::make_tuple(sin(x), sum(x)); }), id_bwd)(x);
      },
      {"custom_vjp(f)", "fwd's output 1", "f64[]", "f64[2]"});
  Fn fwd = fn([](Value x) { return std::make_tuple(sin(x), cos(x)); });
  expect_error<ArgumentError>(
      [&] {
        custom_vjp(f, fwd, fn([](Value g1, Value g2) { return std::make_tuple(g1, g2); }))(x);
      },
      {"custom_vjp(f)", "bwd returns 2 cotangents", "one per argument"});
  expect_error<DTypeError>(
      [&] { custom_vjp(f, fwd, fn([](Value g1, Value) { return astype(g1, DType::F32); }))(x); },
      {"custom_vjp(f)", "argument 0", "f32[2]", "f64[2]"});
  expect_error<ArgumentError>([] { custom_vjp(Fn(), Fn(), Fn()); }, {"custom_vjp"});
}

}  // namespace
}  // namespace lanes
