// Reference implementations of the elementwise_unary and elementwise_binary primitives,
// checked against <cmath> (f64 exactly; f32 against the float <cmath> overloads within
// 1 ulp and against the double function rounded once), hand-computed values, special values
// (±0, ±inf, NaN, subnormals) and the integer corner cases of docs/semantics.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>

#include "tests/unit/primitive_eval_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::eval1;
using testing::eval2;
using testing::eval_prim;
using testing::ulp_distance;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();
constexpr std::int32_t kMin32 = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kMax32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();

// Inputs covering both signs, small and large magnitudes and the special values,
// including subnormals of both float types.
const std::vector<double> kInputs = {
    0.0,   -0.0, 0.5,    -0.5, 0.999, 1.0,   -1.0,   1.5,    2.5,     -2.5, 3.75,  -3.75, 10.0,
    -10.0, 88.5, -100.0, 1e-6, 1e10,  1e-40, -1e-40, 1e-310, -1e-310, kInf, -kInf, kNaN};

struct UnaryCase {
  const char* prim;
  std::function<double(double)> f64;
  std::function<float(float)> f32;  // the <cmath> float overload: an independent oracle
};

const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {"sqrt", [](double x) { return std::sqrt(x); }, [](float x) { return std::sqrt(x); }},
      {"rsqrt", [](double x) { return 1.0 / std::sqrt(x); },
       [](float x) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(x))); }},
      {"cbrt", [](double x) { return std::cbrt(x); }, [](float x) { return std::cbrt(x); }},
      {"exp", [](double x) { return std::exp(x); }, [](float x) { return std::exp(x); }},
      {"exp2", [](double x) { return std::exp2(x); }, [](float x) { return std::exp2(x); }},
      {"expm1", [](double x) { return std::expm1(x); }, [](float x) { return std::expm1(x); }},
      {"log", [](double x) { return std::log(x); }, [](float x) { return std::log(x); }},
      {"log2", [](double x) { return std::log2(x); }, [](float x) { return std::log2(x); }},
      {"log10", [](double x) { return std::log10(x); }, [](float x) { return std::log10(x); }},
      {"log1p", [](double x) { return std::log1p(x); }, [](float x) { return std::log1p(x); }},
      {"sin", [](double x) { return std::sin(x); }, [](float x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }, [](float x) { return std::cos(x); }},
      {"tan", [](double x) { return std::tan(x); }, [](float x) { return std::tan(x); }},
      {"asin", [](double x) { return std::asin(x); }, [](float x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }, [](float x) { return std::acos(x); }},
      {"atan", [](double x) { return std::atan(x); }, [](float x) { return std::atan(x); }},
      {"sinh", [](double x) { return std::sinh(x); }, [](float x) { return std::sinh(x); }},
      {"cosh", [](double x) { return std::cosh(x); }, [](float x) { return std::cosh(x); }},
      {"tanh", [](double x) { return std::tanh(x); }, [](float x) { return std::tanh(x); }},
      {"asinh", [](double x) { return std::asinh(x); }, [](float x) { return std::asinh(x); }},
      {"acosh", [](double x) { return std::acosh(x); }, [](float x) { return std::acosh(x); }},
      {"atanh", [](double x) { return std::atanh(x); }, [](float x) { return std::atanh(x); }},
      {"erf", [](double x) { return std::erf(x); }, [](float x) { return std::erf(x); }},
      {"erfc", [](double x) { return std::erfc(x); }, [](float x) { return std::erfc(x); }},
      {"floor", [](double x) { return std::floor(x); }, [](float x) { return std::floor(x); }},
      {"ceil", [](double x) { return std::ceil(x); }, [](float x) { return std::ceil(x); }},
      {"round", [](double x) { return std::round(x); }, [](float x) { return std::round(x); }},
  };
  return cases;
}

TEST(ElementwiseUnary, FloatFunctionsMatchCmathF64) {
  Array x = Array::from(kInputs);
  for (const UnaryCase& c : unary_cases()) {
    Array r = eval_prim(c.prim, {x});
    ASSERT_EQ(r.dtype(), DType::F64) << c.prim;
    for (std::size_t i = 0; i < kInputs.size(); ++i) {
      double got = r.data<double>()[i], want = c.f64(kInputs[i]);
      EXPECT_EQ(ulp_distance(got, want), 0u) << c.prim << "(" << kInputs[i] << ") = " << got;
      if (got == 0 && want == 0) {
        EXPECT_EQ(std::signbit(got), std::signbit(want)) << c.prim;
      }
    }
  }
}

TEST(ElementwiseUnary, FloatFunctionsF32AreTheDoubleResultRoundedOnce) {
  std::vector<float> in;
  for (double v : kInputs) in.push_back(static_cast<float>(v));
  Array x = Array::from(in);
  for (const UnaryCase& c : unary_cases()) {
    Array r = eval_prim(c.prim, {x});
    ASSERT_EQ(r.dtype(), DType::F32) << c.prim;
    for (std::size_t i = 0; i < in.size(); ++i) {
      float got = r.data<float>()[i];
      float rounded = static_cast<float>(c.f64(static_cast<double>(in[i])));
      EXPECT_EQ(ulp_distance(got, rounded), 0u) << c.prim << "(" << in[i] << ")";
      // The float <cmath> overload is an independent implementation: within 1 ulp.
      EXPECT_LE(ulp_distance(got, c.f32(in[i])), 1u)
          << c.prim << "(" << in[i] << ") = " << got << " vs " << c.f32(in[i]);
    }
  }
}

TEST(ElementwiseUnary, HandComputedValues) {
  const double pi = std::numbers::pi;
  EXPECT_EQ(eval1<double>("sqrt", 4.0), 2.0);
  EXPECT_EQ(eval1<double>("rsqrt", 4.0), 0.5);
  EXPECT_EQ(eval1<double>("rsqrt", 0.0), kInf);
  EXPECT_LE(ulp_distance(eval1<double>("cbrt", -27.0), -3.0), 1u);  // glibc cbrt: 1 ulp off
  EXPECT_EQ(eval1<double>("exp", 0.0), 1.0);
  EXPECT_LE(ulp_distance(eval1<double>("exp", 1.0), std::numbers::e), 1u);
  EXPECT_EQ(eval1<double>("exp2", 10.0), 1024.0);
  EXPECT_EQ(eval1<double>("log2", 8.0), 3.0);
  EXPECT_EQ(eval1<double>("log10", 1000.0), 3.0);
  EXPECT_EQ(eval1<double>("log", 1.0), 0.0);
  EXPECT_EQ(eval1<double>("log", 0.0), -kInf);
  EXPECT_TRUE(std::isnan(eval1<double>("log", -1.0)));
  EXPECT_TRUE(std::isnan(eval1<double>("sqrt", -1.0)));
  EXPECT_EQ(eval1<double>("expm1", 1e-300), 1e-300);  // exact for tiny x, where exp(x)-1 is 0
  EXPECT_EQ(eval1<double>("log1p", 1e-300), 1e-300);
  EXPECT_LE(ulp_distance(eval1<double>("asin", 1.0), pi / 2), 1u);
  EXPECT_LE(ulp_distance(eval1<double>("acos", -1.0), pi), 1u);
  EXPECT_LE(ulp_distance(eval1<double>("atan", kInf), pi / 2), 1u);
  EXPECT_EQ(eval1<double>("tanh", kInf), 1.0);
  EXPECT_EQ(eval1<double>("cosh", 0.0), 1.0);
  EXPECT_EQ(eval1<double>("atanh", 1.0), kInf);
  EXPECT_EQ(eval1<double>("erf", kInf), 1.0);
  EXPECT_EQ(eval1<double>("erfc", -kInf), 2.0);
  EXPECT_LE(ulp_distance(eval1<float>("sin", static_cast<float>(pi / 6)), 0.5f), 1u);
  EXPECT_EQ(eval1<float>("exp", 89.0f), kInfF);  // overflows f32 though not f64
  EXPECT_EQ(eval1<float>("exp", -104.0f), 0.0f);
  // Rounding: floor/ceil toward ∓inf, round halves away from zero.
  EXPECT_EQ(eval1<double>("floor", -2.5), -3.0);
  EXPECT_EQ(eval1<double>("ceil", -2.5), -2.0);
  EXPECT_EQ(eval1<double>("round", 2.5), 3.0);
  EXPECT_EQ(eval1<double>("round", -2.5), -3.0);
  EXPECT_EQ(eval1<double>("round", 0.49999999999999994), 0.0);
  EXPECT_EQ(eval1<float>("round", 0.5f), 1.0f);
  EXPECT_TRUE(std::signbit(eval1<double>("floor", -0.0)));
  EXPECT_TRUE(std::signbit(eval1<double>("round", -0.4)));
  EXPECT_TRUE(std::signbit(eval1<double>("sqrt", -0.0)));
}

TEST(ElementwiseUnary, NegAbsSignFloats) {
  EXPECT_TRUE(std::signbit(eval1<double>("neg", 0.0)));
  EXPECT_FALSE(std::signbit(eval1<double>("neg", -0.0)));
  EXPECT_EQ(eval1<double>("neg", kInf), -kInf);
  EXPECT_EQ(eval1<float>("neg", 1.5f), -1.5f);
  EXPECT_FALSE(std::signbit(eval1<double>("abs", -0.0)));
  EXPECT_EQ(eval1<double>("abs", -kInf), kInf);
  EXPECT_EQ(eval1<float>("abs", -1e-40f), 1e-40f);  // subnormal
  EXPECT_TRUE(std::isnan(eval1<double>("abs", -kNaN)));
  EXPECT_EQ(eval1<double>("sign", -3.5), -1.0);
  EXPECT_EQ(eval1<double>("sign", 1e-310), 1.0);
  EXPECT_EQ(eval1<double>("sign", -kInf), -1.0);
  EXPECT_EQ(eval1<float>("sign", 2.0f), 1.0f);
  double sz = eval1<double>("sign", -0.0);
  EXPECT_EQ(sz, 0.0);
  EXPECT_TRUE(std::signbit(sz));
  EXPECT_FALSE(std::signbit(eval1<double>("sign", 0.0)));
  EXPECT_TRUE(std::isnan(eval1<double>("sign", kNaN)));
  EXPECT_TRUE(std::isnan(eval1<float>("sign", kNaNF)));
}

TEST(ElementwiseUnary, IntegerNegAbsSignNot) {
  EXPECT_EQ(eval1<std::int32_t>("neg", std::int32_t{5}), -5);
  EXPECT_EQ(eval1<std::int32_t>("neg", kMin32), kMin32);  // wraps
  EXPECT_EQ(eval1<std::int64_t>("neg", kMin64), kMin64);
  EXPECT_EQ(eval1<std::int32_t>("abs", std::int32_t{-7}), 7);
  EXPECT_EQ(eval1<std::int32_t>("abs", kMin32), kMin32);
  EXPECT_EQ(eval1<std::int64_t>("abs", kMin64), kMin64);
  EXPECT_EQ(eval1<std::int64_t>("abs", kMax64), kMax64);
  Array s = eval_prim("sign", {Array::from(std::vector<std::int32_t>{-9, 0, 4, kMin32, kMax32})});
  EXPECT_TRUE(testing::arrays_close(s, Array::from(std::vector<std::int32_t>{-1, 0, 1, -1, 1})));
  EXPECT_EQ(eval1<std::int32_t>("not", std::int32_t{5}), -6);
  EXPECT_EQ(eval1<std::int64_t>("not", std::int64_t{0}), -1);
  Array n = eval_prim("not", {Array::from(std::vector<bool>{true, false})});
  EXPECT_TRUE(testing::arrays_close(n, Array::from(std::vector<bool>{false, true})));
}

TEST(ElementwiseUnary, KeepsShape) {
  Array x = Array::from(std::vector<double>{1, 4, 9, 16, 25, 36}, {2, 3});
  EXPECT_TRUE(testing::arrays_close(eval_prim("sqrt", {x}),
                                    Array::from(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3})));
  Array e = Array::empty(DType::F32, {0, 4});
  EXPECT_EQ(eval_prim("sin", {e}).shape(), (Shape{0, 4}));
}

// --- binary ----------------------------------------------------------------------

TEST(ElementwiseBinary, FloatArithmetic) {
  for (double a : kInputs) {
    for (double b : {2.0, -0.5, 0.0, -0.0, kInf, kNaN, 1e-310}) {
      auto check = [&](const char* prim, double want) {
        double got = eval2<double>(prim, a, b);
        EXPECT_EQ(ulp_distance(got, want), 0u) << prim << "(" << a << ", " << b << ")";
        float fa = static_cast<float>(a), fb = static_cast<float>(b);
        float gotf = eval2<float>(prim, fa, fb);
        float wantf = static_cast<float>(std::string(prim) == "add"   ? fa + fb
                                         : std::string(prim) == "sub" ? fa - fb
                                         : std::string(prim) == "mul" ? fa * fb
                                         : std::string(prim) == "div" ? fa / fb
                                         : std::string(prim) == "rem" ? std::fmod(fa, fb)
                                                                      : std::pow(fa, fb));
        EXPECT_LE(ulp_distance(gotf, wantf), std::string(prim) == "pow" ? 1u : 0u)
            << prim << "(" << fa << ", " << fb << ")";
      };
      check("add", a + b);
      check("sub", a - b);
      check("mul", a * b);
      check("div", a / b);
      check("rem", std::fmod(a, b));
      check("pow", std::pow(a, b));
    }
  }
  EXPECT_EQ(eval2<double>("div", 1.0, 0.0), kInf);
  EXPECT_EQ(eval2<double>("div", -1.0, 0.0), -kInf);
  EXPECT_EQ(eval2<double>("div", 1.0, -0.0), -kInf);
  EXPECT_TRUE(std::isnan(eval2<double>("div", 0.0, 0.0)));
  EXPECT_EQ(eval2<double>("rem", 5.5, 2.0), 1.5);
  EXPECT_EQ(eval2<double>("rem", -5.5, 2.0), -1.5);  // sign of the dividend
  EXPECT_EQ(eval2<double>("rem", 5.5, -2.0), 1.5);
  EXPECT_EQ(eval2<double>("pow", 2.0, 10.0), 1024.0);
  EXPECT_EQ(eval2<double>("pow", 2.0, -1.0), 0.5);
  EXPECT_EQ(eval2<double>("pow", kNaN, 0.0), 1.0);
  EXPECT_EQ(eval2<float>("pow", 2.0f, 0.5f), static_cast<float>(std::numbers::sqrt2));
  EXPECT_EQ(eval2<float>("add", 1e-45f, 1e-45f), 2.8e-45f);  // subnormals are kept
}

TEST(ElementwiseBinary, Atan2) {
  const double pi = std::numbers::pi;
  EXPECT_LE(ulp_distance(eval2<double>("atan2", 1.0, 1.0), pi / 4), 1u);
  EXPECT_LE(ulp_distance(eval2<double>("atan2", 0.0, -1.0), pi), 1u);
  EXPECT_LE(ulp_distance(eval2<double>("atan2", -0.0, -1.0), -pi), 1u);
  EXPECT_TRUE(std::signbit(eval2<double>("atan2", -0.0, 1.0)));
  EXPECT_LE(ulp_distance(eval2<double>("atan2", kInf, kInf), pi / 4), 1u);
  EXPECT_TRUE(std::isnan(eval2<double>("atan2", kNaN, 1.0)));
  for (float y : {0.5f, -3.0f, 1e-40f}) {
    for (float x : {2.0f, -0.25f}) {
      EXPECT_LE(ulp_distance(eval2<float>("atan2", y, x), std::atan2(y, x)), 1u);
    }
  }
}

TEST(ElementwiseBinary, MinMaxPropagateNaNAndOrderSignedZeros) {
  for (const char* prim : {"min", "max"}) {
    EXPECT_TRUE(std::isnan(eval2<double>(prim, kNaN, 1.0))) << prim;
    EXPECT_TRUE(std::isnan(eval2<double>(prim, 1.0, kNaN))) << prim;
    EXPECT_TRUE(std::isnan(eval2<float>(prim, kNaNF, -kInfF))) << prim;
    EXPECT_TRUE(std::isnan(eval2<float>(prim, kInfF, kNaNF))) << prim;
  }
  EXPECT_TRUE(std::signbit(eval2<double>("min", -0.0, 0.0)));
  EXPECT_TRUE(std::signbit(eval2<double>("min", 0.0, -0.0)));
  EXPECT_FALSE(std::signbit(eval2<double>("max", -0.0, 0.0)));
  EXPECT_FALSE(std::signbit(eval2<double>("max", 0.0, -0.0)));
  EXPECT_TRUE(std::signbit(eval2<float>("min", 0.0f, -0.0f)));
  EXPECT_EQ(eval2<double>("min", 1.0, kInf), 1.0);
  EXPECT_EQ(eval2<double>("max", -kInf, 3.0), 3.0);
  EXPECT_EQ(eval2<float>("min", -2.5f, 1e-40f), -2.5f);
  EXPECT_EQ(eval2<std::int32_t>("min", kMin32, kMax32), kMin32);
  EXPECT_EQ(eval2<std::int64_t>("max", kMin64, kMax64), kMax64);
}

TEST(ElementwiseBinary, IntegerArithmeticWraps) {
  EXPECT_EQ(eval2<std::int32_t>("add", kMax32, std::int32_t{1}), kMin32);
  EXPECT_EQ(eval2<std::int64_t>("add", kMax64, std::int64_t{1}), kMin64);
  EXPECT_EQ(eval2<std::int32_t>("sub", kMin32, std::int32_t{1}), kMax32);
  EXPECT_EQ(eval2<std::int64_t>("sub", kMin64, std::int64_t{1}), kMax64);
  EXPECT_EQ(eval2<std::int32_t>("mul", kMax32, std::int32_t{2}), -2);
  EXPECT_EQ(eval2<std::int64_t>("mul", kMin64, std::int64_t{-1}), kMin64);
  EXPECT_EQ(eval2<std::int32_t>("add", std::int32_t{40}, std::int32_t{2}), 42);
  EXPECT_EQ(eval2<std::int64_t>("mul", std::int64_t{-6}, std::int64_t{7}), -42);
}

TEST(ElementwiseBinary, IntegerDivRemTruncateAndAreTotal) {
  using I = std::int32_t;
  EXPECT_EQ(eval2<I>("div", I{7}, I{2}), 3);
  EXPECT_EQ(eval2<I>("div", I{-7}, I{2}), -3);  // toward zero
  EXPECT_EQ(eval2<I>("div", I{7}, I{-2}), -3);
  EXPECT_EQ(eval2<I>("rem", I{7}, I{3}), 1);
  EXPECT_EQ(eval2<I>("rem", I{-7}, I{3}), -1);  // sign of the dividend
  EXPECT_EQ(eval2<I>("rem", I{7}, I{-3}), 1);
  // The cases C++ leaves undefined, defined as XLA does.
  EXPECT_EQ(eval2<I>("div", I{5}, I{0}), -1);
  EXPECT_EQ(eval2<I>("div", I{-5}, I{0}), -1);
  EXPECT_EQ(eval2<I>("rem", I{5}, I{0}), 5);
  EXPECT_EQ(eval2<I>("rem", I{-5}, I{0}), -5);
  EXPECT_EQ(eval2<I>("div", kMin32, I{-1}), kMin32);
  EXPECT_EQ(eval2<I>("rem", kMin32, I{-1}), 0);
  EXPECT_EQ(eval2<std::int64_t>("div", kMin64, std::int64_t{-1}), kMin64);
  EXPECT_EQ(eval2<std::int64_t>("rem", kMin64, std::int64_t{-1}), 0);
  EXPECT_EQ(eval2<std::int64_t>("div", std::int64_t{9}, std::int64_t{0}), -1);
  EXPECT_EQ(eval2<std::int64_t>("rem", kMin64, std::int64_t{0}), kMin64);
}

TEST(ElementwiseBinary, IntegerPow) {
  using I = std::int32_t;
  using L = std::int64_t;
  EXPECT_EQ(eval2<I>("pow", I{3}, I{4}), 81);
  EXPECT_EQ(eval2<I>("pow", I{-2}, I{3}), -8);
  EXPECT_EQ(eval2<I>("pow", I{0}, I{0}), 1);
  EXPECT_EQ(eval2<I>("pow", I{7}, I{1}), 7);
  EXPECT_EQ(eval2<I>("pow", I{2}, I{-1}), 0);
  EXPECT_EQ(eval2<I>("pow", I{0}, I{-1}), 0);
  EXPECT_EQ(eval2<I>("pow", I{1}, I{-5}), 1);
  EXPECT_EQ(eval2<I>("pow", I{-1}, I{-3}), -1);
  EXPECT_EQ(eval2<I>("pow", I{-1}, I{-2}), 1);
  EXPECT_EQ(eval2<I>("pow", I{2}, I{31}), kMin32);  // wraps
  EXPECT_EQ(eval2<L>("pow", L{2}, L{62}), L{1} << 62);
  EXPECT_EQ(eval2<L>("pow", L{-3}, L{39}), -4052555153018976267LL);
  // 3^40 wraps modulo 2^64: compare with repeated unsigned multiplication.
  std::uint64_t p = 1;
  for (int i = 0; i < 40; ++i) p *= 3u;
  EXPECT_EQ(eval2<L>("pow", L{3}, L{40}), static_cast<L>(p));
}

TEST(ElementwiseBinary, LogicalOnBoolsAndBitwiseOnInts) {
  Array a = Array::from(std::vector<bool>{false, false, true, true});
  Array b = Array::from(std::vector<bool>{false, true, false, true});
  EXPECT_TRUE(testing::arrays_close(eval_prim("and", {a, b}),
                                    Array::from(std::vector<bool>{false, false, false, true})));
  EXPECT_TRUE(testing::arrays_close(eval_prim("or", {a, b}),
                                    Array::from(std::vector<bool>{false, true, true, true})));
  EXPECT_TRUE(testing::arrays_close(eval_prim("xor", {a, b}),
                                    Array::from(std::vector<bool>{false, true, true, false})));
  EXPECT_EQ(eval2<std::int32_t>("and", 12, 10), 8);
  EXPECT_EQ(eval2<std::int32_t>("or", 12, 10), 14);
  EXPECT_EQ(eval2<std::int32_t>("xor", 12, 10), 6);
  EXPECT_EQ(eval2<std::int64_t>("and", std::int64_t{-1}, kMin64), kMin64);
}

TEST(ElementwiseBinary, RankZeroOperandBroadcasts) {
  Array x = Array::from(std::vector<double>{1, 2, 3, 4}, {2, 2});
  Array two = Array::scalar(2.0);
  EXPECT_TRUE(testing::arrays_close(eval_prim("sub", {x, two}),
                                    Array::from(std::vector<double>{-1, 0, 1, 2}, {2, 2})));
  EXPECT_TRUE(testing::arrays_close(eval_prim("sub", {two, x}),
                                    Array::from(std::vector<double>{1, 0, -1, -2}, {2, 2})));
  EXPECT_EQ(eval_prim("add", {two, two}).shape(), Shape{});
}

}  // namespace
}  // namespace lanes
