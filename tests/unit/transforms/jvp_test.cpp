// Forward-mode autodiff: jvp against central finite differences in f64 for every
// primitive of the registry, closed forms, second derivatives (jvp of jvp), jacfwd,
// stop_gradient, custom_jvp, control flow, compositions with jit and vmap, and errors.
//
// Finite differences: (f(x + h t) - f(x - h t)) / 2h with h = 1e-6, whose error is
// O(h^2 f''') + O(eps / h) ~ 1e-10 for the smooth functions on the domains below; a
// tangent must agree within 1e-6 * (1 + |fd|) (cases say when they need otherwise).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "engine/interpreter.h"
#include "engine/jit_pipeline.h"
#include "engine/primitive.h"
#include "engine/trace.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/primitive_cases.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using lanes::testing::expect_error;

using internal::Params;
using Ints = std::vector<std::int64_t>;
using Body = std::function<std::vector<Value>(const std::vector<Value>&)>;

using Domain = testing::Domain;  // default [-2, 2]

// Uniform on dom (integers rounded down, bools above the middle).
Array random_array(DType dtype, const Shape& shape, Domain dom, std::mt19937& rng) {
  return testing::random_operand({dtype, shape, dom}, rng);
}

// x + s * t elementwise (computed in double, rounded once to x's dtype).
Array axpy(const Array& x, double s, const Array& t) {
  Array r = Array::empty(x.dtype(), x.shape());
  visit_dtype(x.dtype(), [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(r.raw());
    for (std::int64_t i = 0; i < x.size(); ++i) {
      p[i] = static_cast<T>(x.element_as_double(i) + s * t.element_as_double(i));
    }
  });
  return r;
}

struct Operand {
  DType dtype;
  Shape shape;
};
struct Case {
  std::string prim;
  std::vector<Operand> operands;
  Body body;
  Domain domain{};
  double h = 1e-6;
  double tol = 1e-6;
  std::vector<Domain> domains{};  // per operand (table cases); empty: `domain` for all
};

Body bind_prim(const std::string& prim, Params params = {}) {
  return [prim, params](const std::vector<Value>& in) {
    return internal::bind(internal::primitive(prim), in, params);
  };
}

Value newton_sqrt(Value a) {
  auto [x, it] = while_loop(
      [a](std::tuple<Value, Value> c) {
        return abs(std::get<0>(c) * std::get<0>(c) - a) > 1e-13 * a;
      },
      [a](std::tuple<Value, Value> c) {
        Value x = std::get<0>(c);
        return std::make_tuple(0.5 * (x + a / x), std::get<1>(c) + 1);
      },
      std::make_tuple(Value(1.0), Value(0)));
  (void)it;
  return x;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  const Operand f3{DType::F64, {3}}, f0{DType::F64, {}};
  // Every generic row of the tests' primitive table, on its domains.
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    for (const testing::Example& e : testing::transform_examples(r)) {
      cases.push_back(testing::to_case<Case>(r.name, e));
    }
  }
  // Beyond the table: neg and abs on negative values and on i64.
  for (const char* n : {"neg", "abs"}) {
    cases.push_back({n, {f3}, bind_prim(n), {-2, -0.1}});
    cases.push_back({n, {{DType::I64, {2}}}, bind_prim(n), {-5, 5}});
  }
  // f64 -> f32 -> f64 is linear up to f32 rounding: a wide step keeps that rounding small.
  cases.push_back({"convert",
                   {f3},
                   [](const std::vector<Value>& in) {
                     return std::vector<Value>{astype(astype(in[0], DType::F32), DType::F64)};
                   },
                   {},
                   1e-2,
                   1e-5});
  cases.push_back(
      {"concatenate",
       {{DType::F64, {2, 3}}, {DType::I64, {1, 3}}},
       [](const std::vector<Value>& in) {
         // The second operand has a zero tangent (an integer made float).
         return std::vector<Value>{concatenate({sin(in[0]), astype(in[1], DType::F64)}, 0)};
       }});
  cases.push_back({"cond", {f0, f3}, [](const std::vector<Value>& in) {
                     return std::vector<Value>{cond(
                         in[0] > 0.0, [](Value v) { return v * v; },
                         [y = in[0]](Value v) { return sin(v) * y; }, in[1])};
                   }});
  cases.push_back({"cond",
                   {{DType::I64, {}}, f3, f0},
                   [](const std::vector<Value>& in) {
                     Value y = in[2];
                     std::vector<std::function<Value(Value)>> fs{[](Value v) { return v; },
                                                                 [y](Value v) { return v * y; },
                                                                 [](Value v) { return exp(v); }};
                     return std::vector<Value>{switch_(in[0], fs, in[1])};
                   },
                   {-1, 4}});
  cases.push_back(
      {"while_loop",
       {f0},
       [](const std::vector<Value>& in) { return std::vector<Value>{newton_sqrt(in[0])}; },
       {0.5, 50},
       1e-6,
       1e-5});
  // The tangent of x enters the carry only through the body (the init is zero).
  cases.push_back(
      {"while_loop",
       {{DType::I64, {}}, f3},
       [](const std::vector<Value>& in) {
         Value x = in[1];
         auto [i, acc] =
             while_loop([k = in[0]](std::tuple<Value, Value> c) { return std::get<0>(c) < k; },
                        [x](std::tuple<Value, Value> c) {
                          return std::make_tuple(std::get<0>(c) + 1, std::get<1>(c) * 0.5 + sin(x));
                        },
                        std::make_tuple(Value(std::int64_t{0}), zeros_like(x)));
         return std::vector<Value>{i, acc};
       },
       {1, 5}});
  cases.push_back({"fori_loop", {f3, f0}, [](const std::vector<Value>& in) {
                     Value y = in[1];
                     return std::vector<Value>{fori_loop(
                         0, 4,
                         [y](Value i, Value acc) { return sin(acc) * y + astype(i, DType::F64); },
                         in[0])};
                   }});
  cases.push_back(
      {"scan", {{DType::F64, {4, 2}}, {DType::F64, {2}}}, [](const std::vector<Value>& in) {
         Value w = in[1];
         auto [c, ys] =
             scan([w](Value c, Value x) { return std::make_pair(c * w + sin(x), sum(c * x)); },
                  zeros_like(w), in[0]);
         return std::vector<Value>{c, ys};
       }});
  cases.push_back({"scan", {f0}, [](const std::vector<Value>& in) {
                     Value a = in[0];
                     auto [c, ys] = scan([a](Value c) { return std::make_pair(c * a, c + 1.0); },
                                         Value(1.0), no_xs, {.length = 3, .reverse = true});
                     return std::vector<Value>{c, ys};
                   }});
  return cases;
}

struct Sample {
  std::vector<Arg> primals, tangents;
};

Sample sample(const Case& c, std::mt19937& rng) {
  Sample s;
  std::uniform_real_distribution<double> u(-1, 1);
  for (const Operand& o : c.operands) {
    const Domain d = c.domains.empty() ? c.domain : c.domains[s.primals.size()];
    s.primals.push_back(random_array(o.dtype, o.shape, d, rng));
    Array t = Array::zeros(o.dtype, o.shape);
    if (is_float(o.dtype)) t = random_array(o.dtype, o.shape, {-1, 1}, rng);
    s.tangents.push_back(t);
  }
  return s;
}

// jvp(f) against central differences; integer and bool outputs must have zero tangents.
// Counts the float elements compared in `compared`.
void check_against_fd(const Fn& f, const Sample& s, double h, double tol, int& compared) {
  auto [y, ty] = jvp(f, s.primals, s.tangents);
  std::vector<Arg> plus, minus;
  for (std::size_t i = 0; i < s.primals.size(); ++i) {
    plus.push_back(axpy(s.primals[i].array(), h, s.tangents[i].array()));
    minus.push_back(axpy(s.primals[i].array(), -h, s.tangents[i].array()));
  }
  Outputs yp = f.call(plus), ym = f.call(minus), y0 = f.call(s.primals);
  ASSERT_EQ(ty.size(), y0.size());
  for (std::size_t k = 0; k < y0.size(); ++k) {
    SCOPED_TRACE("output " + std::to_string(k));
    EXPECT_TRUE(testing::arrays_close(y[k], y0[k]));  // the primal output is f's
    ASSERT_EQ(ty[k].dtype(), y0[k].dtype());
    ASSERT_EQ(ty[k].shape(), y0[k].shape());
    for (std::int64_t i = 0; i < ty[k].size(); ++i) {
      double got = ty[k].element_as_double(i);
      if (!is_float(y0[k].dtype())) {
        EXPECT_EQ(got, 0.0) << "element " << i;
        continue;
      }
      double fd = (yp[k].element_as_double(i) - ym[k].element_as_double(i)) / (2 * h);
      EXPECT_NEAR(got, fd, tol * (1 + std::fabs(fd))) << "element " << i;
      ++compared;
    }
  }
}

TEST(Jvp, EveryPrimitiveAgainstFiniteDifferences) {
  std::mt19937 rng(2024);
  std::set<std::string> covered;
  int compared = 0;
  for (const Case& c : all_cases()) {
    Fn f = fn_variadic(c.body, c.prim);
    for (int trial = 0; trial < 3; ++trial) {
      SCOPED_TRACE(c.prim + " trial " + std::to_string(trial));
      try {
        check_against_fd(f, sample(c, rng), c.h, c.tol, compared);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "threw: " << e.what();
      }
    }
    covered.insert(c.prim);
  }
  EXPECT_GT(compared, 1000);  // the table really compares derivatives
  // Tested by hand below: their derivatives are not those of the function they evaluate.
  covered.insert("stop_gradient");  // Jvp.StopGradient
  covered.insert("custom_jvp");     // Jvp.CustomJvpSoftplus
  covered.insert("custom_vjp");     // forward mode is an error: CustomVjp.ForwardModeIsAnError
  // Collectives and pmap need replicas: collective_grad_test.cpp tests their JVPs.
  for (const char* n :
       {"psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index", "pmap"}) {
    covered.insert(n);
  }
  for (const internal::Primitive* p : internal::all_primitives()) {
    EXPECT_TRUE(p->jvp.is_defined()) << p->name << " has no JVP rule: " << p->jvp.reason;
    EXPECT_TRUE(covered.count(p->name)) << p->name << " has no JVP test case";
  }
}

// jit(jvp_fn(f)) equals jvp_fn(f) interpreted, for every case.
TEST(Jvp, JitOfJvpEqualsInterpreterForEveryCase) {
  std::mt19937 rng(77);
  for (const Case& c : all_cases()) {
    Fn f = fn_variadic(c.body, c.prim);
    Sample s = sample(c, rng);
    std::vector<Arg> args = s.primals;
    args.insert(args.end(), s.tangents.begin(), s.tangents.end());
    SCOPED_TRACE(c.prim);
    try {
      Outputs want = jvp_fn(f).call(args);
      Outputs got = jit(jvp_fn(f)).call(args);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t k = 0; k < want.size(); ++k) {
        EXPECT_TRUE(testing::arrays_close(got[k], want[k], 8, 1e-13)) << "output " << k;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

// --- closed forms ----------------------------------------------------------------------

double tangent_of(const Fn& f, std::vector<Arg> x, std::vector<Arg> t, std::size_t k = 0) {
  return jvp(f, x, t).second[k].item<double>();
}

TEST(Jvp, ClosedForms) {
  const double x = 0.7, y = -1.3;
  auto close = [](double got, double want) {
    EXPECT_NEAR(got, want, 1e-15 * (1 + std::fabs(want)));
  };
  close(tangent_of(fn([](Value v) { return sin(v); }), {x}, {1.0}), std::cos(x));
  close(tangent_of(fn([](Value v) { return exp(v); }), {x}, {2.0}), 2 * std::exp(x));
  double th = std::tanh(x);
  close(tangent_of(fn([](Value v) { return tanh(v); }), {x}, {1.0}), 1 - th * th);
  Fn p = fn([](Value a, Value b) { return pow(a, b); });
  close(tangent_of(p, {x, 2.5}, {1.0, 0.0}), 2.5 * std::pow(x, 1.5));
  close(tangent_of(p, {x, 2.5}, {0.0, 1.0}), std::log(x) * std::pow(x, 2.5));
  // d/da a^b at a = 0: b a^(b-1) for b > 1, 0 for b = 0 (JAX's convention).
  close(tangent_of(p, {0.0, 3.0}, {1.0, 0.0}), 0.0);
  close(tangent_of(p, {0.0, 0.0}, {1.0, 0.0}), 0.0);
  Fn at = fn([](Value a, Value b) { return atan2(a, b); });
  close(tangent_of(at, {y, x}, {1.0, 0.0}), x / (x * x + y * y));
  close(tangent_of(at, {y, x}, {0.0, 1.0}), -y / (x * x + y * y));
  // dot: d(a . b) = ta . b + a . tb
  Array a = Array::from({1.0, 2.0, 3.0}), b = Array::from({-1.0, 0.5, 2.0});
  Array ta = Array::from({0.5, 0.0, 1.0}), tb = Array::from({1.0, 1.0, -1.0});
  Fn d = fn([](Value u, Value v) { return dot(u, v); });
  close(tangent_of(d, {a, b}, {ta, tb}), (0.5 * -1 + 1.0 * 2) + (1 - 1.0 * 0 + 2 - 3));
  // prod with a zero element: the product of the others, exactly.
  Fn pr = fn([](Value v) { return prod(v); });
  close(tangent_of(pr, {Array::from({0.0, 2.0, 3.0})}, {Array::from({1.0, 0.0, 0.0})}), 6.0);
  // max with a tie: half of each tangent.
  Fn mx = fn([](Value u, Value v) { return maximum(u, v); });
  close(tangent_of(mx, {1.0, 1.0}, {1.0, 0.0}), 0.5);
}

TEST(Jvp, IntegerInputsHaveZeroTangents) {
  Fn f = fn([](Value x, Value n) { return x * astype(n, DType::F64); });
  auto [y, ty] = jvp(f, {Array::scalar(2.0), Array::scalar<std::int64_t>(3)},
                     {Array::scalar(1.0), Array::scalar<std::int64_t>(5)});
  EXPECT_EQ(y[0].item<double>(), 6.0);
  EXPECT_EQ(ty[0].item<double>(), 3.0);  // n's tangent is ignored
}

// --- higher order and jacobians -----------------------------------------------------------

TEST(Jvp, SecondDerivativeByJvpOfJvp) {
  Fn f = fn([](Value x) { return sin(x) * x * x; });
  auto d1 = [](double x) { return std::cos(x) * x * x + 2 * x * std::sin(x); };
  auto d2 = [](double x) { return -std::sin(x) * x * x + 4 * x * std::cos(x) + 2 * std::sin(x); };
  Fn df = jvp_fn(f);  // (x, t) -> (f, f' t)
  for (double x : {-1.5, 0.3, 2.0}) {
    auto [y, ty] = jvp(df, {x, 1.0}, {1.0, 0.0});
    EXPECT_NEAR(y[1].item<double>(), d1(x), 1e-14);
    EXPECT_NEAR(ty[1].item<double>(), d2(x), 1e-13);
    const double h = 1e-6;
    double fd = (df(x + h, 1.0)[1].item<double>() - df(x - h, 1.0)[1].item<double>()) / (2 * h);
    EXPECT_NEAR(ty[1].item<double>(), fd, 1e-6 * (1 + std::fabs(fd)));
  }
  // The same nested inside a traced function, with jvp on Values.
  Fn second = fn([f](Value x) {
    Fn first = fn([f](Value z) { return Value(jvp(f, {z}, {Value(1.0)}).second); });
    return Value(jvp(first, {x}, {Value(1.0)}).second);
  });
  EXPECT_NEAR(static_cast<Array>(second(0.3)).item<double>(), d2(0.3), 1e-13);
  EXPECT_NEAR(static_cast<Array>(jit(second)(0.3)).item<double>(), d2(0.3), 1e-12);
}

TEST(Jvp, JacfwdOfAVectorFunction) {
  // f(v) = sin(v) * sum(v): J_ij = delta_ij cos(v_i) S + sin(v_i)
  Fn f = fn([](Value v) { return sin(v) * sum(v); });
  std::vector<double> v{0.3, -1.0, 2.0};
  double s = 1.3;
  Array J = jacfwd(f)(Array::from(v));
  ASSERT_EQ(J.shape(), (Shape{3, 3}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double want = (i == j ? std::cos(v[i]) * s : 0.0) + std::sin(v[i]);
      EXPECT_NEAR(J.data<double>()[i * 3 + j], want, 1e-15) << i << "," << j;
    }
  }
  EXPECT_TRUE(testing::arrays_close(jit(jacfwd(f))(Array::from(v)), J, 4, 1e-15));
  // A matrix argument (argnums = 1): d(W c)_i / dW_kj = delta_ik c_j, shape [2] + [2,3].
  Fn mv = fn([](Value c, Value W) { return dot(W, c); });
  Array c = Array::from({1.0, 2.0, 3.0});
  Array JW = jacfwd(mv, 1)(c, Array::zeros(DType::F64, {2, 3}));
  ASSERT_EQ(JW.shape(), (Shape{2, 2, 3}));
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < 3; ++j)
        EXPECT_EQ(JW.data<double>()[(i * 2 + k) * 3 + j], i == k ? c.data<double>()[j] : 0.0);
}

// --- stop_gradient and custom_jvp ---------------------------------------------------------

TEST(Jvp, StopGradient) {
  Fn f = fn([](Value x) { return x * stop_gradient(x); });
  Array x = Array::from({1.5, -2.0});
  auto [y, ty] = jvp(f, {x}, {Array::from({1.0, 1.0})});
  EXPECT_TRUE(testing::arrays_close(y[0], Array::from({2.25, 4.0})));
  EXPECT_TRUE(testing::arrays_close(ty[0], Array::from({1.5, -2.0})));  // x, not 2x
  EXPECT_TRUE(testing::arrays_close(jit(f)(x), y[0]));
  EXPECT_TRUE(testing::arrays_close(vmap(f)(x), y[0]));
  EXPECT_TRUE(testing::arrays_close(jit(jvp_fn(f))(x, Array::from({1.0, 1.0}))[1], ty[0]));
  // The graph jit compiles has no stop_gradient left (it fuses straight through).
  internal::Graph g = internal::optimize_graph(*f.impl()->graph_for({internal::aval_of(x)}));
  for (const internal::Equation& e : g.eqns) EXPECT_NE(e.prim->name, "stop_gradient");
  // Reverse mode: no cotangent reaches stop_gradient's operand.
  EXPECT_TRUE(testing::arrays_close(
      grad(fn([](Value v) { return sum(stop_gradient(v) * 3.0); }))(x), Array::from({0.0, 0.0})));
  EXPECT_TRUE(
      testing::arrays_close(grad(fn([](Value v) { return sum(v * stop_gradient(v)); }))(x), x));
}

Fn softplus_with_rule() {
  return custom_jvp(fn([](Value x) { return log1p(exp(x)); }, "softplus"), fn([](Value x, Value t) {
                      return std::make_tuple(log1p(exp(x)), t / (1.0 + exp(-x)));
                    }));
}

TEST(Jvp, CustomJvpSoftplus) {
  Fn naive = fn([](Value x) { return log1p(exp(x)); });
  Fn sp = softplus_with_rule();
  // At x = 1000 exp overflows: autodiff of the formula gives inf/inf = NaN, the rule 1.
  EXPECT_TRUE(std::isnan(tangent_of(naive, {1000.0}, {1.0})));
  EXPECT_EQ(tangent_of(sp, {1000.0}, {1.0}), 1.0);
  EXPECT_EQ(tangent_of(sp, {1000.0}, {3.0}), 3.0);
  for (double x : {-3.0, 0.0, 2.5}) {
    EXPECT_NEAR(tangent_of(sp, {x}, {1.0}), 1 / (1 + std::exp(-x)), 1e-16);
    EXPECT_NEAR(static_cast<Array>(sp(x)).item<double>(), std::log1p(std::exp(x)), 1e-16);
  }
  // Second derivative: the rule is differentiated: sigmoid' = s (1 - s).
  double s = 1 / (1 + std::exp(-0.5));
  auto [y, ty] = jvp(jvp_fn(sp), {0.5, 1.0}, {1.0, 0.0});
  EXPECT_NEAR(ty[1].item<double>(), s * (1 - s), 1e-15);
  // jit inlines the primal graph; vmap batches both graphs.
  Array xs = Array::from({-1.0, 0.0, 1000.0});
  Array want = Array::from({std::log1p(std::exp(-1.0)), std::log(2.0), HUGE_VAL});
  EXPECT_TRUE(testing::arrays_close(sp(xs), want));
  EXPECT_TRUE(testing::arrays_close(jit(sp)(xs), want, 4));
  EXPECT_TRUE(testing::arrays_close(vmap(sp)(Array::from({-1.0, 0.0})),
                                    Array::from({std::log1p(std::exp(-1.0)), std::log(2.0)})));
  Outputs vt = vmap(jvp_fn(sp))(xs, Array::ones(DType::F64, {3}));
  EXPECT_EQ(vt[1].data<double>()[2], 1.0);
  EXPECT_NEAR(vt[1].data<double>()[0], 1 / (1 + std::exp(1.0)), 1e-16);
  EXPECT_EQ(jit(jvp_fn(sp))(1000.0, 1.0)[1].item<double>(), 1.0);
}

// --- control flow ---------------------------------------------------------------------------

TEST(Jvp, ThroughCondForiWhileAndScan) {
  Fn c = fn([](Value x) {
    return cond(
        x > 0.0, [](Value v) { return v * v; }, [](Value v) { return sin(v); }, x);
  });
  EXPECT_NEAR(tangent_of(c, {1.5}, {1.0}), 3.0, 1e-15);
  EXPECT_NEAR(tangent_of(c, {-0.5}, {1.0}), std::cos(-0.5), 1e-15);
  Fn pow5 = fn([](Value x) {
    return fori_loop(
        0, 5, [x](Value, Value acc) { return acc * x; }, 1.0);
  });
  EXPECT_NEAR(tangent_of(pow5, {1.3}, {1.0}), 5 * std::pow(1.3, 4), 1e-13);
  Fn sq = fn([](Value a) { return newton_sqrt(a); });
  for (double a : {0.25, 2.0, 100.0}) {
    EXPECT_NEAR(tangent_of(sq, {a}, {1.0}), 1 / (2 * std::sqrt(a)), 1e-12 / std::sqrt(a)) << a;
  }
  // scan: c_{k+1} = c_k sin(x_k), c_0 = 1: d c_n / d x_j = cot(x_j) c_n.
  Fn sc = fn([](Value xs) {
    auto [cn, ys] = scan([](Value c, Value x) { return std::make_pair(c * sin(x), c); }, 1.0, xs);
    return cn;
  });
  std::vector<double> xs{0.5, 1.0, 2.0};
  double prod = std::sin(0.5) * std::sin(1.0) * std::sin(2.0);
  for (int j = 0; j < 3; ++j) {
    std::vector<double> t(3, 0.0);
    t[static_cast<std::size_t>(j)] = 1.0;
    double want = std::cos(xs[static_cast<std::size_t>(j)]) /
                  std::sin(xs[static_cast<std::size_t>(j)]) * prod;
    EXPECT_NEAR(tangent_of(sc, {Array::from(xs)}, {Array::from(t)}), want, 1e-15) << j;
  }
}

// --- compositions -------------------------------------------------------------------------

TEST(Jvp, ComposesWithJitAndVmap) {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  std::mt19937 rng(5);
  Array x = random_array(DType::F64, {5}, {}, rng), y = random_array(DType::F64, {5}, {}, rng);
  Array tx = random_array(DType::F64, {5}, {}, rng), ty = random_array(DType::F64, {5}, {}, rng);
  Outputs want = jvp_fn(f)(x, y, tx, ty);
  // Closed form of the tangent.
  for (int i = 0; i < 5; ++i) {
    double a = x.data<double>()[i], b = y.data<double>()[i];
    double d = (std::cos(a) * b - 2 * a * std::exp(-a * a)) * tx.data<double>()[i] +
               std::sin(a) * ty.data<double>()[i];
    EXPECT_NEAR(want[1].data<double>()[i], d, 1e-15);
  }
  Outputs got = jit(jvp_fn(f))(x, y, tx, ty);
  EXPECT_TRUE(testing::arrays_close(got[0], want[0], 4));
  EXPECT_TRUE(testing::arrays_close(got[1], want[1], 4, 1e-15));
  // vmap(jvp_fn(f)) of a per-element f equals jvp of the vmapped f, and per-element calls.
  Fn fs = fn([](Value a, Value b) { return sin(a) * b + exp(-a * a); });
  Outputs vm = vmap(jvp_fn(fs))(x, y, tx, ty);
  EXPECT_TRUE(testing::arrays_close(vm[1], want[1], 2));
  EXPECT_TRUE(testing::arrays_close(jvp(vmap(fs), {x, y}, {tx, ty}).second[0], want[1], 2));
  EXPECT_TRUE(testing::arrays_close(jit(vmap(jvp_fn(fs)))(x, y, tx, ty)[1], want[1], 4, 1e-15));
  EXPECT_TRUE(testing::arrays_close(jvp(jit(f), {x, y}, {tx, ty}).second[0], want[1], 2));
  for (int i = 0; i < 5; ++i) {
    double e = jvp_fn(fs)(x.data<double>()[i], y.data<double>()[i], tx.data<double>()[i],
                          ty.data<double>()[i])[1]
                   .item<double>();
    EXPECT_EQ(vm[1].data<double>()[i], e);
  }
}

// --- errors -----------------------------------------------------------------------------

TEST(Jvp, Errors) {
  Fn f = fn([](Value x, Value y) { return x * y; }, "mul2");
  Array a3 = Array::from({1.0, 2.0, 3.0}), a2 = Array::from({1.0, 2.0});
  Array f32 = Array::from({1.0f, 2.0f, 3.0f});
  expect_error<DTypeError>(
      [&] {
        jvp(f, {a3, a3}, {a3, f32});
      },
      {"jvp(mul2)", "tangent 1 is f32[3] but primal 1 is f64[3]"});
  expect_error<ShapeError>(
      [&] {
        jvp(f, {a3, a3}, {a2, a3});
      },
      {"jvp(mul2)", "tangent 0 is f64[2] but primal 0 is f64[3]"});
  expect_error<ArgumentError>(
      [&] {
        jvp(f, {a3, a3}, {a3});
      },
      {"jvp: got 2 primals but 1 tangent"});
  expect_error<ArgumentError>([&] { jvp(f, {a3}, {a3}); }, {"mul2", "expects 2 arguments"});
  expect_error<ArgumentError>([&] { jvp_fn(f)(a3, a3, a3); }, {"jvp(mul2)", "expects 4"});
  expect_error<ArgumentError>([&] { jacfwd(f, 2)(a3, a3); },
                              {"jacfwd(mul2)", "argnums 2 is out of range"});
  expect_error<DTypeError>([&] { jacfwd(fn([](Value n) { return n * 2; }))(Array::arange(3)); },
                           {"jacfwd", "argument 0 is i64[3]", "float"});
  Fn bad = custom_jvp(fn([](Value x) { return sin(x); }, "s"),
                      fn([](Value x, Value t) { return sin(x) + t; }));
  expect_error<ArgumentError>([&] { bad(1.0); }, {"custom_jvp(s)", "returns 1 values"});
  Fn bad2 = custom_jvp(fn([](Value x) { return sin(x); }, "s"), fn([](Value x, Value t) {
                         return std::make_tuple(sin(x), astype(t, DType::F32));
                       }));
  expect_error<DTypeError>([&] { bad2(1.0); }, {"tangent of output 0 is f32[]"});
  expect_error<ArgumentError>([&] { jvp_fn(Fn{}); }, {"empty"});
}

}  // namespace
}  // namespace lanes
