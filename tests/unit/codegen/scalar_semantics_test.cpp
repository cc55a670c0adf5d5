// The ScalarOp table (codegen/scalar_op.h) and the one reference of every op's semantics
// (codegen/scalar_reference.h on runtime/scalar_semantics.h): every op has a consistent row,
// identities, IEEE 754-2019 minimum/maximum on NaNs and signed zeros, integer edge cases,
// conversions, and agreement of every user of the rules (graph interpreter, reduce, the
// collectives' combine, the loop-IR oracle) down to the bits.
#include <gtest/gtest.h>
#include <lanes/array.h>
#include <lanes/error.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "codegen/cpu/scalar_codegen.h"
#include "codegen/scalar_op.h"
#include "codegen/scalar_reference.h"
#include "runtime/reduce_combine.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/unit/primitive_eval_util.h"

namespace lanes::internal {
namespace {

using lanes::testing::eval1;
using lanes::testing::eval2;
using lanes::testing::eval_prim;

constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
std::uint64_t bits(T x) {
  std::uint64_t b = 0;
  std::memcpy(&b, &x, sizeof(T));
  return b;
}

// A NaN with a payload and the sign bit set: not the canonical quiet NaN.
template <class T>
T payload_nan() {
  if constexpr (sizeof(T) == 8) {
    std::uint64_t b = 0xfff8000000001234ull;
    T x;
    std::memcpy(&x, &b, 8);
    return x;
  } else {
    std::uint32_t b = 0xffc01234u;
    T x;
    std::memcpy(&x, &b, 4);
    return x;
  }
}

template <class T>
bool is_canonical_nan(T x) {
  return bits(x) == bits(std::numeric_limits<T>::quiet_NaN());
}

// --- the table -------------------------------------------------------------------------

// Whether ScalarFn<Op> is callable on each element type (bool, i32, i64, f32, f64).
template <ScalarOp Op>
std::array<bool, 5> callable_on() {
  auto one = [](auto tag) {
    using T = decltype(tag);
    if constexpr (scalar_op_info(Op).arity == 1) {
      return std::is_invocable_v<ScalarFn<Op>, T>;
    } else {
      return std::is_invocable_v<ScalarFn<Op>, T, T>;
    }
  };
  return {one(bool{}), one(std::int32_t{}), one(std::int64_t{}), one(float{}), one(double{})};
}

struct Callable {
  ScalarOp op;
  std::array<bool, 5> on;
};
const Callable kCallable[] = {
#define LANES_CALLABLE_ENTRY(name, ...) {ScalarOp::name, callable_on<ScalarOp::name>()},
    LANES_SCALAR_OP_TABLE(LANES_CALLABLE_ENTRY)
#undef LANES_CALLABLE_ENTRY
};

TEST(ScalarOpTable, EveryOpHasAConsistentRow) {
  ASSERT_EQ(std::size(kCallable), kNumScalarOps);
  const DType dtypes[] = {DType::Bool, DType::I32, DType::I64, DType::F32, DType::F64};
  for (std::size_t i = 0; i < kNumScalarOps; ++i) {
    const ScalarOp op = static_cast<ScalarOp>(i);
    const ScalarOpInfo& info = scalar_op_info(op);
    SCOPED_TRACE(std::string(info.name));
    EXPECT_EQ(info.op, op);
    EXPECT_FALSE(info.name.empty());
    EXPECT_EQ(scalar_op_name(op), info.name);
    EXPECT_EQ(scalar_op_arity(op), info.arity);
    EXPECT_GE(info.arity, 0);
    EXPECT_LE(info.arity, 3);
    ASSERT_NE(info.semantics, nullptr);
    EXPECT_GT(std::strlen(info.semantics), 5u);
    EXPECT_EQ(info.domain == ScalarDomain::None, op == ScalarOp::None);
    if (info.comparison) {
      EXPECT_EQ(info.arity, 2);
    }
    // A math-library function is a float function with a reference of its arity.
    if (info.math_name != nullptr) {
      EXPECT_TRUE(scalar_op_accepts(op, DType::F64));
      EXPECT_EQ(info.reference1 != nullptr, info.arity == 1);
      EXPECT_EQ(info.reference2 != nullptr, info.arity == 2);
    }
    // Every op defined on floats has a float rule: a reference, or one of scalar_semantics.h.
    if (info.domain == ScalarDomain::Float) {
      EXPECT_TRUE(info.reference1 != nullptr || info.reference2 != nullptr);
    }
    // The CPU backend calls a library exactly for ops that have a library name (float Rem is
    // emitted as frem on the CPU and calls ocml's fmod on AMDGPU).
    if (cpu::calls_math_library(op)) {
      EXPECT_NE(info.math_name, nullptr);
    }
    if (info.math_name != nullptr && op != ScalarOp::Rem) {
      EXPECT_TRUE(cpu::calls_math_library(op));
    }
    // The reference functor is callable exactly on the row's domain.
    if (op != ScalarOp::None && op != ScalarOp::Convert && op != ScalarOp::Select) {
      for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_EQ(kCallable[i].on[k], scalar_op_accepts(op, dtypes[k])) << dtype_name(dtypes[k]);
      }
    }
  }
}

TEST(ScalarOpTable, AritiesAndKinds) {
  EXPECT_EQ(scalar_op_arity(ScalarOp::None), 0);
  EXPECT_EQ(scalar_op_arity(ScalarOp::Sin), 1);
  EXPECT_EQ(scalar_op_arity(ScalarOp::Convert), 1);
  EXPECT_EQ(scalar_op_arity(ScalarOp::Atan2), 2);
  EXPECT_EQ(scalar_op_arity(ScalarOp::Ne), 2);
  EXPECT_EQ(scalar_op_arity(ScalarOp::Select), 3);
  for (ScalarOp op :
       {ScalarOp::Lt, ScalarOp::Le, ScalarOp::Gt, ScalarOp::Ge, ScalarOp::Eq, ScalarOp::Ne}) {
    EXPECT_TRUE(scalar_op_is_comparison(op));
  }
  EXPECT_FALSE(scalar_op_is_comparison(ScalarOp::Max));
  EXPECT_TRUE(scalar_op_accepts(ScalarOp::Sin, DType::F32));
  EXPECT_FALSE(scalar_op_accepts(ScalarOp::Sin, DType::I32));
  EXPECT_FALSE(scalar_op_accepts(ScalarOp::Not, DType::F64));
  EXPECT_TRUE(scalar_op_accepts(ScalarOp::Not, DType::Bool));
  EXPECT_FALSE(scalar_op_accepts(ScalarOp::Div, DType::Bool));
  EXPECT_TRUE(scalar_op_accepts(ScalarOp::Max, DType::Bool));
}

TEST(ScalarOpTable, MathLibraryNames) {
  EXPECT_STREQ(scalar_op_math_name(ScalarOp::Sin), "sin");
  EXPECT_STREQ(scalar_op_math_name(ScalarOp::Atan2), "atan2");
  EXPECT_STREQ(scalar_op_math_name(ScalarOp::Erfc), "erfc");
  EXPECT_STREQ(scalar_op_math_name(ScalarOp::Pow), "pow");
  EXPECT_STREQ(scalar_op_math_name(ScalarOp::Rem), "fmod");
  EXPECT_EQ(scalar_op_math_name(ScalarOp::Sqrt), nullptr);  // an LLVM intrinsic
  EXPECT_EQ(scalar_op_math_name(ScalarOp::Add), nullptr);
  EXPECT_EQ(scalar_op_math_name(ScalarOp::Floor), nullptr);
}

TEST(ScalarOpTable, Identities) {
  // Exact values, INT64_MAX included (a double cannot hold it).
  auto id = [](ScalarOp op, DType t) { return scalar_op_identity(op, t); };
  auto is = [](Scalar s, Scalar want) { return s.identical(want); };
  EXPECT_TRUE(is(id(ScalarOp::Max, DType::F64), Scalar::of(-kInf)));
  EXPECT_TRUE(
      is(id(ScalarOp::Max, DType::F32), Scalar::of(-std::numeric_limits<float>::infinity())));
  EXPECT_TRUE(is(id(ScalarOp::Max, DType::I32), Scalar::of(INT32_MIN)));
  EXPECT_TRUE(is(id(ScalarOp::Max, DType::I64), Scalar::of(std::int64_t{INT64_MIN})));
  EXPECT_TRUE(is(id(ScalarOp::Max, DType::Bool), Scalar::of(false)));
  EXPECT_TRUE(is(id(ScalarOp::Min, DType::F64), Scalar::of(kInf)));
  EXPECT_TRUE(is(id(ScalarOp::Min, DType::Bool), Scalar::of(true)));
  EXPECT_TRUE(is(id(ScalarOp::Min, DType::I32), Scalar::of(INT32_MAX)));
  EXPECT_TRUE(is(id(ScalarOp::Min, DType::I64), Scalar::of(std::int64_t{INT64_MAX})));
  EXPECT_EQ(id(ScalarOp::Min, DType::I64).as_int64(), INT64_MAX);
  for (DType t : kAllDTypes) {
    EXPECT_TRUE(is(id(ScalarOp::Add, t), Scalar::of_int(t, 0)));
    EXPECT_TRUE(is(id(ScalarOp::Mul, t), Scalar::of_int(t, 1)));
  }
  EXPECT_TRUE(is(id(ScalarOp::And, DType::I32), Scalar::of_int(DType::I32, -1)));
  EXPECT_TRUE(is(id(ScalarOp::And, DType::Bool), Scalar::of(true)));
  EXPECT_TRUE(is(id(ScalarOp::Or, DType::I64), Scalar::of_int(DType::I64, 0)));
  EXPECT_THROW(id(ScalarOp::And, DType::F64), InternalError);
  EXPECT_THROW(id(ScalarOp::Sub, DType::F64), InternalError);
  EXPECT_THROW(id(ScalarOp::Sin, DType::F64), InternalError);

  std::vector<ScalarOp> combining;
  for (std::size_t i = 0; i < kNumScalarOps; ++i) {
    if (scalar_op_is_combining(static_cast<ScalarOp>(i))) {
      combining.push_back(static_cast<ScalarOp>(i));
    }
  }
  EXPECT_EQ(combining, (std::vector<ScalarOp>{ScalarOp::Add, ScalarOp::Mul, ScalarOp::Min,
                                              ScalarOp::Max, ScalarOp::And, ScalarOp::Or}));

  // The typed identities are exact, and op(identity, x) == x.
  EXPECT_EQ(scalar_identity<std::int64_t>(ScalarOp::Min), INT64_MAX);
  EXPECT_EQ(scalar_identity<std::int32_t>(ScalarOp::Max), INT32_MIN);
  EXPECT_EQ(scalar_identity<bool>(ScalarOp::Min), true);
  EXPECT_EQ(scalar_identity<float>(ScalarOp::Max), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(scalar_identity<std::int32_t>(ScalarOp::And), -1);
  for (ScalarOp op : combining) {
    for (double v : {-3.5, 0.0, 2.0, 1e300, -kInf}) {
      if (op != ScalarOp::And && op != ScalarOp::Or) {
        EXPECT_EQ(bits(scalar_reference(op, scalar_identity<double>(op), v)), bits(v));
      }
    }
    for (std::int64_t v : {std::int64_t{-7}, std::int64_t{0}, INT64_MAX, INT64_MIN}) {
      EXPECT_EQ(scalar_reference(op, scalar_identity<std::int64_t>(op), v), v);
    }
    for (bool v : {false, true}) EXPECT_EQ(scalar_reference(op, scalar_identity<bool>(op), v), v);
  }
}

// --- min/max: IEEE 754-2019 §9.6 minimum/maximum ----------------------------------------
// "maximum(x, y) is x if x > y, y if y > x, and a quiet NaN if either operand is a NaN,
// according to 6.2. For this operation, +0 compares greater than -0." (minimum likewise,
// -0 less than +0.) Of the NaNs 6.2 allows, the elementwise op gives the first NaN operand
// itself (6.2.3: the result's payload is one of the inputs'); the combine of a reduction
// gives the canonical quiet NaN, whatever the order.
template <class T>
void check_min_max() {
  const T pz = T(0), nz = -T(0), one = T(1), inf = std::numeric_limits<T>::infinity();
  const T nan = std::numeric_limits<T>::quiet_NaN(), pnan = payload_nan<T>();
  auto mx = [](T a, T b) { return scalar_reference(ScalarOp::Max, a, b); };
  auto mn = [](T a, T b) { return scalar_reference(ScalarOp::Min, a, b); };
  // Signed zeros, both orders.
  EXPECT_EQ(bits(mx(nz, pz)), bits(pz));
  EXPECT_EQ(bits(mx(pz, nz)), bits(pz));
  EXPECT_EQ(bits(mn(nz, pz)), bits(nz));
  EXPECT_EQ(bits(mn(pz, nz)), bits(nz));
  EXPECT_EQ(bits(mx(nz, nz)), bits(nz));
  EXPECT_EQ(bits(mn(pz, pz)), bits(pz));
  // NaN wins over everything, infinities included (unlike maxNum/minNum of IEEE 754-2008).
  for (T x : {one, -one, pz, nz, inf, -inf}) {
    for (T n : {nan, pnan}) {
      EXPECT_EQ(bits(mx(x, n)), bits(n));
      EXPECT_EQ(bits(mx(n, x)), bits(n));
      EXPECT_EQ(bits(mn(x, n)), bits(n));
      EXPECT_EQ(bits(mn(n, x)), bits(n));
      EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Max>(x, n)));
      EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Max>(n, x)));
      EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Min>(x, n)));
      EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Min>(n, x)));
    }
  }
  // Two NaNs: elementwise the first; combined, canonical.
  EXPECT_EQ(bits(mx(pnan, nan)), bits(pnan));
  EXPECT_EQ(bits(mn(nan, pnan)), bits(nan));
  EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Max>(pnan, pnan)));
  EXPECT_TRUE(is_canonical_nan(scalar_combine<ScalarOp::Min>(pnan, pnan)));
  // Away from NaN the combine is the elementwise op.
  EXPECT_EQ(bits(scalar_combine<ScalarOp::Max>(nz, pz)), bits(pz));
  EXPECT_EQ(bits(scalar_combine<ScalarOp::Min>(pz, nz)), bits(nz));
  EXPECT_EQ(scalar_combine<ScalarOp::Max>(-inf, one), one);
  // Ordinary values.
  EXPECT_EQ(mx(one, -one), one);
  EXPECT_EQ(mn(one, -one), -one);
  EXPECT_EQ(mx(-inf, one), one);
  EXPECT_EQ(mn(inf, -one), -one);
  EXPECT_EQ(mn(std::numeric_limits<T>::denorm_min(), pz), pz);
}

TEST(ScalarSemantics, MinMaxIeee754Minimum) {
  check_min_max<float>();
  check_min_max<double>();
  EXPECT_EQ(scalar_reference(ScalarOp::Max, INT32_MIN, INT32_MAX), INT32_MAX);
  EXPECT_EQ(scalar_reference(ScalarOp::Min, INT64_MIN, INT64_MAX), INT64_MIN);
  EXPECT_EQ(scalar_reference(ScalarOp::Max, false, true), true);
  EXPECT_EQ(scalar_reference(ScalarOp::Min, false, true), false);
}

// Every user of min/max and add gives the same bits: elementwise, the graph interpreter's
// primitives and the loop-IR oracle; as a reduction combine, the reduce primitives and the
// collectives' combine.
double combine(ScalarOp op, double a, double b) {
  if (op == ScalarOp::Max) return scalar_combine<ScalarOp::Max>(a, b);
  if (op == ScalarOp::Min) return scalar_combine<ScalarOp::Min>(a, b);
  return scalar_combine<ScalarOp::Add>(a, b);
}

TEST(ScalarSemantics, EveryUserAgreesBitwise) {
  const double pnan = payload_nan<double>(), nz = -0.0;
  const double values[] = {1.5, -2.0, 0.0, nz, kInf, -kInf, pnan};
  for (double a : values) {
    for (double b : values) {
      for (ScalarOp op : {ScalarOp::Max, ScalarOp::Min, ScalarOp::Add}) {
        const double want = scalar_reference(op, a, b);
        const double want_combined = combine(op, a, b);
        const ReduceOp rop = op == ScalarOp::Max   ? ReduceOp::Max
                             : op == ScalarOp::Min ? ReduceOp::Min
                                                   : ReduceOp::Sum;
        const char* prim = op == ScalarOp::Max ? "max" : op == ScalarOp::Min ? "min" : "add";
        const char* reduce = op == ScalarOp::Max   ? "reduce_max"
                             : op == ScalarOp::Min ? "reduce_min"
                                                   : "reduce_sum";
        SCOPED_TRACE(std::string(prim) + "(" + std::to_string(a) + ", " + std::to_string(b) + ")");
        if (op != ScalarOp::Add || !std::isnan(want)) {  // a + NaN's payload is the FPU's
          EXPECT_EQ(bits(eval2<double>(prim, a, b)), bits(want));
          const Scalar args[] = {Scalar::of_double(DType::F64, a),
                                 Scalar::of_double(DType::F64, b)};
          EXPECT_EQ(bits(scalar_eval(op, DType::F64, args).as_double()), bits(want));
          EXPECT_EQ(bits(reduce_combine(rop, a, b)), bits(want_combined));
        }
        if (op != ScalarOp::Add) {
          Array r = eval_prim(reduce, {Array::from(std::vector<double>{a, b})},
                              Params{{"axes", std::vector<std::int64_t>{0}}});
          EXPECT_EQ(bits(r.data<double>()[0]), bits(want_combined));
          // The combine differs from the elementwise op only in the NaN it gives.
          if (!std::isnan(want)) {
            EXPECT_EQ(bits(want_combined), bits(want));
          } else {
            EXPECT_TRUE(is_canonical_nan(want_combined));
          }
        }
      }
    }
  }
  // Integer and bool collectives wrap / are logical.
  EXPECT_EQ(reduce_combine(ReduceOp::Sum, INT32_MAX, 1), INT32_MIN);
  EXPECT_EQ(reduce_combine(ReduceOp::Sum, true, true), true);
  EXPECT_EQ(reduce_combine(ReduceOp::Min, true, false), false);
}

// --- integers ----------------------------------------------------------------------------
template <class T>
void check_integer_edges() {
  const T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  auto r2 = [](ScalarOp op, T a, T b) { return scalar_reference(op, a, b); };
  auto r1 = [](ScalarOp op, T a) { return scalar_reference(op, a); };
  EXPECT_EQ(r2(ScalarOp::Add, hi, T(1)), lo);
  EXPECT_EQ(r2(ScalarOp::Sub, lo, T(1)), hi);
  EXPECT_EQ(r2(ScalarOp::Mul, hi, T(2)), T(-2));
  EXPECT_EQ(r2(ScalarOp::Mul, lo, T(-1)), lo);
  EXPECT_EQ(r1(ScalarOp::Neg, lo), lo);
  EXPECT_EQ(r1(ScalarOp::Abs, lo), lo);
  EXPECT_EQ(r1(ScalarOp::Abs, T(-5)), T(5));
  EXPECT_EQ(r1(ScalarOp::Sign, T(-5)), T(-1));
  EXPECT_EQ(r1(ScalarOp::Sign, T(0)), T(0));
  EXPECT_EQ(r1(ScalarOp::Sign, hi), T(1));
  EXPECT_EQ(r1(ScalarOp::Not, T(0)), T(-1));
  EXPECT_EQ(r1(ScalarOp::Floor, T(7)), T(7));
  EXPECT_EQ(r1(ScalarOp::Round, lo), lo);
  // Division: truncating; the undefined cases as XLA.
  EXPECT_EQ(r2(ScalarOp::Div, T(-7), T(2)), T(-3));
  EXPECT_EQ(r2(ScalarOp::Div, T(7), T(0)), T(-1));
  EXPECT_EQ(r2(ScalarOp::Div, T(0), T(0)), T(-1));
  EXPECT_EQ(r2(ScalarOp::Div, lo, T(-1)), lo);
  EXPECT_EQ(r2(ScalarOp::Div, hi, T(-1)), T(-hi));
  EXPECT_EQ(r2(ScalarOp::Rem, T(-7), T(2)), T(-1));
  EXPECT_EQ(r2(ScalarOp::Rem, T(7), T(-2)), T(1));
  EXPECT_EQ(r2(ScalarOp::Rem, T(7), T(0)), T(7));
  EXPECT_EQ(r2(ScalarOp::Rem, lo, T(0)), lo);
  EXPECT_EQ(r2(ScalarOp::Rem, lo, T(-1)), T(0));
  // Power by squaring, wrapping.
  EXPECT_EQ(r2(ScalarOp::Pow, T(2), T(10)), T(1024));
  EXPECT_EQ(r2(ScalarOp::Pow, T(0), T(0)), T(1));
  EXPECT_EQ(r2(ScalarOp::Pow, T(-3), T(3)), T(-27));
  EXPECT_EQ(r2(ScalarOp::Pow, T(2), T(-1)), T(0));
  EXPECT_EQ(r2(ScalarOp::Pow, T(0), T(-1)), T(0));
  EXPECT_EQ(r2(ScalarOp::Pow, T(1), T(-5)), T(1));
  EXPECT_EQ(r2(ScalarOp::Pow, T(-1), T(-3)), T(-1));
  EXPECT_EQ(r2(ScalarOp::Pow, T(-1), T(-4)), T(1));
  T wrapped = 1;
  for (int k = 0; k < 70; ++k) wrapped = wrapping_mul(wrapped, T(3));
  EXPECT_EQ(r2(ScalarOp::Pow, T(3), T(70)), wrapped);
  EXPECT_EQ(r2(ScalarOp::Pow, T(2), T(sizeof(T) * 8)), T(0));
  EXPECT_EQ(r2(ScalarOp::And, T(12), T(10)), T(8));
  EXPECT_EQ(r2(ScalarOp::Or, T(12), T(10)), T(14));
  EXPECT_EQ(r2(ScalarOp::Xor, T(12), T(10)), T(6));
}

TEST(ScalarSemantics, IntegerEdgeCases) {
  check_integer_edges<std::int32_t>();
  check_integer_edges<std::int64_t>();
  // The interpreter's primitives give the same.
  EXPECT_EQ((eval2<std::int32_t>("div", INT32_MIN, std::int32_t{-1})), INT32_MIN);
  EXPECT_EQ((eval2<std::int64_t>("rem", INT64_MIN, std::int64_t{-1})), 0);
  EXPECT_EQ((eval2<std::int32_t>("pow", std::int32_t{-1}, std::int32_t{-3})), -1);
}

TEST(ScalarSemantics, BoolIsALattice) {
  auto r2 = [](ScalarOp op, bool a, bool b) { return scalar_reference(op, a, b); };
  for (bool a : {false, true}) {
    for (bool b : {false, true}) {
      EXPECT_EQ(r2(ScalarOp::Add, a, b), a || b);
      EXPECT_EQ(r2(ScalarOp::Sub, a, b), a != b);
      EXPECT_EQ(r2(ScalarOp::Mul, a, b), a && b);
      EXPECT_EQ(r2(ScalarOp::Max, a, b), a || b);
      EXPECT_EQ(r2(ScalarOp::Min, a, b), a && b);
      EXPECT_EQ(r2(ScalarOp::Xor, a, b), a != b);
      EXPECT_EQ(scalar_compare(ScalarOp::Lt, a, b), !a && b);
    }
    EXPECT_EQ(scalar_reference(ScalarOp::Neg, a), a);
    EXPECT_EQ(scalar_reference(ScalarOp::Not, a), !a);
  }
}

// --- floats ------------------------------------------------------------------------------
TEST(ScalarSemantics, FloatSignsAndRounding) {
  auto r1 = [](ScalarOp op, double x) { return scalar_reference(op, x); };
  EXPECT_EQ(bits(r1(ScalarOp::Sign, -0.0)), bits(-0.0));
  EXPECT_EQ(bits(r1(ScalarOp::Sign, 0.0)), bits(0.0));
  EXPECT_EQ(r1(ScalarOp::Sign, -3.0), -1.0);
  EXPECT_EQ(bits(r1(ScalarOp::Sign, payload_nan<double>())), bits(payload_nan<double>()));
  EXPECT_EQ(bits(r1(ScalarOp::Abs, -0.0)), bits(0.0));
  EXPECT_EQ(bits(r1(ScalarOp::Neg, 0.0)), bits(-0.0));
  EXPECT_EQ(bits(r1(ScalarOp::Floor, -0.0)), bits(-0.0));
  EXPECT_EQ(bits(r1(ScalarOp::Round, -0.4)), bits(-0.0));
  EXPECT_EQ(r1(ScalarOp::Round, 2.5), 3.0);
  EXPECT_EQ(r1(ScalarOp::Round, -2.5), -3.0);
  EXPECT_EQ(r1(ScalarOp::Rsqrt, -0.0), -kInf);
  EXPECT_EQ(r1(ScalarOp::Rsqrt, 0.0), kInf);
  EXPECT_EQ(bits(scalar_reference(ScalarOp::Rem, -0.0, 3.0)), bits(-0.0));
  EXPECT_EQ(scalar_reference(ScalarOp::Rem, -7.5, 2.0), -1.5);
  EXPECT_EQ(scalar_reference(ScalarOp::Pow, std::nan(""), 0.0), 1.0);
  EXPECT_EQ(scalar_reference(ScalarOp::Atan2, 0.0, -0.0), M_PI);
  EXPECT_EQ(scalar_reference(ScalarOp::Atan2, -0.0, -0.0), -M_PI);
  EXPECT_FALSE(scalar_compare(ScalarOp::Lt, -0.0, 0.0));
  EXPECT_TRUE(scalar_compare(ScalarOp::Eq, -0.0, 0.0));
  EXPECT_TRUE(scalar_compare(ScalarOp::Ne, std::nan(""), std::nan("")));
  EXPECT_FALSE(scalar_compare(ScalarOp::Eq, std::nan(""), std::nan("")));
}

// f32: the double function, rounded once. The expectations call <cmath> at run time (the
// volatile keeps the compiler from folding them with its own, correctly rounded, math).
TEST(ScalarSemantics, FloatMathIsDoubleRoundedOnce) {
  for (float xv : {0.1f, 1.0f, 3.0f, 100.5f, -2.25f}) {
    volatile float launder = xv;
    const float x = launder;
    const double xd = x, p = 1.7f, q = 0.3f;
    EXPECT_EQ(scalar_reference(ScalarOp::Sin, x), static_cast<float>(std::sin(xd)));
    EXPECT_EQ(scalar_reference(ScalarOp::Exp, x), static_cast<float>(std::exp(xd)));
    EXPECT_EQ(bits(scalar_reference(ScalarOp::Pow, x, 1.7f)),
              bits(static_cast<float>(std::pow(xd, p))));  // NaN for x < 0
    EXPECT_EQ(scalar_reference(ScalarOp::Atan2, x, 0.3f), static_cast<float>(std::atan2(xd, q)));
    EXPECT_EQ(eval1<float>("sin", x), scalar_reference(ScalarOp::Sin, x));
  }
  // e rounded to f32 is 0x402df854; pow of a negative base to a non-integer is NaN.
  EXPECT_EQ(bits(scalar_reference(ScalarOp::Exp, 1.0f)), 0x402df854u);
  EXPECT_TRUE(std::isnan(scalar_reference(ScalarOp::Pow, -2.25f, 1.7f)));
  volatile double m27 = -27.0;
  EXPECT_EQ(scalar_reference(ScalarOp::Cbrt, -27.0), std::cbrt(m27));  // glibc's, as documented
  EXPECT_NEAR(scalar_reference(ScalarOp::Cbrt, -27.0), -3.0, 1e-15);
}

TEST(ScalarSemantics, Convert) {
  const double nan = std::nan("");
  EXPECT_EQ((scalar_convert<std::int32_t>(nan)), 0);
  EXPECT_EQ((scalar_convert<std::int32_t>(kInf)), INT32_MAX);
  EXPECT_EQ((scalar_convert<std::int32_t>(-kInf)), INT32_MIN);
  EXPECT_EQ((scalar_convert<std::int32_t>(2147483648.0)), INT32_MAX);
  EXPECT_EQ((scalar_convert<std::int32_t>(2147483647.9)), INT32_MAX);
  EXPECT_EQ((scalar_convert<std::int32_t>(-2147483648.9)), INT32_MIN);
  EXPECT_EQ((scalar_convert<std::int32_t>(-2.7)), -2);
  EXPECT_EQ((scalar_convert<std::int64_t>(1e300)), INT64_MAX);
  EXPECT_EQ((scalar_convert<std::int64_t>(-9.3e18f)), INT64_MIN);
  EXPECT_EQ((scalar_convert<std::int32_t>(std::int64_t{(1ll << 32) + 5})), 5);
  EXPECT_EQ((scalar_convert<bool>(nan)), true);
  EXPECT_EQ((scalar_convert<bool>(-0.0)), false);
  EXPECT_EQ((scalar_convert<double>(true)), 1.0);
  EXPECT_EQ((scalar_convert<float>(1e300)), std::numeric_limits<float>::infinity());
  EXPECT_EQ((scalar_convert<float>(std::int64_t{(1ll << 24) + 1})), 16777216.0f);
}

TEST(ScalarSemantics, UndefinedCombinationsThrow) {
  EXPECT_THROW(scalar_reference(ScalarOp::Sin, std::int32_t{1}), InternalError);
  EXPECT_THROW(scalar_reference(ScalarOp::Div, true, true), InternalError);
  EXPECT_THROW(scalar_reference(ScalarOp::Lt, 1.0, 2.0), InternalError);  // a comparison
  EXPECT_THROW(scalar_reference(ScalarOp::Not, 1.0), InternalError);
  EXPECT_THROW(scalar_compare(ScalarOp::Add, 1.0, 2.0), InternalError);
}

}  // namespace
}  // namespace lanes::internal
