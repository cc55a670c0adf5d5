// The elementwise DSL ops through eager lanes::fn calls (traced, then interpreted):
// results against <cmath>, jnp-style dtype conventions, where, logical ops and errors.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <string>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
using testing::ulp_distance;

TEST(ElementwiseDsl, SinTimesYPlusExpOnArrays) {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  Array xs = Array::linspace(-2, 2, 9);
  Array ys = Array::linspace(1, 3, 9);
  Array r = f(xs, ys);
  ASSERT_EQ(r.dtype(), DType::F64);
  for (std::int64_t i = 0; i < 9; ++i) {
    double x = xs.data<double>()[i], y = ys.data<double>()[i];
    EXPECT_EQ(r.data<double>()[i], std::sin(x) * y + std::exp(-x * x)) << i;
  }
  // f32 stays f32; with a scalar y.
  Array xf = Array::from(std::vector<float>{0.25f, -1.5f});
  Array rf = f(xf, 2.0);
  ASSERT_EQ(rf.dtype(), DType::F32);
  for (int i = 0; i < 2; ++i) {
    float x = xf.data<float>()[i];
    float s = static_cast<float>(std::sin(static_cast<double>(x))) * 2.0f;
    float e = static_cast<float>(std::exp(static_cast<double>(-x * x)));
    EXPECT_EQ(rf.data<float>()[i], s + e);
  }
}

struct DslUnary {
  const char* name;
  std::function<Value(const Value&)> op;
  std::function<double(double)> ref;
};

TEST(ElementwiseDsl, EveryUnaryOpMatchesCmath) {
  const std::vector<DslUnary> cases = {
      {"neg", [](const Value& x) { return neg(x); }, [](double x) { return -x; }},
      {"abs", [](const Value& x) { return abs(x); }, [](double x) { return std::fabs(x); }},
      {"sign", [](const Value& x) { return sign(x); },
       [](double x) { return x > 0   ? 1.0
                             : x < 0 ? -1.0
                                     : x; }},
      {"sqrt", [](const Value& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); }},
      {"rsqrt", [](const Value& x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }},
      {"cbrt", [](const Value& x) { return cbrt(x); }, [](double x) { return std::cbrt(x); }},
      {"exp", [](const Value& x) { return exp(x); }, [](double x) { return std::exp(x); }},
      {"exp2", [](const Value& x) { return exp2(x); }, [](double x) { return std::exp2(x); }},
      {"expm1", [](const Value& x) { return expm1(x); }, [](double x) { return std::expm1(x); }},
      {"log", [](const Value& x) { return log(x); }, [](double x) { return std::log(x); }},
      {"log2", [](const Value& x) { return log2(x); }, [](double x) { return std::log2(x); }},
      {"log10", [](const Value& x) { return log10(x); }, [](double x) { return std::log10(x); }},
      {"log1p", [](const Value& x) { return log1p(x); }, [](double x) { return std::log1p(x); }},
      {"sin", [](const Value& x) { return sin(x); }, [](double x) { return std::sin(x); }},
      {"cos", [](const Value& x) { return cos(x); }, [](double x) { return std::cos(x); }},
      {"tan", [](const Value& x) { return tan(x); }, [](double x) { return std::tan(x); }},
      {"asin", [](const Value& x) { return asin(x); }, [](double x) { return std::asin(x); }},
      {"acos", [](const Value& x) { return acos(x); }, [](double x) { return std::acos(x); }},
      {"atan", [](const Value& x) { return atan(x); }, [](double x) { return std::atan(x); }},
      {"sinh", [](const Value& x) { return sinh(x); }, [](double x) { return std::sinh(x); }},
      {"cosh", [](const Value& x) { return cosh(x); }, [](double x) { return std::cosh(x); }},
      {"tanh", [](const Value& x) { return tanh(x); }, [](double x) { return std::tanh(x); }},
      {"asinh", [](const Value& x) { return asinh(x); }, [](double x) { return std::asinh(x); }},
      {"acosh", [](const Value& x) { return acosh(x); }, [](double x) { return std::acosh(x); }},
      {"atanh", [](const Value& x) { return atanh(x); }, [](double x) { return std::atanh(x); }},
      {"erf", [](const Value& x) { return erf(x); }, [](double x) { return std::erf(x); }},
      {"erfc", [](const Value& x) { return erfc(x); }, [](double x) { return std::erfc(x); }},
      {"floor", [](const Value& x) { return floor(x); }, [](double x) { return std::floor(x); }},
      {"ceil", [](const Value& x) { return ceil(x); }, [](double x) { return std::ceil(x); }},
      {"round", [](const Value& x) { return round(x); }, [](double x) { return std::round(x); }},
      {"square", [](const Value& x) { return square(x); }, [](double x) { return x * x; }},
  };
  const std::vector<double> in = {-2.5, -0.75, -0.0, 0.3, 0.5, 1.0, 1.7, 4.0};
  Array xs = Array::from(in);
  for (const DslUnary& c : cases) {
    Array r = fn([&](Value x) { return c.op(x); })(xs);
    ASSERT_EQ(r.dtype(), DType::F64) << c.name;
    for (std::size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(ulp_distance(r.data<double>()[i], c.ref(in[i])), 0u)
          << c.name << "(" << in[i] << ")";
    }
  }
}

TEST(ElementwiseDsl, FloatFunctionsPromoteIntsToF64AndRoundingKeepsInts) {
  Array i = Array::from(std::vector<std::int32_t>{1, 4, 9});
  Array s = fn([](Value x) { return sqrt(x); })(i);
  EXPECT_TRUE(arrays_close(s, Array::from(std::vector<double>{1, 2, 3})));
  Array a = fn([](Value y, Value x) { return atan2(y, x); })(i, i);
  ASSERT_EQ(a.dtype(), DType::F64);
  EXPECT_LE(ulp_distance(a.data<double>()[0], std::atan(1.0)), 1u);
  Array b = fn([](Value x) { return exp(x); })(Array::from(std::vector<bool>{true, false}));
  EXPECT_TRUE(arrays_close(b, Array::from(std::vector<double>{std::exp(1.0), 1.0})));
  Array fl = fn([](Value x) { return floor(x) + ceil(x) + round(x); })(i);
  EXPECT_TRUE(arrays_close(fl, Array::from(std::vector<std::int32_t>{3, 12, 27})));
  // A weak int literal through a float function gives a weak f64.
  bool weak = false;
  DType dt = DType::I32;
  fn([&](Value x) {
    Value y = sin(Value(2));
    weak = y.weak_type();
    dt = y.dtype();
    return x;
  })(1.0);
  EXPECT_TRUE(weak);
  EXPECT_EQ(dt, DType::F64);
}

TEST(ElementwiseDsl, BinaryOpsAndOperators) {
  Array a = Array::from(std::vector<std::int32_t>{7, -7, 5, 2});
  Array b = Array::from(std::vector<std::int32_t>{2, 2, 0, 10});
  Outputs o = fn([](Value x, Value y) {
    return std::make_tuple(x / y, x % y, pow(y, Value(3)), minimum(x, y), maximum(x, y), x - y);
  })(a, b);
  EXPECT_TRUE(arrays_close(o[0], Array::from(std::vector<std::int32_t>{3, -3, -1, 0})));
  EXPECT_TRUE(arrays_close(o[1], Array::from(std::vector<std::int32_t>{1, -1, 5, 2})));
  EXPECT_TRUE(arrays_close(o[2], Array::from(std::vector<std::int32_t>{8, 8, 0, 1000})));
  EXPECT_TRUE(arrays_close(o[3], Array::from(std::vector<std::int32_t>{2, -7, 0, 2})));
  EXPECT_TRUE(arrays_close(o[4], Array::from(std::vector<std::int32_t>{7, 2, 5, 10})));
  EXPECT_TRUE(arrays_close(o[5], Array::from(std::vector<std::int32_t>{5, -9, 5, -8})));
  Array x = Array::from(std::vector<double>{1.0, 2.0, 3.0});
  Outputs c = fn([](Value v) {
    return std::make_tuple(v<2.0, v <= 2.0, v> 2.0, v >= 2.0, v == 2.0, v != 2.0);
  })(x);
  auto bools = [](std::vector<bool> v) { return Array::from(v); };
  EXPECT_TRUE(arrays_close(c[0], bools({1, 0, 0})));
  EXPECT_TRUE(arrays_close(c[1], bools({1, 1, 0})));
  EXPECT_TRUE(arrays_close(c[2], bools({0, 0, 1})));
  EXPECT_TRUE(arrays_close(c[3], bools({0, 1, 1})));
  EXPECT_TRUE(arrays_close(c[4], bools({0, 1, 0})));
  EXPECT_TRUE(arrays_close(c[5], bools({1, 0, 1})));
}

TEST(ElementwiseDsl, LogicalOpsOnBoolsAndInts) {
  auto bools = [](std::vector<bool> v) { return Array::from(v); };
  Array p = bools({0, 0, 1, 1}), q = bools({0, 1, 0, 1});
  Outputs o = fn([](Value a, Value b) {
    return std::make_tuple(a && b, a || b, a ^ b, !a, a + b, a * b, maximum(a, b));
  })(p, q);
  EXPECT_TRUE(arrays_close(o[0], bools({0, 0, 0, 1})));
  EXPECT_TRUE(arrays_close(o[1], bools({0, 1, 1, 1})));
  EXPECT_TRUE(arrays_close(o[2], bools({0, 1, 1, 0})));
  EXPECT_TRUE(arrays_close(o[3], bools({1, 1, 0, 0})));
  EXPECT_TRUE(arrays_close(o[4], bools({0, 1, 1, 1})));  // jnp: bool + bool is or
  EXPECT_TRUE(arrays_close(o[5], bools({0, 0, 0, 1})));
  EXPECT_TRUE(arrays_close(o[6], bools({0, 1, 1, 1})));
  Array i = Array::from(std::vector<std::int64_t>{12, -1});
  Array bits = fn([](Value a) { return (a & 10) | (~a ^ 1); })(i);
  EXPECT_TRUE(arrays_close(
      bits, Array::from(std::vector<std::int64_t>{(12 & 10) | (~12 ^ 1), (-1 & 10) | (~-1 ^ 1)})));
  EXPECT_THROW(fn([](Value a) { return logical_and(a, a); })(Array::from(std::vector<double>{1})),
               DTypeError);
  EXPECT_THROW(fn([](Value a, Value b) { return a - b; })(p, q), DTypeError);
}

TEST(ElementwiseDsl, WhereBroadcastsAndPromotes) {
  Fn relu = fn([](Value x) { return where(x > 0.0, x, 0.0); });
  EXPECT_TRUE(arrays_close(relu(Array::from(std::vector<float>{-1.5f, 0.0f, 2.5f})),
                           Array::from(std::vector<float>{0.0f, 0.0f, 2.5f})));
  // pred [3,1], a [4], b scalar -> [3,4].
  Fn g = fn([](Value p, Value a) { return where(p, a, -1); });
  Array pred = Array::from(std::vector<bool>{true, false, true}, {3, 1});
  Array a = Array::from(std::vector<std::int32_t>{1, 2, 3, 4});
  Array r = g(pred, a);
  EXPECT_TRUE(arrays_close(
      r, Array::from(std::vector<std::int32_t>{1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4}, {3, 4})));
  try {
    fn([](Value x) { return where(x, x, x); })(Array::from(std::vector<double>{1}));
    FAIL() << "expected DTypeError";
  } catch (const DTypeError& e) {
    EXPECT_NE(std::string(e.what()).find("where: the predicate (operand 0) must be bool, got f64"),
              std::string::npos)
        << e.what();
  }
}

TEST(ElementwiseDsl, Astype) {
  Array x = Array::from(std::vector<double>{2.7, -2.7, std::nan("")});
  Outputs o = fn([](Value v) {
    return std::make_tuple(astype(v, DType::I32), astype(v, DType::Bool), astype(v, DType::F32));
  })(x);
  EXPECT_TRUE(arrays_close(o[0], Array::from(std::vector<std::int32_t>{2, -2, 0})));
  EXPECT_TRUE(arrays_close(o[1], Array::from(std::vector<bool>{true, true, true})));
  EXPECT_EQ(o[2].dtype(), DType::F32);
  EXPECT_EQ(o[2].data<float>()[0], 2.7f);
}

// logistic (jax.nn.sigmoid / lax.logistic). Expected values are 1 / (1 + e^-x), as
// jax.nn.sigmoid gives them: sigmoid(1) = 0.7310585786300049, sigmoid(-1) =
// 0.2689414213699951, sigmoid(10) = 0.9999546021312976; its derivative y (1 - y) is 0.25 at
// 0 and 0.19661193324148185 at 1. Far out it saturates to 0 and 1 without NaN.
TEST(ElementwiseDsl, LogisticEagerJitAndGrad) {
  Array x = Array::from({0.0, 1.0, -1.0, 10.0, -800.0, 800.0});
  const std::vector<double> want = {0.5, 0.7310585786300049, 0.2689414213699951,
                                    0.9999546021312976, 0.0, 1.0};
  Fn f = fn([](Value v) { return logistic(v); });
  Array eager = f(x), jitted = jit(f)(x);
  for (const Array* r : {&eager, &jitted}) {
    ASSERT_EQ(r->dtype(), DType::F64);
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_LE(ulp_distance(r->data<double>()[i], want[i]), 2u) << i;
    }
  }
  Fn df = grad(fn([](Value v) { return logistic(v); }));
  EXPECT_EQ(df(Array::scalar(0.0)).data<double>()[0], 0.25);
  EXPECT_LE(ulp_distance(jit(df)(Array::scalar(1.0)).data<double>()[0], 0.19661193324148185), 2u);
  // Integers promote to f64, as the other float functions.
  Array from_int = f(Array::from(std::vector<std::int32_t>{0}));
  EXPECT_EQ(from_int.dtype(), DType::F64);
}

TEST(ElementwiseDsl, ErrorsNameTheOp) {
  try {
    fn([](Value x, Value y) { return x + y; })(Array::zeros(DType::F64, {3}),
                                               Array::zeros(DType::F64, {4}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("add: operand shapes [3], [4] cannot be broadcast"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(fn([](Value x) { return neg(x); })(Array::from(std::vector<bool>{true})),
               DTypeError);
  EXPECT_THROW(sin(Value(1.0)), TraceError);
}

}  // namespace
}  // namespace lanes
