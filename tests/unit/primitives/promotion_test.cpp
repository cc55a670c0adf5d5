// JAX-style dtype promotion and numpy broadcasting of the DSL's binary ops (see
// engine/ops/promotion.h): weak C++ literals, strong arrays, and [3,1] + [4] -> [3,4]
// through broadcast_in_dim.
#include "engine/ops/promotion.h"

#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <string>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using testing::arrays_close;

// The dtype and weakness of a + b when traced with arguments a, b.
AbstractValue sum_type(const Arg& a, const Arg& b) {
  AbstractValue seen;
  Fn f = fn([&](Value x, Value y) {
    Value r = x + y;
    seen = {r.dtype(), r.shape(), r.weak_type()};
    return r;
  });
  Array out = f(a, b);
  EXPECT_EQ(out.dtype(), seen.dtype);
  return seen;
}

// The same with C++ literals inside the trace: x + literal.
template <class L>
AbstractValue sum_with_literal(const Array& x, L literal) {
  AbstractValue seen;
  fn([&](Value v) {
    Value r = v + Value(literal);
    seen = {r.dtype(), r.shape(), r.weak_type()};
    return r;
  })(x);
  return seen;
}

Array arr(DType t, Shape s = {3}) { return Array::ones(t, std::move(s)); }

TEST(Promotion, WeakLiteralsKeepTheArrayDtype) {
  EXPECT_EQ(sum_with_literal(arr(DType::F32), 2.0), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(sum_with_literal(arr(DType::F32), 2), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(sum_with_literal(arr(DType::I32), 1), (AbstractValue{DType::I32, {3}, false}));
  EXPECT_EQ(sum_with_literal(arr(DType::I64), 1), (AbstractValue{DType::I64, {3}, false}));
}

TEST(Promotion, WeakLiteralOfAHigherCategoryGivesItsDefaultWeakType) {
  EXPECT_EQ(sum_with_literal(arr(DType::I32), 1.5), (AbstractValue{DType::F64, {3}, true}));
  EXPECT_EQ(sum_with_literal(arr(DType::Bool), 1), (AbstractValue{DType::I64, {3}, true}));
  EXPECT_EQ(sum_with_literal(arr(DType::Bool), 1.0), (AbstractValue{DType::F64, {3}, true}));
}

TEST(Promotion, StrongLiteralsAndStrongArrays) {
  // float literals are strong f32, bool literals strong bool.
  EXPECT_EQ(sum_with_literal(arr(DType::F64), 1.0f), (AbstractValue{DType::F64, {3}, false}));
  EXPECT_EQ(sum_with_literal(arr(DType::I32), 1.0f), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(sum_with_literal(arr(DType::I32), true), (AbstractValue{DType::I32, {3}, false}));
  EXPECT_EQ(sum_type(arr(DType::F32), arr(DType::F64)), (AbstractValue{DType::F64, {3}, false}));
  EXPECT_EQ(sum_type(arr(DType::I32), arr(DType::I64)), (AbstractValue{DType::I64, {3}, false}));
  EXPECT_EQ(sum_type(arr(DType::I64), arr(DType::F32)), (AbstractValue{DType::F32, {3}, false}));
  EXPECT_EQ(sum_type(arr(DType::Bool), arr(DType::I32)), (AbstractValue{DType::I32, {3}, false}));
  EXPECT_EQ(sum_type(arr(DType::Bool), arr(DType::Bool)), (AbstractValue{DType::Bool, {3}, false}));
}

TEST(Promotion, WeakWithWeakJoinsAndStaysWeak) {
  EXPECT_EQ(sum_type(1, 2.0), (AbstractValue{DType::F64, {}, true}));
  EXPECT_EQ(sum_type(1, 2), (AbstractValue{DType::I64, {}, true}));
  EXPECT_EQ(sum_type(arr(DType::F32, {}), 2.0), (AbstractValue{DType::F32, {}, false}));
}

TEST(Promotion, PromoteTypesDirectly) {
  using internal::promote_types;
  auto p = [](std::vector<AbstractValue> v) {
    AbstractValue r = promote_types(v);
    return std::make_pair(r.dtype, r.weak);
  };
  AbstractValue f32{DType::F32, {}, false}, i32{DType::I32, {}, false};
  AbstractValue wf{DType::F64, {}, true}, wi{DType::I64, {}, true}, b{DType::Bool, {}, false};
  EXPECT_EQ(p({f32, wf}), std::make_pair(DType::F32, false));
  EXPECT_EQ(p({i32, wf}), std::make_pair(DType::F64, true));
  EXPECT_EQ(p({b, wi}), std::make_pair(DType::I64, true));
  EXPECT_EQ(p({wi, wf}), std::make_pair(DType::F64, true));
  EXPECT_EQ(p({b, i32, f32}), std::make_pair(DType::F32, false));
  EXPECT_EQ(p({i32, wi}), std::make_pair(DType::I32, false));
}

TEST(Promotion, ValuesArePromotedNotJustTyped) {
  // i32 + 1.5 -> f64: the int operand is converted before adding.
  Array r = fn([](Value x) { return x + 1.5; })(Array::from(std::vector<std::int32_t>{1, -2}));
  EXPECT_TRUE(arrays_close(r, Array::from(std::vector<double>{2.5, -0.5})));
  // f32 * 0.1: the literal is rounded to f32 first, as in JAX.
  Array s = fn([](Value x) { return x * 0.1; })(Array::from(std::vector<float>{3.0f}));
  EXPECT_EQ(s.data<float>()[0], 3.0f * 0.1f);
  // bool + 1 -> i64.
  Array b = fn([](Value x) { return x + 1; })(Array::from(std::vector<bool>{true, false}));
  EXPECT_TRUE(arrays_close(b, Array::from(std::vector<std::int64_t>{2, 1})));
}

TEST(Broadcasting, ColumnPlusRowGivesAMatrix) {
  Fn f = fn([](Value a, Value b) { return a + b; });
  Array col = Array::from(std::vector<double>{10, 20, 30}, {3, 1});
  Array row = Array::from(std::vector<double>{1, 2, 3, 4});
  Array r = f(col, row);
  ASSERT_EQ(r.shape(), (Shape{3, 4}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(r.data<double>()[i * 4 + j], 10.0 * (i + 1) + (j + 1));
    }
  }
  // The traced graph broadcasts both operands with broadcast_in_dim.
  std::string ir = f.ir({col, row});
  EXPECT_NE(ir.find("broadcast_in_dim"), std::string::npos) << ir;
  EXPECT_NE(ir.find("add"), std::string::npos) << ir;
}

TEST(Broadcasting, RankExtensionScalarsAndMixedDtypes) {
  Fn f = fn([](Value a, Value b) { return a * b; });
  Array m = Array::from(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Array v = Array::from(std::vector<std::int32_t>{1, 0, -1});
  EXPECT_TRUE(arrays_close(f(m, v), Array::from(std::vector<float>{1, 0, -3, 4, 0, -6}, {2, 3})));
  EXPECT_TRUE(arrays_close(f(m, 2.0), Array::from(std::vector<float>{2, 4, 6, 8, 10, 12}, {2, 3})));
  Array one = Array::from(std::vector<float>{3}, {1});
  EXPECT_TRUE(
      arrays_close(f(one, m), Array::from(std::vector<float>{3, 6, 9, 12, 15, 18}, {2, 3})));
  // Rank-0 operands need no broadcast equation: elementwise primitives take them as they are.
  std::string ir = f.ir({m, 2.0});
  EXPECT_EQ(ir.find("broadcast_in_dim"), std::string::npos) << ir;
}

TEST(Broadcasting, IncompatibleShapesAreShapeErrors) {
  Fn f = fn([](Value a, Value b) { return a - b; });
  try {
    f(Array::zeros(DType::F32, {2, 3}), Array::zeros(DType::F32, {2}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("sub: operand shapes [2,3], [2] cannot be broadcast"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lanes
