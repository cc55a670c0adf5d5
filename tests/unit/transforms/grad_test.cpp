// Reverse mode (vjp, grad, value_and_grad, jacrev, hessian): every differentiable
// primitive against central finite differences in f64, closed forms, the registry walk
// (no primitive lacks a tested VJP rule), second derivatives, per-example gradients,
// control flow, composition with jit and vmap, and the errors.
//
// Tolerance: central differences with h = 1e-6 have a truncation error ~ h^2 f''' and a
// rounding error ~ eps |f| / h ~ 1e-10 |f|; we accept |g - fd| <= 2e-6 * (1 + |fd|).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <string>

#include "engine/primitive.h"
#include "tests/oracle/primitive_cases.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using lanes::testing::expect_error;

using V = const Value&;
constexpr double kH = 1e-6;
constexpr double kTol = 2e-6;

// Primitives whose VJP rule a test below checks; each test marks its primitives at
// namespace scope (static initialization), so the registry test holds in any test order
// and when run alone.
std::set<std::string>& tested() {
  static std::set<std::string> s;
  return s;
}
bool mark_tested(std::initializer_list<const char*> names) {
  for (const char* n : names) tested().insert(n);
  return true;
}

Array rand_array(const Shape& shape, double lo, double hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v;
  for (std::int64_t i = 0; i < shape_size(shape); ++i) v.push_back(u(rng));
  return Array::from(v, shape);
}

double scalar_of(const Outputs& o) { return static_cast<Array>(o).element_as_double(0); }

// Central differences of the scalar f with respect to argument j.
Array numeric_grad(const Fn& f, std::vector<Array> args, std::size_t j) {
  Array x = args[j];
  std::vector<double> g;
  for (std::int64_t i = 0; i < x.size(); ++i) {
    auto at = [&](double d) {
      Array xi = x.copy();
      xi.mutable_data<double>()[static_cast<std::size_t>(i)] += d;
      std::vector<Arg> a(args.begin(), args.end());
      a[j] = xi;
      return scalar_of(f.call(a));
    };
    g.push_back((at(kH) - at(-kH)) / (2 * kH));
  }
  return Array::from(g, x.shape());
}

::testing::AssertionResult close_to(const Array& got, const Array& want, double tol = kTol) {
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) {
    return ::testing::AssertionFailure()
           << "got " << dtype_name(got.dtype()) << shape_to_string(got.shape()) << ", expected "
           << dtype_name(want.dtype()) << shape_to_string(want.shape());
  }
  for (std::int64_t i = 0; i < got.size(); ++i) {
    double a = got.element_as_double(i), b = want.element_as_double(i);
    if (!(std::fabs(a - b) <= tol * (1 + std::fabs(b)))) {
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << a << ", expected " << b;
    }
  }
  return ::testing::AssertionSuccess();
}

// grad of f with respect to every argument against finite differences.
void check_grads(const Fn& f, const std::vector<Array>& args, const std::string& what) {
  std::vector<int> all;
  for (std::size_t j = 0; j < args.size(); ++j) all.push_back(static_cast<int>(j));
  Outputs g = grad(f, all).call(std::vector<Arg>(args.begin(), args.end()));
  ASSERT_EQ(g.size(), args.size()) << what;
  for (std::size_t j = 0; j < args.size(); ++j) {
    EXPECT_TRUE(close_to(g[j], numeric_grad(f, args, j))) << what << ", argument " << j;
  }
}

// --- every row of the tests' primitive table -----------------------------------------
// (tests/oracle/primitive_cases.h): grad against finite differences for the
// differentiable rows on their domains (binary rows also with a rank-0 operand, whose
// cotangent is summed), and <t, vjp(c)> == <jvp(t), c> for every generic row.

[[maybe_unused]] const bool kMarkedTable = [] {
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (r.generic()) tested().insert(r.name);
  }
  return true;
}();

// Weights 0.5, 0.6, ... 1.1, 0.5, ... of a shape, so every output element counts.
Array weights(const Shape& s) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < shape_size(s); ++i)
    v.push_back(0.5 + 0.1 * static_cast<double>(i % 7));
  return Array::from(v, s);
}

// sum_k sum(w_k * y_k) over the float outputs y_k of the example, in f64.
Fn weighted_sum(const testing::Example& e, const std::string& name) {
  return fn_variadic(
      [call = e.call](const std::vector<Value>& in) {
        Value s = Value(0.0);
        for (const Value& y : call(in)) {
          if (!is_float(y.dtype())) continue;
          s = s + lanes::sum(lanes::astype(y, DType::F64) * constant(weights(y.shape())));
        }
        return std::vector<Value>{s};
      },
      name);
}

TEST(Grad, EveryDifferentiableTableRowMatchesFiniteDifferences) {
  std::mt19937 rng(31);
  int checked = 0;
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (!r.generic() || !r.differentiable || !r.accepts(DType::F64)) continue;
    for (const testing::Example& e : testing::examples(r, DType::F64)) {
      SCOPED_TRACE(e.what);
      std::vector<Array> args;
      std::vector<int> argnums;
      for (const testing::Operand& o : e.operands) {
        if (o.dtype == DType::F64) argnums.push_back(static_cast<int>(args.size()));
        args.push_back(testing::random_operand(o, rng));
      }
      Fn f = weighted_sum(e, r.name);
      Outputs g = grad(f, argnums).call(std::vector<Arg>(args.begin(), args.end()));
      ASSERT_EQ(g.size(), argnums.size());
      for (std::size_t k = 0; k < argnums.size(); ++k) {
        auto j = static_cast<std::size_t>(argnums[k]);
        EXPECT_TRUE(close_to(g[k], numeric_grad(f, args, j))) << "argument " << j;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

double dot_floats(const Array& a, const Array& b) {
  double s = 0;
  if (!is_float(a.dtype())) return 0;
  for (std::int64_t i = 0; i < a.size(); ++i) s += a.element_as_double(i) * b.element_as_double(i);
  return s;
}

TEST(Grad, EveryTableRowVjpIsTheTransposeOfItsJvp) {
  std::mt19937 rng(41);
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (!r.generic() || !r.accepts(DType::F64)) continue;
    for (const testing::Example& e : testing::examples(r, DType::F64)) {
      SCOPED_TRACE(e.what);
      std::vector<Arg> x, t;
      for (const testing::Operand& o : e.operands) {
        x.push_back(testing::random_operand(o, rng));
        t.push_back(is_float(o.dtype) ? testing::random_operand({o.dtype, o.shape, {-1, 1}}, rng)
                                      : Array::zeros(o.dtype, o.shape));
      }
      Fn f = fn_variadic(e.call, r.name);
      auto [y, ty] = jvp(f, x, t);
      std::vector<Arg> c;
      for (std::size_t k = 0; k < y.size(); ++k) {
        const Array& yk = y[k];
        c.push_back(is_float(yk.dtype())
                        ? testing::random_operand({yk.dtype(), yk.shape(), {-1, 1}}, rng)
                        : Array::zeros(yk.dtype(), yk.shape()));
      }
      auto [y2, pullback] = vjp(f, x);
      Outputs ct = pullback.call(c);
      ASSERT_EQ(ct.size(), x.size());
      double lhs = 0, rhs = 0;
      for (std::size_t k = 0; k < y.size(); ++k) lhs += dot_floats(ty[k], c[k].array());
      for (std::size_t i = 0; i < x.size(); ++i) rhs += dot_floats(t[i].array(), ct[i]);
      EXPECT_NEAR(lhs, rhs, 1e-12 * (1 + std::fabs(lhs)));
    }
  }
}

TEST(Grad, ClosedForms) {
  Array x = Array::from({0.3, -1.2, 2.0});
  Fn f = fn([](Value x) { return lanes::sum(lanes::sin(x) * x); });
  Array g = grad(f)(x);
  for (std::int64_t i = 0; i < 3; ++i) {
    double v = x.element_as_double(i);
    EXPECT_NEAR(g.element_as_double(i), std::cos(v) * v + std::sin(v), 1e-15);
  }
  Fn h = fn([](Value x) { return lanes::sum(lanes::tanh(x)); });
  Array gh = grad(h)(x);
  for (std::int64_t i = 0; i < 3; ++i) {
    double t = std::tanh(x.element_as_double(i));
    EXPECT_NEAR(gh.element_as_double(i), 1 - t * t, 1e-15);
  }
}

// --- select, convert, ties -----------------------------------------------------------
TEST(Grad, MinMaxSplitTiesEqually) {
  Fn f = fn([](Value a, Value b) { return lanes::sum(lanes::maximum(a, b)); });
  Outputs g = grad(f, {0, 1})(Array::from({1.0, 2.0, 3.0}), Array::from({1.0, 5.0, 0.0}));
  EXPECT_TRUE(testing::arrays_close(g[0], Array::from({0.5, 0.0, 1.0})));
  EXPECT_TRUE(testing::arrays_close(g[1], Array::from({0.5, 1.0, 0.0})));
}

[[maybe_unused]] const bool kMarked2 = mark_tested({"select", "gt"});
TEST(Grad, SelectRoutesTheCotangentToTheChosenOperand) {
  Fn f =
      fn([](Value a, Value b) { return lanes::sum(lanes::where(a > 0.0, a * a, lanes::sin(b))); });
  check_grads(f, {Array::from({-1.5, 0.7, 2.0, -0.3}), Array::from({0.1, 0.2, 0.3, 0.4})},
              "select");
  Outputs g = grad(f, {0, 1})(Array::from({-1.0, 2.0}), Array::from({0.5, 0.5}));
  EXPECT_TRUE(testing::arrays_close(g[0], Array::from({0.0, 4.0})));
  EXPECT_TRUE(testing::arrays_close(g[1], Array::from({std::cos(0.5), 0.0})));
}

[[maybe_unused]] const bool kMarked3 = mark_tested({"convert", "argmax"});
TEST(Grad, ConvertBetweenFloatsPassesTheCotangentAndIntegersGiveZero) {
  Fn f = fn([](Value x) {
    return lanes::sum(lanes::astype(lanes::astype(x, DType::F32), DType::F64) * 3.0);
  });
  EXPECT_TRUE(testing::arrays_close(grad(f)(Array::from({0.25, 1.5})), Array::from({3.0, 3.0})));
  Fn g = fn([](Value x) {
    Value i = lanes::astype(x, DType::I64);
    return lanes::sum(lanes::astype(i * Value(2) + lanes::argmax(x, 0), DType::F64)) +
           lanes::sum(x);
  });
  EXPECT_TRUE(testing::arrays_close(grad(g)(Array::from({0.25, 1.5})), Array::from({1.0, 1.0})));
}

[[maybe_unused]] const bool kMarked4 =
    mark_tested({"floor", "ceil", "round", "sign", "and", "or", "xor", "not", "argmin", "iota",
                 "le", "ge", "ne"});
TEST(Grad, NonDifferentiablePrimitivesGiveZero) {
  Fn f = fn([](Value x) {
    Value r = lanes::floor(x) + lanes::ceil(x) + lanes::round(x) + lanes::sign(x);
    Value bits = lanes::astype(x > 0.0, DType::I64);
    Value logic = (bits & Value(std::int64_t{1})) | (bits ^ Value(std::int64_t{0}));
    Value nb =
        lanes::astype(!(x > 0.0), DType::F64) + lanes::astype((x <= 0.1) != (x >= 0.2), DType::F64);
    Value idx = lanes::astype(lanes::argmin(x, 0), DType::F64) +
                lanes::sum(lanes::astype(lanes::iota(DType::I64, {2}), DType::F64));
    return lanes::sum(r + lanes::astype(logic, DType::F64) + nb) + idx;
  });
  EXPECT_TRUE(testing::arrays_close(grad(f)(Array::from({0.3, -1.7})), Array::from({0.0, 0.0})));
}

// --- shapes, broadcasts, reductions, dot_general --------------------------------------
[[maybe_unused]] const bool kMarked5 =
    mark_tested({"reshape", "transpose", "slice", "concatenate", "broadcast_in_dim"});
TEST(Grad, ShapeOpsMatchFiniteDifferences) {
  Array w6 = rand_array({2, 3}, -1, 1, 8);
  check_grads(fn([w6](Value x) {
                return lanes::sum(lanes::reshape(x, {2, 3}) * Value(w6));
              }),
              {rand_array({6}, -1, 1, 9)}, "reshape");
  Array w234 = rand_array({4, 2, 3}, -1, 1, 10);
  check_grads(fn([w234](Value x) {
                return lanes::sum(lanes::transpose(x, {2, 0, 1}) * Value(w234));
              }),
              {rand_array({2, 3, 4}, -1, 1, 11)}, "transpose");
  Array ws = rand_array({2, 2}, -1, 1, 12);
  check_grads(fn([ws](Value x) {
                return lanes::sum(lanes::slice(x, {1, 0}, {4, 5}, {2, 3}) * Value(ws));
              }),
              {rand_array({5, 6}, -1, 1, 13)}, "slice (strided)");
  Array ws1 = rand_array({3}, -1, 1, 14);
  check_grads(fn([ws1](Value x) { return lanes::sum(lanes::slice(x, {2}, {5}) * Value(ws1)); }),
              {rand_array({7}, -1, 1, 15)}, "slice");
  Array wc = rand_array({2, 5}, -1, 1, 16);
  check_grads(fn([wc](Value a, Value b) {
                return lanes::sum(lanes::concatenate({a, b, a}, 1) * Value(wc));
              }),
              {rand_array({2, 2}, -1, 1, 17), rand_array({2, 1}, -1, 1, 18)}, "concatenate");
  Array wb = rand_array({2, 3, 4}, -1, 1, 19);
  check_grads(fn([wb](Value x) {
                return lanes::sum(lanes::broadcast_in_dim(x, {2, 3, 4}, {1}) * Value(wb));
              }),
              {rand_array({3}, -1, 1, 20)}, "broadcast_in_dim");
  check_grads(fn([wb](Value x) {
                return lanes::sum(lanes::broadcast_in_dim(x, {2, 3, 4}, {0, 2}) * Value(wb));
              }),
              {rand_array({2, 1}, -1, 1, 21)}, "broadcast_in_dim (stretched axis)");
}

[[maybe_unused]] const bool kMarked6 =
    mark_tested({"reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "eq"});
TEST(Grad, ReductionsMatchFiniteDifferencesAndClosedForms) {
  Array w = rand_array({3}, 0.5, 1.5, 22);
  check_grads(fn([w](Value x) { return lanes::sum(lanes::sum(x, {0}) * Value(w)); }),
              {rand_array({2, 3}, -1, 1, 23)}, "reduce_sum");
  check_grads(fn([w](Value x) { return lanes::sum(lanes::prod(x, {0}) * Value(w)); }),
              {rand_array({4, 3}, 0.5, 1.5, 24)}, "reduce_prod");
  check_grads(fn([w](Value x) { return lanes::sum(lanes::max(x, {1}) * Value(w)); }),
              {rand_array({3, 4}, -1, 1, 25)}, "reduce_max");
  check_grads(fn([w](Value x) { return lanes::sum(lanes::min(x, {1}) * Value(w)); }),
              {rand_array({3, 4}, -1, 1, 26)}, "reduce_min");
  // prod with zeros: d/dx_i prod = product of the others.
  Fn p = fn([](Value x) { return lanes::prod(x); });
  EXPECT_TRUE(
      testing::arrays_close(grad(p)(Array::from({2.0, 0.0, 3.0})), Array::from({0.0, 6.0, 0.0})));
  EXPECT_TRUE(
      testing::arrays_close(grad(p)(Array::from({0.0, 0.0, 3.0})), Array::from({0.0, 0.0, 0.0})));
  // max with ties: the cotangent is shared equally.
  Fn m = fn([](Value x) { return lanes::max(x); });
  EXPECT_TRUE(testing::arrays_close(grad(m)(Array::from({1.0, 4.0, 4.0, 2.0})),
                                    Array::from({0.0, 0.5, 0.5, 0.0})));
}

[[maybe_unused]] const bool kMarked7 = mark_tested({"dot_general"});
TEST(Grad, DotGeneralMatchesFiniteDifferences) {
  Array w = rand_array({3, 4}, -1, 1, 27);
  check_grads(fn([w](Value a, Value b) { return lanes::sum(lanes::matmul(a, b) * Value(w)); }),
              {rand_array({3, 2}, -1, 1, 28), rand_array({2, 4}, -1, 1, 29)}, "matmul");
  Array wb = rand_array({2, 3, 4}, -1, 1, 30);
  check_grads(fn([wb](Value a, Value b) {
                return lanes::sum(lanes::dot_general(a, b, {1}, {2}, {0}, {1}) * Value(wb));
              }),
              {rand_array({2, 5, 3}, -1, 1, 31), rand_array({4, 2, 5}, -1, 1, 32)},
              "batched dot_general, rhs contracting last");
  check_grads(fn([](Value a, Value b) { return lanes::dot(a, b); }),
              {rand_array({5}, -1, 1, 33), rand_array({5}, -1, 1, 34)}, "vector dot");
  // Closed form: d/dA sum(A @ B) = ones @ B^T.
  Array a = rand_array({2, 2}, -1, 1, 35), b = Array::from({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Array ga = grad(fn([](Value a, Value b) { return lanes::sum(lanes::matmul(a, b)); }))(a, b);
  EXPECT_TRUE(testing::arrays_close(ga, Array::from({3.0, 7.0, 3.0, 7.0}, {2, 2})));
}

// --- control flow ------------------------------------------------------------------------
[[maybe_unused]] const bool kMarked8 = mark_tested({"cond"});
TEST(Grad, ThroughCond) {
  Fn f = fn([](Value x, Value y) {
    return lanes::cond(
        lanes::sum(x) > 0.0, [](Value a, Value b) { return lanes::sum(a * a * b); },
        [](Value a, Value b) { return lanes::sum(lanes::sin(a) + b); }, x, y);
  });
  check_grads(f, {Array::from({0.5, 1.0}), Array::from({2.0, 3.0})}, "cond true");
  check_grads(f, {Array::from({-0.5, -1.0}), Array::from({2.0, 3.0})}, "cond false");
  Outputs g = grad(f, {0, 1})(Array::from({0.5, 1.0}), Array::from({2.0, 3.0}));
  EXPECT_TRUE(testing::arrays_close(g[0], Array::from({2.0, 6.0})));
  EXPECT_TRUE(testing::arrays_close(g[1], Array::from({0.25, 1.0})));
}

[[maybe_unused]] const bool kMarked9 = mark_tested({"fori_loop"});
TEST(Grad, ThroughForiLoopWithStaticTripCount) {
  // x -> x * (1 + w)^4 with a captured w: d/dx = (1+w)^4, d/dw = 4 x (1+w)^3.
  Fn f = fn([](Value x, Value w) {
    return lanes::sum(lanes::fori_loop(
        0, 4, [w](Value, Value c) { return c * (w + 1.0); }, x));
  });
  check_grads(f, {Array::from({0.5, 2.0}), Array::scalar(0.3)}, "fori_loop");
  Outputs g = grad(f, {0, 1})(Array::from({0.5, 2.0}), Array::scalar(0.3));
  EXPECT_NEAR(g[0].element_as_double(0), std::pow(1.3, 4), 1e-14);
  EXPECT_NEAR(g[1].element_as_double(0), 4 * 2.5 * std::pow(1.3, 3), 1e-13);
  // The loop index as a value in the body.
  Fn h = fn([](Value x) {
    return lanes::fori_loop(
        1, 4, [](Value i, Value c) { return c * lanes::astype(i, DType::F64) + lanes::sin(c); }, x);
  });
  check_grads(h, {Array::scalar(0.7)}, "fori_loop using i");
}

[[maybe_unused]] const bool kMarked10 = mark_tested({"scan"});
TEST(Grad, ThroughScan) {
  // A running product with ys: carry c_{k+1} = c_k * x_k + w, y_k = sin(c_k).
  Fn f = fn([](Value c0, Value xs, Value w) {
    auto [c, ys] = lanes::scan(
        [w](Value c, Value x) { return std::make_pair(c * x + w, lanes::sin(c)); }, c0, xs);
    return c + lanes::sum(ys * ys);
  });
  std::vector<Array> args{Array::scalar(0.4), rand_array({5}, 0.5, 1.2, 36), Array::scalar(0.2)};
  check_grads(f, args, "scan");
  Fn r = fn([](Value c0, Value xs) {
    auto [c, ys] = lanes::scan([](Value c, Value x) { return std::make_pair(c * x, c + x); }, c0,
                               xs, {.reverse = true});
    return c + lanes::sum(ys * ys);
  });
  check_grads(r, {Array::scalar(0.4), rand_array({4}, 0.5, 1.2, 37)}, "reverse scan");
}

[[maybe_unused]] const bool kMarked11 = mark_tested({"while_loop", "lt"});
TEST(Grad, ThroughWhileLoopWithMaxIterations) {
  // Repeated squaring until the value exceeds 10: the trip count depends on x.
  auto make = [](std::int64_t max_iterations) {
    return fn([max_iterations](Value x) {
      return lanes::while_loop([](Value c) { return c < 10.0; },
                               [](Value c) { return c * c + 0.5; }, x,
                               WhileOptions{.max_iterations = max_iterations});
    });
  };
  Fn f = make(8);
  check_grads(f, {Array::scalar(1.3)}, "while_loop");
  check_grads(f, {Array::scalar(2.1)}, "while_loop (fewer iterations)");
  // x = 2.1: 2.1 -> 4.91 -> 24.6081; d = (2 * 4.91) * (2 * 2.1).
  EXPECT_NEAR(static_cast<Array>(grad(f)(2.1)).element_as_double(0), 2 * 4.91 * 2 * 2.1, 1e-12);
  try {
    grad(make(-1))(1.3);
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("max_iterations"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("while_loop"), std::string::npos) << e.what();
  }
}

// --- the registry: every primitive has a tested VJP rule -------------------------------
// Collectives and pmap need replicas: their VJP rules are tested in collective_grad_test.cpp.
[[maybe_unused]] const bool kCollectivesTested =
    mark_tested({"psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index", "pmap"});

TEST(Grad, RegistryEveryPrimitiveHasATestedVjpRule) {
  for (const internal::Primitive* p : internal::all_primitives()) {
    EXPECT_TRUE(p->vjp.is_defined()) << p->name << ": " << p->vjp.reason;
    EXPECT_TRUE(tested().count(p->name)) << p->name << " has no VJP test in grad_test.cpp";
  }
}

// --- higher order, per-example gradients, API ------------------------------------------
TEST(Grad, SecondDerivativeMatchesFiniteDifferencesOfTheGradient) {
  Fn f = fn([](Value x) { return lanes::sin(x) * x * x * x; });
  Fn g = grad(f), gg = grad(grad(f));
  for (double x : {-1.1, 0.4, 2.3}) {
    double fd = (scalar_of(g(x + kH)) - scalar_of(g(x - kH))) / (2 * kH);
    double exact = -std::sin(x) * x * x * x + 6 * std::cos(x) * x * x + 6 * std::sin(x) * x;
    EXPECT_NEAR(scalar_of(gg(x)), fd, kTol * (1 + std::fabs(fd)));
    EXPECT_NEAR(scalar_of(gg(x)), exact, 1e-12 * (1 + std::fabs(exact)));
  }
}

TEST(Grad, PerExampleLogisticRegressionGradients) {
  // loss(w, x, y) = log(1 + exp(-y w.x)); d/dw = -y x sigmoid(-y w.x).
  Fn loss =
      fn([](Value w, Value x, Value y) { return lanes::log1p(lanes::exp(-y * lanes::dot(w, x))); });
  Array w = Array::from({0.5, -0.3, 0.8});
  Array xs = rand_array({6, 3}, -1, 1, 38);
  Array ys = Array::from({1.0, -1.0, 1.0, 1.0, -1.0, -1.0});
  Array g = vmap(grad(loss), {none, 0, 0})(w, xs, ys);
  ASSERT_EQ(g.shape(), (Shape{6, 3}));
  for (std::int64_t b = 0; b < 6; ++b) {
    double m = 0, y = ys.element_as_double(b);
    for (std::int64_t k = 0; k < 3; ++k)
      m += w.element_as_double(k) * xs.element_as_double(b * 3 + k);
    double s = 1 / (1 + std::exp(y * m));
    for (std::int64_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(g.element_as_double(b * 3 + k), -y * xs.element_as_double(b * 3 + k) * s, 1e-15);
    }
  }
}

TEST(Grad, ValueAndGrad) {
  Fn f = fn([](Value x, Value y) { return lanes::sum(x * x * y); });
  Outputs r = value_and_grad(f, {0, 1})(Array::from({1.0, 2.0}), Array::from({3.0, 4.0}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].element_as_double(0), 19.0);
  EXPECT_TRUE(testing::arrays_close(r[1], Array::from({6.0, 16.0})));
  EXPECT_TRUE(testing::arrays_close(r[2], Array::from({1.0, 4.0})));
}

TEST(Grad, VjpPullbackAndJacrevAndHessian) {
  Fn f = fn([](Value x) { return lanes::sin(x) * 2.0; });
  Array x = Array::from({0.1, 0.7});
  auto [outs, pullback] = lanes::vjp(f, {x});
  EXPECT_NEAR(outs[0].element_as_double(1), 2 * std::sin(0.7), 1e-15);
  Array ct = pullback(Array::from({1.0, 10.0}));
  EXPECT_NEAR(ct.element_as_double(0), 2 * std::cos(0.1), 1e-15);
  EXPECT_NEAR(ct.element_as_double(1), 20 * std::cos(0.7), 1e-14);
  Array j = jacrev(f)(x);
  ASSERT_EQ(j.shape(), (Shape{2, 2}));
  EXPECT_NEAR(j.element_as_double(0), 2 * std::cos(0.1), 1e-15);
  EXPECT_EQ(j.element_as_double(1), 0.0);
  EXPECT_EQ(j.element_as_double(2), 0.0);
  EXPECT_NEAR(j.element_as_double(3), 2 * std::cos(0.7), 1e-15);
  // Hessian of sum(x0^2 x1 + x1^3) = [[2 x1, 2 x0], [2 x0, 6 x1]].
  Fn s = fn([](Value x) {
    Value a = lanes::slice(x, {0}, {1}), b = lanes::slice(x, {1}, {2});
    return lanes::sum(a * a * b + b * b * b);
  });
  Array h = hessian(s)(Array::from({1.5, -2.0}));
  EXPECT_TRUE(close_to(h, Array::from({-4.0, 3.0, 3.0, -12.0}, {2, 2}), 1e-13));
}

TEST(Grad, ComposesWithJitAndVmap) {
  Fn f = fn([](Value x) { return lanes::sum(lanes::exp(lanes::sin(x)) * x); });
  Array x = rand_array({9}, -1, 1, 39);
  Array interpreted = grad(f)(x);
  EXPECT_TRUE(testing::arrays_close(jit(grad(f))(x), interpreted, 4));
  EXPECT_TRUE(testing::arrays_close(grad(jit(f))(x), interpreted, 0));
  Array xs = rand_array({4, 9}, -1, 1, 40);
  Array batched = vmap(grad(f))(xs);
  for (std::int64_t b = 0; b < 4; ++b) {
    std::vector<double> row;
    for (std::int64_t k = 0; k < 9; ++k) row.push_back(xs.element_as_double(b * 9 + k));
    Array gb = grad(f)(Array::from(row));
    for (std::int64_t k = 0; k < 9; ++k) {
      EXPECT_NEAR(batched.element_as_double(b * 9 + k), gb.element_as_double(k), 1e-15);
    }
  }
  EXPECT_TRUE(testing::arrays_close(jit(vmap(grad(f)))(xs), batched, 4));
}

TEST(Grad, CallableOnValuesInsideATrace) {
  Fn f = fn([](Value x) { return lanes::sum(x * x * x); });
  Fn outer = fn([f](Value x) { return Value(grad(f)(x)) * 2.0; });
  EXPECT_TRUE(testing::arrays_close(outer(Array::from({1.0, 2.0})), Array::from({6.0, 24.0})));
}

TEST(Grad, Errors) {
  Array x = Array::from({1.0, 2.0});
  Fn vec = fn([](Value x) { return x * 2.0; });
  expect_error<ArgumentError>([&] { grad(vec)(x); }, {"grad", "real scalar", "f64[2]"});
  Fn integer = fn([](Value x) { return lanes::sum(lanes::astype(x, DType::I64)); });
  expect_error<ArgumentError>([&] { grad(integer)(x); }, {"grad", "real scalar", "i64[]"});
  Fn two = fn([](Value x, Value y) { return lanes::sum(x * y); });
  expect_error<ArgumentError>([&] { grad(two, 2)(x, x); }, {"argnums", "2", "out of range"});
  expect_error<ArgumentError>([&] { grad(two, {0, 0})(x, x); }, {"argnums", "twice"});
  expect_error<DTypeError>(
      [&] {
        grad(two, 1)(x, Array::from<std::int64_t>({1, 2}));
      },
      {"grad", "argument 1", "i64"});
  expect_error<ArgumentError>([&] { value_and_grad(vec)(x); }, {"value_and_grad", "f64[2]"});
}

}  // namespace
}  // namespace lanes

namespace lanes {
namespace {

// custom_vjp's reverse mode is tested in custom_vjp_test.cpp (closed forms, finite
// differences, higher orders, vmap and jit).
const bool kAutodiffPrimsTested = mark_tested({"custom_jvp", "custom_vjp", "stop_gradient"});

// grad through custom_jvp uses the user's rule (transposed): softplus'(x) = sigmoid(x)
// stays exact at x = 1000, where differentiating log1p(exp(x)) itself gives NaN.
TEST(Grad, CustomJvpRuleIsUsedInReverseMode) {
  Fn softplus = custom_jvp(fn([](Value x) { return log1p(exp(x)); }), fn([](Value x, Value t) {
                             return std::make_tuple(log1p(exp(x)), t / (1.0 + exp(-x)));
                           }));
  Fn loss = fn([&](Value x) { return sum(softplus(x)); });
  Array x = Array::from({-2.0, 0.0, 3.0, 1000.0});
  Array g = grad(loss)(x);
  for (std::int64_t i = 0; i < 4; ++i) {
    double xi = x.data<double>()[i];
    EXPECT_NEAR(g.data<double>()[i], 1.0 / (1.0 + std::exp(-xi)), 1e-15) << xi;
  }
  EXPECT_TRUE(testing::arrays_close(jit(grad(loss))(x), g, 2));
}

TEST(Grad, StopGradientBlocksCotangents) {
  Array x = Array::from({1.5, -2.0});
  Fn f = fn([](Value v) { return sum(v * stop_gradient(v)); });  // d/dv = stop(v) = v
  EXPECT_TRUE(testing::arrays_close(grad(f)(x), x));
}

}  // namespace
}  // namespace lanes
