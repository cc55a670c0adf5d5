// The compare_select primitives (lt le gt ge eq ne select convert) and the shared
// elementwise shape rule: dtype and shape errors, weak types, the registry entries.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "engine/primitives/family_helpers.h"
#include "tests/unit/primitive_eval_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Params;
using testing::arrays_close;
using testing::eval_prim;
using testing::eval_shape;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int32_t kMin32 = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kMax32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();

Array bools(std::vector<bool> v) { return Array::from(v); }

TEST(Compare, FloatsFollowIeeeIncludingNaNAndSignedZero) {
  Array a = Array::from(std::vector<double>{1.0, 2.0, 3.0, kNaN, -0.0, -kInf, kNaN});
  Array b = Array::from(std::vector<double>{2.0, 2.0, 1.0, 1.0, 0.0, kInf, kNaN});
  EXPECT_TRUE(arrays_close(eval_prim("lt", {a, b}), bools({1, 0, 0, 0, 0, 1, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("le", {a, b}), bools({1, 1, 0, 0, 1, 1, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("gt", {a, b}), bools({0, 0, 1, 0, 0, 0, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("ge", {a, b}), bools({0, 1, 1, 0, 1, 0, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("eq", {a, b}), bools({0, 1, 0, 0, 1, 0, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("ne", {a, b}), bools({1, 0, 1, 1, 0, 1, 1})));
}

TEST(Compare, F32IntsAndBools) {
  Array f = Array::from(std::vector<float>{1e-40f, -1.0f});
  Array g = Array::from(std::vector<float>{0.0f, -1.0f});
  EXPECT_TRUE(arrays_close(eval_prim("gt", {f, g}), bools({1, 0})));
  Array i = Array::from(std::vector<std::int64_t>{kMin64, 5, kMax64});
  Array j = Array::from(std::vector<std::int64_t>{kMax64, 5, kMin64});
  EXPECT_TRUE(arrays_close(eval_prim("lt", {i, j}), bools({1, 0, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("eq", {i, j}), bools({0, 1, 0})));
  Array p = Array::from(std::vector<std::int32_t>{kMin32, 0});
  EXPECT_TRUE(arrays_close(eval_prim("ge", {p, Array::scalar(std::int32_t{0})}), bools({0, 1})));
  EXPECT_TRUE(arrays_close(eval_prim("lt", {bools({0, 0, 1, 1}), bools({0, 1, 0, 1})}),
                           bools({0, 1, 0, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("eq", {bools({0, 0, 1, 1}), bools({0, 1, 0, 1})}),
                           bools({1, 0, 0, 1})));
}

TEST(Select, PicksPerElementWithRankZeroOperands) {
  Array pred = bools({1, 0, 1});
  Array a = Array::from(std::vector<float>{1, 2, 3});
  Array b = Array::from(std::vector<float>{-1, -2, -3});
  EXPECT_TRUE(
      arrays_close(eval_prim("select", {pred, a, b}), Array::from(std::vector<float>{1, -2, 3})));
  EXPECT_TRUE(arrays_close(eval_prim("select", {pred, a, Array::scalar(0.0f)}),
                           Array::from(std::vector<float>{1, 0, 3})));
  Array pf = Array::from(std::vector<bool>{false}, Shape{});
  EXPECT_TRUE(arrays_close(eval_prim("select", {pf, a, b}), b));
  Array ia = Array::from(std::vector<std::int64_t>{7, 8}, {1, 2});
  EXPECT_TRUE(arrays_close(
      eval_prim("select", {bools({0, 1}).reshaped({1, 2}), ia, Array::scalar(std::int64_t{0})}),
      Array::from(std::vector<std::int64_t>{0, 8}, {1, 2})));
}

Params to(DType t, bool weak = false) { return Params{{"dtype", t}, {"weak", weak}}; }

TEST(Convert, FloatToIntTruncatesSaturatesAndMapsNaNToZero) {
  Array x =
      Array::from(std::vector<double>{2.9, -2.9, 0.5, -0.0, kNaN, 1e10, -1e10, kInf, -kInf,
                                      2147483647.9, 2147483648.0, -2147483648.9, -2147483649.0});
  EXPECT_TRUE(
      arrays_close(eval_prim("convert", {x}, to(DType::I32)),
                   Array::from(std::vector<std::int32_t>{2, -2, 0, 0, 0, kMax32, kMin32, kMax32,
                                                         kMin32, kMax32, kMax32, kMin32, kMin32})));
  Array y = Array::from(std::vector<double>{9.3e18, -9.3e18, 9223372036854775807.0,
                                            -9223372036854775808.0, 9007199254740993.0, kNaN, -kInf,
                                            123456789012.75});
  EXPECT_TRUE(arrays_close(
      eval_prim("convert", {y}, to(DType::I64)),
      Array::from(std::vector<std::int64_t>{kMax64, kMin64, kMax64, kMin64, 9007199254740992LL, 0,
                                            kMin64, 123456789012LL})));
  Array f = Array::from(std::vector<float>{3e9f, -3e9f, -7.99f, 16777216.0f});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {f}, to(DType::I32)),
                           Array::from(std::vector<std::int32_t>{kMax32, kMin32, -7, 16777216})));
}

TEST(Convert, ToBoolIsNonZeroAndFromBoolIsZeroOne) {
  Array x = Array::from(std::vector<double>{0.0, -0.0, kNaN, 0.1, -kInf, 1e-310});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {x}, to(DType::Bool)), bools({0, 0, 1, 1, 1, 1})));
  Array i = Array::from(std::vector<std::int32_t>{0, 5, -1, kMin32});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {i}, to(DType::Bool)), bools({0, 1, 1, 1})));
  Array b = bools({1, 0});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {b}, to(DType::F64)),
                           Array::from(std::vector<double>{1, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("convert", {b}, to(DType::F32)),
                           Array::from(std::vector<float>{1, 0})));
  EXPECT_TRUE(arrays_close(eval_prim("convert", {b}, to(DType::I32)),
                           Array::from(std::vector<std::int32_t>{1, 0})));
}

TEST(Convert, IntAndFloatWidths) {
  Array l = Array::from(std::vector<std::int64_t>{(std::int64_t{1} << 32) + 5, -1, kMax64});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {l}, to(DType::I32)),
                           Array::from(std::vector<std::int32_t>{5, -1, -1})));  // wraps
  EXPECT_TRUE(
      arrays_close(eval_prim("convert", {l}, to(DType::F64)),
                   Array::from(std::vector<double>{4294967301.0, -1.0, 9223372036854775808.0})));
  Array i = Array::from(std::vector<std::int32_t>{16777217, kMin32});
  EXPECT_TRUE(arrays_close(eval_prim("convert", {i}, to(DType::F32)),
                           Array::from(std::vector<float>{16777216.0f, -2147483648.0f})));
  Array d = Array::from(std::vector<double>{1e300, 0.1, -1e-310, kNaN});
  Array r = eval_prim("convert", {d}, to(DType::F32));
  EXPECT_EQ(r.data<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(r.data<float>()[1], 0.1f);
  EXPECT_EQ(r.data<float>()[2], 0.0f);
  EXPECT_TRUE(std::signbit(r.data<float>()[2]));
  EXPECT_TRUE(std::isnan(r.data<float>()[3]));
  Array same = eval_prim("convert", {d}, to(DType::F64));
  EXPECT_TRUE(arrays_close(same, d));
}

TEST(Convert, ShapeRuleTakesDtypeAndWeakFromParams) {
  AbstractValue x{DType::I32, {2, 3}, false};
  EXPECT_EQ(eval_shape("convert", {x}, to(DType::F64, true)),
            (AbstractValue{DType::F64, {2, 3}, true}));
  EXPECT_EQ(eval_shape("convert", {x}, to(DType::Bool)),
            (AbstractValue{DType::Bool, {2, 3}, false}));
}

// --- the shared shape rule --------------------------------------------------------

template <class E>
std::string error_of(const std::string& prim, std::vector<AbstractValue> in) {
  try {
    eval_shape(prim, in);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}

TEST(ElementwiseShapeRule, ResultShapeAndWeakType) {
  AbstractValue v3{DType::F32, {3}, false}, s{DType::F32, {}, true}, w3{DType::F32, {3}, true};
  EXPECT_EQ(eval_shape("add", {v3, s}), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(eval_shape("add", {s, v3}), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(eval_shape("add", {s, w3}), (AbstractValue{DType::F32, {3}, true}));
  EXPECT_EQ(eval_shape("add", {s, s}), (AbstractValue{DType::F32, {}, true}));
  EXPECT_EQ(eval_shape("lt", {v3, s}), (AbstractValue{DType::Bool, {3}, false}));
  EXPECT_EQ(eval_shape("sin", {w3}), w3);
  // select: the predicate's weakness and dtype do not count.
  AbstractValue p{DType::Bool, {3}, false};
  EXPECT_EQ(eval_shape("select", {p, s, w3}), w3);
  EXPECT_EQ(eval_shape("select", {p, s, s}), (AbstractValue{DType::F32, {3}, true}));
}

TEST(ElementwiseShapeRule, ShapeErrorsNameThePrimitiveOperandAndShapes) {
  AbstractValue a{DType::F32, {3}, false}, b{DType::F32, {4}, false}, one{DType::F32, {1}, false};
  std::string m = error_of<ShapeError>("add", {a, b});
  EXPECT_NE(m.find("add: operand 1 has shape [4] but operand 0 has [3]"), std::string::npos) << m;
  // No implicit numpy broadcasting at the primitive level: [1] is not rank 0.
  m = error_of<ShapeError>("mul", {one, a});
  EXPECT_NE(m.find("mul:"), std::string::npos) << m;
  EXPECT_NE(m.find("[1]"), std::string::npos) << m;
  AbstractValue p{DType::Bool, {4}, false};
  m = error_of<ShapeError>("select", {p, a, a});
  EXPECT_NE(m.find("select: operand 1 has shape [3] but operand 0 has [4]"), std::string::npos)
      << m;
}

TEST(ElementwiseShapeRule, DTypeErrorsNameThePrimitiveOperandAndDtypes) {
  AbstractValue f{DType::F32, {3}, false}, d{DType::F64, {3}, false}, i{DType::I32, {3}, false};
  AbstractValue b{DType::Bool, {3}, false};
  std::string m = error_of<DTypeError>("add", {f, d});
  EXPECT_NE(m.find("add: operand 1 has dtype f64 but operand 0 has f32"), std::string::npos) << m;
  m = error_of<DTypeError>("sin", {i});
  EXPECT_NE(m.find("sin: operand 0 has dtype i32, but sin accepts f32, f64"), std::string::npos)
      << m;
  for (const char* prim : {"sqrt", "exp", "log", "floor", "round", "erf"}) {
    EXPECT_NE(error_of<DTypeError>(prim, {i}).find(prim), std::string::npos) << prim;
  }
  EXPECT_NE(error_of<DTypeError>("atan2", {i, i}).find("atan2"), std::string::npos);
  EXPECT_NE(error_of<DTypeError>("and", {f, f}).find("and: operand 0 has dtype f32"),
            std::string::npos);
  EXPECT_NE(error_of<DTypeError>("not", {d}).find("not"), std::string::npos);
  EXPECT_NE(error_of<DTypeError>("add", {b, b}).find("add"), std::string::npos);
  EXPECT_NE(error_of<DTypeError>("neg", {b}).find("neg"), std::string::npos);
  m = error_of<DTypeError>("select", {f, f, f});
  EXPECT_NE(m.find("select: operand 0 has dtype f32, but select accepts bool"), std::string::npos)
      << m;
  m = error_of<DTypeError>("select", {b, f, d});
  EXPECT_NE(m.find("select: operand 2 has dtype f64 but operand 1 has f32"), std::string::npos)
      << m;
}

// Every primitive of these families says how it lowers and which transformation rules it
// lacks, explicitly.
TEST(ElementwiseRegistry, EveryPrimitiveIsFullyDeclared) {
  const std::set<std::string> families = {"elementwise_unary", "elementwise_binary",
                                          "compare_select", "broadcast"};
  int count = 0;
  for (const internal::Primitive* p : internal::all_primitives()) {
    if (!families.count(p->family)) continue;
    ++count;
    using State = internal::Rule<internal::BatchFn>::State;
    EXPECT_NE(p->batch.state, State::Unset) << p->name;
    EXPECT_NE(p->jvp.state, internal::Rule<internal::JvpFn>::State::Unset) << p->name;
    EXPECT_NE(p->vjp.state, internal::Rule<internal::VjpFn>::State::Unset) << p->name;
    if (p->family == "broadcast") {
      EXPECT_EQ(p->lowering, internal::LoweringKind::IndexMap) << p->name;
      continue;
    }
    if (p->lowering == internal::LoweringKind::Composite) {
      // Lowered as what it expands to (logistic: 1 / (1 + exp(-x))).
      EXPECT_TRUE(p->expand) << p->name;
      continue;
    }
    EXPECT_EQ(p->lowering, internal::LoweringKind::Elementwise) << p->name;
    ASSERT_NE(p->scalar_op, internal::ScalarOp::None) << p->name;
    // The ScalarOp's name is the primitive's (sin -> Sin, lt -> Lt, ...).
    std::string op(internal::scalar_op_name(p->scalar_op));
    std::string want = p->name;
    want[0] = static_cast<char>(std::toupper(want[0]));
    EXPECT_EQ(op, want) << p->name;
    EXPECT_EQ(internal::scalar_op_is_comparison(p->scalar_op),
              p->name == "lt" || p->name == "le" || p->name == "gt" || p->name == "ge" ||
                  p->name == "eq" || p->name == "ne")
        << p->name;
  }
  // At least 31 unary + 12 binary + 8 compare/select/convert + broadcast_in_dim; that each
  // registered primitive is exercised is the primitive table's test (PrimitiveCases).
  EXPECT_GE(count, 31 + 12 + 8 + 1);
}

}  // namespace
}  // namespace lanes
