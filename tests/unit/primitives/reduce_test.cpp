// The reduce primitives (reduce_sum/prod/max/min, argmax/argmin) against hand-computed
// values and loops, their identities, NaN and tie rules, shape errors, and the DSL
// reductions through lanes::fn.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/ir/params.h"
#include "engine/primitive.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Params;
using testing::arrays_close;
using testing::expect_error;
using testing::make;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();


Array run(const char* name, const Array& x, const Params& params) {
  const internal::Primitive& p = internal::primitive(name);
  AbstractValue a = internal::aval_of(x);
  internal::AvalList out = p.abstract_eval(std::vector<AbstractValue>{a}, params);
  std::vector<Array> r = p.impl(std::vector<Array>{x}, params);
  EXPECT_EQ(out[0].dtype, r[0].dtype()) << name;
  EXPECT_EQ(out[0].shape, r[0].shape()) << name;
  return r[0];
}

Params axes(Shape a) { return Params{{"axes", a}}; }
Params arg_axis(std::int64_t axis, DType index = DType::I64) {
  return Params{{"axis", axis}, {"index_dtype", index}};
}


const DType kNumeric[] = {DType::I32, DType::I64, DType::F32, DType::F64};

// x = [[1, -2, 3], [4, 5, -6]]
const std::vector<double> kM = {1, -2, 3, 4, 5, -6};

TEST(Reduce, SumProdMaxMinOfAMatrixForEveryNumericDtype) {
  for (DType d : kNumeric) {
    SCOPED_TRACE(dtype_name(d));
    Array x = make(d, kM, {2, 3});
    EXPECT_TRUE(arrays_close(run("reduce_sum", x, axes({1})), make(d, {2, 3}, {2})));
    EXPECT_TRUE(arrays_close(run("reduce_sum", x, axes({0})), make(d, {5, 3, -3}, {3})));
    EXPECT_TRUE(arrays_close(run("reduce_sum", x, axes({0, 1})), make(d, {5}, {})));
    EXPECT_TRUE(arrays_close(run("reduce_prod", x, axes({1})), make(d, {-6, -120}, {2})));
    EXPECT_TRUE(arrays_close(run("reduce_prod", x, axes({0, 1})), make(d, {720}, {})));
    EXPECT_TRUE(arrays_close(run("reduce_max", x, axes({0})), make(d, {4, 5, 3}, {3})));
    EXPECT_TRUE(arrays_close(run("reduce_max", x, axes({1})), make(d, {3, 5}, {2})));
    EXPECT_TRUE(arrays_close(run("reduce_min", x, axes({0})), make(d, {1, -2, -6}, {3})));
    EXPECT_TRUE(arrays_close(run("reduce_min", x, axes({0, 1})), make(d, {-6}, {})));
    // No axes: the operand unchanged.
    EXPECT_TRUE(arrays_close(run("reduce_sum", x, axes({})), x));
  }
}

TEST(Reduce, ScalarOperand) {
  EXPECT_TRUE(arrays_close(run("reduce_sum", Array::scalar(2.5), axes({})), Array::scalar(2.5)));
  EXPECT_TRUE(arrays_close(run("reduce_max", Array::scalar(std::int32_t{-3}), axes({})),
                           Array::scalar(std::int32_t{-3})));
}

TEST(Reduce, Rank3OverOuterAndInnerAxesMatchesLoop) {
  std::vector<double> v;
  for (int i = 0; i < 24; ++i) v.push_back((i * 7) % 11 - 5);
  Array x = make(DType::F64, v, {2, 3, 4});
  Array r = run("reduce_sum", x, axes({0, 2}));
  ASSERT_EQ(r.shape(), (Shape{3}));
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 2; ++i) {
      for (int k = 0; k < 4; ++k) s += v[static_cast<std::size_t>(i * 12 + j * 4 + k)];
    }
    EXPECT_EQ(r.data<double>()[j], s);
  }
  Array m = run("reduce_max", x, axes({1}));
  ASSERT_EQ(m.shape(), (Shape{2, 4}));
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 4; ++k) {
      double best = -kInf;
      for (int j = 0; j < 3; ++j)
        best = std::max(best, v[static_cast<std::size_t>(i * 12 + j * 4 + k)]);
      EXPECT_EQ(m.data<double>()[i * 4 + k], best);
    }
  }
}

TEST(Reduce, EmptyReductionsGiveTheIdentity) {
  Array f = Array::zeros(DType::F64, {0, 3});
  EXPECT_TRUE(arrays_close(run("reduce_sum", f, axes({0})), make(DType::F64, {0, 0, 0}, {3})));
  EXPECT_TRUE(arrays_close(run("reduce_prod", f, axes({0})), make(DType::F64, {1, 1, 1}, {3})));
  EXPECT_TRUE(arrays_close(run("reduce_max", f, axes({0, 1})), Array::scalar(-kInf)));
  EXPECT_TRUE(arrays_close(run("reduce_min", Array::zeros(DType::F32, {0}), axes({0})),
                           Array::scalar(std::numeric_limits<float>::infinity())));
  // Reducing the non-empty axis of an empty array gives an empty result.
  EXPECT_EQ(run("reduce_sum", f, axes({1})).shape(), (Shape{0}));
  Array i = Array::zeros(DType::I32, {0});
  EXPECT_EQ(run("reduce_max", i, axes({0})).data<std::int32_t>()[0],
            std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(run("reduce_min", Array::zeros(DType::I64, {2, 0}), axes({1})).data<std::int64_t>()[1],
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(run("reduce_prod", i, axes({0})).data<std::int32_t>()[0], 1);
}

TEST(Reduce, MaxAndMinPropagateNaN) {
  for (DType d : {DType::F32, DType::F64}) {
    Array x = make(d, {1, kNaN, 3, 4, 5, 6}, {2, 3});
    Array mx = run("reduce_max", x, axes({1}));
    EXPECT_TRUE(std::isnan(mx.element_as_double(0)));
    EXPECT_EQ(mx.element_as_double(1), 6.0);
    Array mn = run("reduce_min", x, axes({0}));
    EXPECT_EQ(mn.element_as_double(0), 1.0);
    EXPECT_TRUE(std::isnan(mn.element_as_double(1)));
    EXPECT_EQ(mn.element_as_double(2), 3.0);
    // Also when NaN comes first, and for sums.
    EXPECT_TRUE(
        std::isnan(run("reduce_max", make(d, {kNaN, 9}, {2}), axes({0})).element_as_double(0)));
    EXPECT_TRUE(std::isnan(run("reduce_sum", x, axes({0, 1})).element_as_double(0)));
  }
  // -inf is a value, not "no value": max of [-inf] is -inf.
  EXPECT_EQ(run("reduce_max", Array::from({-kInf}, {1}), axes({0})).item<double>(), -kInf);
}

TEST(Reduce, MaxAndMinOrderSignedZerosWhateverTheirPosition) {
  // docs/semantics.md: max(-0, +0) = +0 and min(-0, +0) = -0, in both argument orders.
  for (DType d : {DType::F32, DType::F64}) {
    for (bool neg_first : {true, false}) {
      Array x = neg_first ? make(d, {-0.0, 0.0}, {2}) : make(d, {0.0, -0.0}, {2});
      double mx = run("reduce_max", x, axes({0})).element_as_double(0);
      double mn = run("reduce_min", x, axes({0})).element_as_double(0);
      EXPECT_EQ(mx, 0.0);
      EXPECT_FALSE(std::signbit(mx)) << dtype_name(d) << " neg_first " << neg_first;
      EXPECT_EQ(mn, 0.0);
      EXPECT_TRUE(std::signbit(mn)) << dtype_name(d) << " neg_first " << neg_first;
    }
    // All zeros of one sign keep it; a NaN among zeros still wins.
    EXPECT_TRUE(std::signbit(run("reduce_max", make(d, {-0.0, -0.0}, {2}), axes({0})).element_as_double(0)));
    EXPECT_FALSE(std::signbit(run("reduce_min", make(d, {0.0, 0.0}, {2}), axes({0})).element_as_double(0)));
    EXPECT_TRUE(std::isnan(run("reduce_max", make(d, {-0.0, kNaN, 0.0}, {3}), axes({0})).element_as_double(0)));
  }
}

TEST(Reduce, FloatSumsAccumulateInDouble) {
  // In f32 arithmetic 1e8 + 1 rounds back to 1e8, so a sequential f32 sum gives 0.
  Array x = Array::from(std::vector<float>{1e8f, 1.0f, -1e8f});
  EXPECT_EQ(run("reduce_sum", x, axes({0})).item<float>(), 1.0f);
}

TEST(Reduce, IntegerSumsWrap) {
  Array x = Array::from(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::max(), 1});
  EXPECT_EQ(run("reduce_sum", x, axes({0})).item<std::int32_t>(),
            std::numeric_limits<std::int32_t>::min());
}

TEST(Reduce, BoolMaxMinAreAnyAllAndBoolSumIsADTypeError) {
  Array b = Array::from(std::vector<bool>{false, true, false, false}, {2, 2});
  EXPECT_TRUE(
      arrays_close(run("reduce_max", b, axes({1})), Array::from(std::vector<bool>{true, false})));
  EXPECT_TRUE(
      arrays_close(run("reduce_min", b, axes({0})), Array::from(std::vector<bool>{false, false})));
  AbstractValue ab{DType::Bool, {2, 2}, false};
  for (const char* name : {"reduce_sum", "reduce_prod"}) {
    expect_error<DTypeError>(
        [&] { internal::primitive(name).abstract_eval(std::vector<AbstractValue>{ab}, axes({0})); },
        {name, "bool"});
  }
}

TEST(Reduce, MissingDuplicateOrUnsortedAxesAreShapeErrors) {
  AbstractValue x{DType::F64, {2, 3}, false};
  auto rule = [&](const char* name, Shape a) {
    internal::primitive(name).abstract_eval(std::vector<AbstractValue>{x}, axes(a));
  };
  expect_error<ShapeError>([&] { rule("reduce_sum", {2}); }, {"reduce_sum", "axis 2", "[2,3]"});
  expect_error<ShapeError>([&] { rule("reduce_max", {-1}); }, {"reduce_max", "axis -1", "[2,3]"});
  expect_error<ShapeError>([&] { rule("reduce_min", {1, 1}); }, {"reduce_min", "twice"});
  expect_error<ShapeError>([&] { rule("reduce_prod", {1, 0}); }, {"reduce_prod", "sorted"});
}

// --- argmax / argmin ------------------------------------------------------------

TEST(Reduce, ArgmaxArgminReturnTheFirstOfTies) {
  for (DType d : kNumeric) {
    SCOPED_TRACE(dtype_name(d));
    Array v = make(d, {3, 7, 7, 1, 1}, {5});
    Array am = run("argmax", v, arg_axis(0));
    EXPECT_EQ(am.dtype(), DType::I64);
    EXPECT_EQ(am.item<std::int64_t>(), 1);
    EXPECT_EQ(run("argmin", v, arg_axis(0)).item<std::int64_t>(), 3);
  }
  // All equal: index 0.
  EXPECT_EQ(run("argmax", Array::from({2.0, 2.0, 2.0}), arg_axis(0)).item<std::int64_t>(), 0);
}

TEST(Reduce, ArgmaxAlongEachAxisOfAMatrix) {
  // [[1, -2, 3], [4, 5, -6]]
  Array x = make(DType::F32, kM, {2, 3});
  EXPECT_TRUE(
      arrays_close(run("argmax", x, arg_axis(0)), Array::from(std::vector<std::int64_t>{1, 1, 0})));
  EXPECT_TRUE(
      arrays_close(run("argmax", x, arg_axis(1)), Array::from(std::vector<std::int64_t>{2, 1})));
  EXPECT_TRUE(arrays_close(run("argmin", x, arg_axis(1, DType::I32)),
                           Array::from(std::vector<std::int32_t>{1, 2})));
  // Rank 3, middle axis, against a loop.
  std::vector<double> v;
  for (int i = 0; i < 24; ++i) v.push_back((i * 5) % 7);
  Array y = make(DType::I64, v, {2, 3, 4});
  Array r = run("argmin", y, arg_axis(1));
  ASSERT_EQ(r.shape(), (Shape{2, 4}));
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 4; ++k) {
      int best = 0;
      for (int j = 1; j < 3; ++j) {
        if (v[static_cast<std::size_t>(i * 12 + j * 4 + k)] <
            v[static_cast<std::size_t>(i * 12 + best * 4 + k)])
          best = j;
      }
      EXPECT_EQ(r.data<std::int64_t>()[i * 4 + k], best);
    }
  }
}

TEST(Reduce, ArgmaxArgminTreatNaNAsTheExtreme) {
  for (DType d : {DType::F32, DType::F64}) {
    Array v = make(d, {1, 9, kNaN, 5, kNaN}, {5});
    EXPECT_EQ(run("argmax", v, arg_axis(0)).item<std::int64_t>(), 2);
    EXPECT_EQ(run("argmin", v, arg_axis(0)).item<std::int64_t>(), 2);
    EXPECT_EQ(run("argmax", make(d, {kNaN, 3}, {2}), arg_axis(0)).item<std::int64_t>(), 0);
  }
}

TEST(Reduce, ArgmaxOfBools) {
  Array b = Array::from(std::vector<bool>{false, false, true, true});
  EXPECT_EQ(run("argmax", b, arg_axis(0)).item<std::int64_t>(), 2);
  EXPECT_EQ(run("argmin", b, arg_axis(0)).item<std::int64_t>(), 0);
}

TEST(Reduce, ArgmaxErrors) {
  auto rule = [](const char* name, Shape s, std::int64_t axis) {
    AbstractValue x{DType::F64, std::move(s), false};
    internal::primitive(name).abstract_eval(std::vector<AbstractValue>{x}, arg_axis(axis));
  };
  expect_error<ShapeError>(
      [&] {
        rule("argmax", {3, 0}, 1);
      },
      {"argmax", "axis 1", "[3,0]", "empty"});
  expect_error<ShapeError>([&] { rule("argmin", {3}, 1); }, {"argmin", "axis 1", "[3]"});
  // An empty array whose reduced axis is not empty is fine: the result is empty.
  Array r = run("argmax", Array::zeros(DType::F64, {0, 3}), arg_axis(1));
  EXPECT_EQ(r.shape(), (Shape{0}));
}

TEST(Reduce, PrimitivesAreReductionsWithEveryTransformationRule) {
  for (const char* name :
       {"reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "argmax", "argmin"}) {
    const internal::Primitive& p = internal::primitive(name);
    EXPECT_EQ(p.lowering, internal::LoweringKind::Reduction) << name;
    EXPECT_EQ(p.batch.state, internal::Rule<internal::BatchFn>::State::Defined) << name;
    EXPECT_EQ(p.vjp.state, internal::Rule<internal::VjpFn>::State::Defined) << name;
    EXPECT_EQ(p.jvp.state, internal::Rule<internal::JvpFn>::State::Defined) << name;
  }
}

// --- the DSL -----------------------------------------------------------------------

TEST(ReduceDsl, SumOverAllAndNegativeAxes) {
  Array x = make(DType::F64, kM, {2, 3});
  EXPECT_EQ(static_cast<Array>(fn([](Value v) { return sum(v); })(x)).item<double>(), 5.0);
  Array rows = fn([](Value v) { return sum(v, {-1}); })(x);
  EXPECT_TRUE(arrays_close(rows, Array::from({2.0, 3.0})));
  Array both = fn([](Value v) { return sum(v, {-1, 0}); })(x);
  EXPECT_EQ(both.shape(), Shape{});
  EXPECT_EQ(both.item<double>(), 5.0);
}

TEST(ReduceDsl, ProdMaxMinMatchLoops) {
  std::vector<double> v;
  for (int i = 0; i < 12; ++i) v.push_back((i * 5) % 7 - 3);
  Array x = make(DType::I32, v, {3, 4});
  Array p = fn([](Value a) { return prod(a, {0}); })(x);
  Array mx = fn([](Value a) { return max(a, {1}); })(x);
  Array mn = fn([](Value a) { return min(a); })(x);
  ASSERT_EQ(p.shape(), (Shape{4}));
  ASSERT_EQ(mx.shape(), (Shape{3}));
  double lowest = 1e9;
  for (int k = 0; k < 4; ++k) {
    double pr = 1;
    for (int i = 0; i < 3; ++i) pr *= v[static_cast<std::size_t>(i * 4 + k)];
    EXPECT_EQ(p.data<std::int32_t>()[k], pr);
  }
  for (int i = 0; i < 3; ++i) {
    double best = -1e9;
    for (int k = 0; k < 4; ++k) {
      best = std::max(best, v[static_cast<std::size_t>(i * 4 + k)]);
      lowest = std::min(lowest, v[static_cast<std::size_t>(i * 4 + k)]);
    }
    EXPECT_EQ(mx.data<std::int32_t>()[i], best);
  }
  EXPECT_EQ(mn.item<std::int32_t>(), lowest);
}

TEST(ReduceDsl, BadAxesNameTheFunctionAxisAndShape) {
  Array x = Array::zeros(DType::F64, {2, 3});
  expect_error<ShapeError>([&] { fn([](Value v) { return sum(v, {2}); })(x); },
                           {"sum", "axis 2", "[2,3]"});
  expect_error<ShapeError>([&] { fn([](Value v) {
                                   return max(v, {1, -1});
                                 })(x); },
                           {"max", "axis 1", "twice", "[2,3]"});
  expect_error<ShapeError>([&] { fn([](Value v) { return min(v, {-3}); })(x); },
                           {"min", "axis -3", "[2,3]"});
  expect_error<ShapeError>([&] { fn([](Value v) { return argmax(v, 2); })(x); },
                           {"argmax", "axis 2", "[2,3]"});
}

TEST(ReduceDsl, ArgmaxArgminWithNegativeAxis) {
  Array x = Array::from({1.0, 8.0, 8.0, kNaN, 0.0, 0.0}, {2, 3});
  Array am = fn([](Value v) { return argmax(v, -1); })(x);
  EXPECT_TRUE(arrays_close(am, Array::from(std::vector<std::int64_t>{1, 0})));
  Array an = fn([](Value v) { return argmin(v, 1); })(x);
  EXPECT_TRUE(arrays_close(an, Array::from(std::vector<std::int64_t>{0, 0})));
}

// Some DSL ops lean on the elementwise and broadcast families (convert, div, mul,
// broadcast_in_dim); these tests skip until those primitives are registered.
TEST(ReduceDsl, MeanKeepsFloatDtypesAndAveragesIntsInF64) {
  Array f = make(DType::F32, kM, {2, 3});
  Array mf = fn([](Value v) { return mean(v, {1}); })(f);
  EXPECT_TRUE(arrays_close(mf, Array::from(std::vector<float>{2.0f / 3.0f, 1.0f}), 1));
  Array i = make(DType::I32, {1, 2, 3, 4}, {4});
  Array mi = fn([](Value v) { return mean(v); })(i);
  EXPECT_EQ(mi.dtype(), DType::F64);
  EXPECT_EQ(mi.item<double>(), 2.5);
  Array e = fn([](Value v) { return mean(v, {0}); })(Array::zeros(DType::F64, {0, 2}));
  EXPECT_TRUE(std::isnan(e.data<double>()[0]) && std::isnan(e.data<double>()[1]));
  expect_error<ShapeError>([&] { fn([](Value v) { return mean(v, {3}); })(f); },
                           {"mean", "axis 3", "[2,3]"});
}

TEST(ReduceDsl, BoolSumAndProdCountInI64) {
  Array b = Array::from(std::vector<bool>{true, false, true, true, true, true}, {2, 3});
  Array s = fn([](Value v) { return sum(v, {1}); })(b);
  EXPECT_TRUE(arrays_close(s, Array::from(std::vector<std::int64_t>{2, 3})));
  Array p = fn([](Value v) { return prod(v, {1}); })(b);
  EXPECT_TRUE(arrays_close(p, Array::from(std::vector<std::int64_t>{0, 1})));
  // max of bools stays bool (any).
  Array m = fn([](Value v) { return max(v); })(b);
  EXPECT_EQ(m.dtype(), DType::Bool);
}

}  // namespace
}  // namespace lanes
