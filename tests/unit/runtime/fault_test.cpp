// Faults a host application must survive: allocations too large to satisfy, failures
// inside LLVM, and NaN/±inf inputs. Each ends in a lanes::Error or in IEEE-correct
// results equal to the reference interpreter's (and to <cmath>), never in an abort.
// (jit_primitives_test sweeps every primitive × dtype × width on special values; this
// file states the IEEE facts themselves for the DSL ops and the reductions.)
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "engine/compile_cache.h"
#include "tests/unit/difftest_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- allocations too large ---------------------------------------------------------------

TEST(Fault, ArrayOfTwoToThe50ElementsIsARuntimeError) {
  // 2^50 f64 = 8 PiB: no allocator can satisfy it; the failure must be a lanes::Error.
  EXPECT_THROW(Array::empty(DType::F64, {std::int64_t{1} << 50}), RuntimeError);
  EXPECT_THROW(Array::zeros(DType::F32, {std::int64_t{1} << 25, std::int64_t{1} << 25}),
               RuntimeError);
  // Extents whose product overflows int64 are a shape error.
  EXPECT_THROW(Array::empty(DType::F64, {std::int64_t{1} << 40, std::int64_t{1} << 40}),
               ShapeError);
  // The host carries on: a normal allocation still works.
  Array ok = Array::full(DType::F64, {3}, 2.5);
  EXPECT_EQ(ok.element_as_double(2), 2.5);
}

TEST(Fault, JittedFunctionWithAHugeOutputIsALanesError) {
  const Shape huge{std::int64_t{1} << 25, std::int64_t{1} << 25};  // 2^50 elements
  Fn f = fn([huge](Value x) { return broadcast_to(x, huge) + 1.0; });
  Array x = Array::from(std::vector<double>{1.0}, Shape{});
  EXPECT_THROW((void)jit(f)(x), Error);
  EXPECT_THROW((void)f(x), Error);  // interpreted
  // A small call of a similar function still runs.
  Fn g = jit(fn([](Value v) { return broadcast_to(v, {2, 3}) + 1.0; }));
  Array out = g(x);
  EXPECT_EQ(out.size(), 6);
  EXPECT_EQ(out.element_as_double(5), 2.0);
}

// --- failures inside LLVM ----------------------------------------------------------------

TEST(Fault, LlvmFatalErrorBecomesCompileError) {
  EXPECT_THROW(internal::cpu::trigger_llvm_fatal_error_for_test(), CompileError);
  void* addr = nullptr;
  EXPECT_THROW(internal::cpu::compile_ir_text("define i32 @f( {", "f", &addr), CompileError);
}

TEST(Fault, CompileFailureInsideLlvmReachesTheCallerAndTheHostSurvives) {
  Fn f = jit(fn([](Value x) { return exp(x) * 3.25; }));
  Array x = Array::from(std::vector<double>{0.0, 1.0});
  internal::cpu::fail_next_compiles_for_test(1);
  try {
    (void)f(x);
    ADD_FAILURE() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("LLVM fatal error"), std::string::npos) << e.what();
  }
  Array out = f(x);  // retried: compiles now
  EXPECT_DOUBLE_EQ(out.element_as_double(0), 3.25);
  EXPECT_NEAR(out.element_as_double(1), std::exp(1.0) * 3.25, 1e-15 * 9);
}

// --- NaN and infinities ------------------------------------------------------------------

const std::vector<double> kSpecials{kNaN, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.5, 1e300};

Array specials(DType t, const std::vector<double>& v = kSpecials) {
  return testing::make(t, v, {static_cast<std::int64_t>(v.size())});
}

struct UnaryCase {
  const char* name;
  Value (*op)(const Value&);
  double (*ref)(double);
};

// Every float elementwise unary DSL op with its <cmath> counterpart.
const UnaryCase kUnary[] = {
    {"neg", neg, [](double x) { return -x; }},
    {"abs", abs, [](double x) { return std::fabs(x); }},
    {"sign", sign, [](double x) { return std::isnan(x) ? x
                                         : x > 0       ? 1.0
                                         : x < 0       ? -1.0
                                                       : x; }},
    {"sqrt", sqrt, [](double x) { return std::sqrt(x); }},
    {"rsqrt", rsqrt, [](double x) { return 1.0 / std::sqrt(x); }},
    {"cbrt", cbrt, [](double x) { return std::cbrt(x); }},
    {"exp", exp, [](double x) { return std::exp(x); }},
    {"exp2", exp2, [](double x) { return std::exp2(x); }},
    {"expm1", expm1, [](double x) { return std::expm1(x); }},
    {"log", log, [](double x) { return std::log(x); }},
    {"log2", log2, [](double x) { return std::log2(x); }},
    {"log10", log10, [](double x) { return std::log10(x); }},
    {"log1p", log1p, [](double x) { return std::log1p(x); }},
    {"sin", sin, [](double x) { return std::sin(x); }},
    {"cos", cos, [](double x) { return std::cos(x); }},
    {"tan", tan, [](double x) { return std::tan(x); }},
    {"asin", asin, [](double x) { return std::asin(x); }},
    {"acos", acos, [](double x) { return std::acos(x); }},
    {"atan", atan, [](double x) { return std::atan(x); }},
    {"sinh", sinh, [](double x) { return std::sinh(x); }},
    {"cosh", cosh, [](double x) { return std::cosh(x); }},
    {"tanh", tanh, [](double x) { return std::tanh(x); }},
    {"asinh", asinh, [](double x) { return std::asinh(x); }},
    {"acosh", acosh, [](double x) { return std::acosh(x); }},
    {"atanh", atanh, [](double x) { return std::atanh(x); }},
    {"erf", erf, [](double x) { return std::erf(x); }},
    {"erfc", erfc, [](double x) { return std::erfc(x); }},
    {"floor", floor, [](double x) { return std::floor(x); }},
    {"ceil", ceil, [](double x) { return std::ceil(x); }},
    {"round", round, [](double x) { return std::round(x); }},
    {"square", square, [](double x) { return x * x; }},
};

// <cmath> applied to each input, rounded once to the dtype.
Array reference(DType t, const std::vector<double>& in,
                const std::function<double(std::size_t)>& f) {
  std::vector<double> v(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    double r = f(i);
    v[i] = t == DType::F32 ? static_cast<double>(static_cast<float>(r)) : r;
  }
  return testing::make(t, v, {static_cast<std::int64_t>(v.size())});
}

// Inputs rounded to the dtype (1e300 is inf in f32), as the function sees them.
std::vector<double> as_seen(DType t, const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v)
    out.push_back(t == DType::F32 ? static_cast<double>(static_cast<float>(x)) : x);
  return out;
}

TEST(Fault, NanAndInfinityThroughEveryUnaryOpUnderJit) {
  for (DType t : {DType::F32, DType::F64}) {
    const std::vector<double> in = as_seen(t, kSpecials);
    for (const UnaryCase& c : kUnary) {
      SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(t)));
      Fn f = fn([&c](Value x) { return c.op(x); });
      Array x = specials(t);
      Array jitted = jit(f)(x);
      // Same NaNs, infinities and signed zeros as the interpreter; finite values within
      // the documented 1.5 ulp of vector math (2 allowed, plus the reference's own).
      EXPECT_TRUE(testing::same_array(jitted, f(x), testing::Tolerance{4}));
      EXPECT_TRUE(
          arrays_close(jitted, reference(t, in, [&](std::size_t i) { return c.ref(in[i]); }), 4));
    }
  }
}

struct BinaryCase {
  const char* name;
  Value (*op)(const Value&, const Value&);
  double (*ref)(double, double);
};

double nan_min(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? kNaN : std::fmin(a, b);
}
double nan_max(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? kNaN : std::fmax(a, b);
}

const BinaryCase kBinary[] = {
    {"add", add, [](double a, double b) { return a + b; }},
    {"sub", sub, [](double a, double b) { return a - b; }},
    {"mul", mul, [](double a, double b) { return a * b; }},
    {"div", div, [](double a, double b) { return a / b; }},
    {"rem", rem, [](double a, double b) { return std::fmod(a, b); }},
    {"pow", pow, [](double a, double b) { return std::pow(a, b); }},
    {"atan2", atan2, [](double a, double b) { return std::atan2(a, b); }},
    {"minimum", minimum, nan_min},
    {"maximum", maximum, nan_max},
};

TEST(Fault, NanAndInfinityThroughEveryBinaryOpUnderJit) {
  for (DType t : {DType::F32, DType::F64}) {
    // Every special paired with every other (a outer, b inner).
    const std::vector<double> s = as_seen(t, kSpecials);
    std::vector<double> a, b;
    for (double x : s) {
      for (double y : s) {
        a.push_back(x);
        b.push_back(y);
      }
    }
    Array xa = specials(t, a), xb = specials(t, b);
    for (const BinaryCase& c : kBinary) {
      SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(t)));
      Fn f = fn([&c](Value x, Value y) { return c.op(x, y); });
      Array jitted = jit(f)(xa, xb);
      EXPECT_TRUE(testing::same_array(jitted, f(xa, xb), testing::Tolerance{4}));
      EXPECT_TRUE(arrays_close(
          jitted, reference(t, a, [&](std::size_t i) { return c.ref(a[i], b[i]); }), 4));
    }
    // Comparisons: every ordered comparison with a NaN is false, != is true.
    Fn cmp = fn([](Value x, Value y) {
      return std::vector<Value>{lt(x, y), le(x, y), gt(x, y), ge(x, y), eq(x, y), ne(x, y)};
    });
    Outputs j = jit(cmp)(xa, xb);
    using Cmp = bool (*)(double, double);
    const Cmp refs[] = {
        [](double x, double y) { return x < y; },  [](double x, double y) { return x <= y; },
        [](double x, double y) { return x > y; },  [](double x, double y) { return x >= y; },
        [](double x, double y) { return x == y; }, [](double x, double y) { return x != y; }};
    for (int k = 0; k < 6; ++k) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(j[k].element_as_double(static_cast<std::int64_t>(i)) != 0, refs[k](a[i], b[i]))
            << "comparison " << k << " of " << a[i] << ", " << b[i];
      }
    }
  }
}

// One reduction of a 1-D input under jit, checked against the interpreter and by hand.
void expect_reduction(Value (*op)(const Value&), const std::vector<double>& in, double want) {
  for (DType t : {DType::F32, DType::F64}) {
    Fn f = fn([op](Value x) { return op(x); });
    Array x = specials(t, in);
    Array jitted = jit(f)(x);
    EXPECT_TRUE(testing::same_array(jitted, f(x)));
    EXPECT_TRUE(arrays_close(jitted, testing::make(t, {want}, {}), 0));
  }
}

Value sum1(const Value& x) { return sum(x); }
Value prod1(const Value& x) { return prod(x); }
Value max1(const Value& x) { return max(x); }
Value min1(const Value& x) { return min(x); }
Value mean1(const Value& x) { return mean(x); }

TEST(Fault, NanAndInfinityThroughReductionsUnderJit) {
  // Long enough for vector accumulators and a tail (W = 4 or 8 on AVX2).
  auto with = [](std::vector<double> head) {
    for (int i = 0; i < 13; ++i) head.push_back(0.5 * i);
    return head;
  };
  const double tail_sum = 0.5 * (12 * 13 / 2);  // 39
  expect_reduction(sum1, with({kInf}), kInf);
  expect_reduction(sum1, with({kInf, -kInf}), kNaN);
  expect_reduction(sum1, with({kNaN}), kNaN);
  expect_reduction(sum1, with({-kInf}), -kInf);
  expect_reduction(sum1, with({}), tail_sum);
  expect_reduction(prod1, {2.0, kInf, 3.0}, kInf);
  expect_reduction(prod1, {2.0, kInf, 0.0}, kNaN);  // inf * 0
  expect_reduction(prod1, {-1.0, kInf, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, -kInf);
  expect_reduction(max1, with({kNaN}), kNaN);  // NaN propagates (as jnp.max)
  expect_reduction(max1, with({kInf}), kInf);
  expect_reduction(max1, with({-kInf}), 6.0);
  expect_reduction(min1, with({kNaN}), kNaN);
  expect_reduction(min1, with({-kInf}), -kInf);
  expect_reduction(min1, {kInf, kInf, kInf}, kInf);
  expect_reduction(mean1, with({kInf}), kInf);
  expect_reduction(mean1, with({kNaN}), kNaN);
  // NaN in the last, tail lane too.
  std::vector<double> late = with({});
  late.push_back(kNaN);
  expect_reduction(max1, late, kNaN);
  expect_reduction(sum1, late, kNaN);
}

TEST(Fault, ArgmaxAndArgminWithNanAndInfinityMatchTheInterpreter) {
  for (DType t : {DType::F32, DType::F64}) {
    for (const std::vector<double>& in : {std::vector<double>{1, 2, kInf, 3, -kInf, 0, 5, 6, 7},
                                          std::vector<double>{1, 2, 3, kNaN, 9, -kInf, 0, 5, 6}}) {
      Fn f = fn([](Value x) { return std::vector<Value>{argmax(x, 0), argmin(x, 0)}; });
      Array x = specials(t, in);
      Outputs j = jit(f)(x);
      Outputs r = f(x);
      EXPECT_TRUE(arrays_close(j[0], r[0]));
      EXPECT_TRUE(arrays_close(j[1], r[1]));
      const bool has_nan = std::isnan(in[3]);
      // With a NaN, the NaN's index wins both (as jnp.argmax); else inf at 2, -inf at 4/5.
      EXPECT_EQ(j[0].element_as_double(0), has_nan ? 3 : 2);
      EXPECT_EQ(j[1].element_as_double(0), has_nan ? 3 : 4);
    }
  }
}

}  // namespace
}  // namespace lanes
