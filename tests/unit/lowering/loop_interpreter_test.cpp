// The loop-IR reference interpreter: scalar semantics of scalar_eval against hand-computed
// values, and hand-built programs (kernels with loops and carries, host steps, output
// sources, bounds checking).
#include "tests/oracle/loop_interpreter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lanes {
namespace {

using internal::scalar_eval;
using internal::ScalarOp;
namespace loop = internal::loop;

Scalar I(DType t, std::int64_t v) { return Scalar::of_int(t, v); }
Scalar F(DType t, double v) { return Scalar::of_double(t, v); }
Scalar eval(ScalarOp op, DType t, std::vector<Scalar> args) { return scalar_eval(op, t, args); }

TEST(ScalarEval, IntegerDivisionAndRemainderAreTotal) {
  EXPECT_EQ(eval(ScalarOp::Div, DType::I32, {I(DType::I32, 7), I(DType::I32, 0)}).as_int64(), -1);
  EXPECT_EQ(eval(ScalarOp::Div, DType::I32, {I(DType::I32, -7), I(DType::I32, 2)}).as_int64(), -3);
  EXPECT_EQ(eval(ScalarOp::Rem, DType::I64, {I(DType::I64, 7), I(DType::I64, 0)}).as_int64(), 7);
  EXPECT_EQ(eval(ScalarOp::Rem, DType::I64, {I(DType::I64, -7), I(DType::I64, 3)}).as_int64(), -1);
  const std::int64_t m32 = std::numeric_limits<std::int32_t>::min();
  EXPECT_EQ(eval(ScalarOp::Div, DType::I32, {I(DType::I32, m32), I(DType::I32, -1)}).as_int64(),
            m32);
  EXPECT_EQ(eval(ScalarOp::Rem, DType::I32, {I(DType::I32, m32), I(DType::I32, -1)}).as_int64(), 0);
  // Wrapping arithmetic.
  const std::int64_t max32 = std::numeric_limits<std::int32_t>::max();
  EXPECT_EQ(eval(ScalarOp::Add, DType::I32, {I(DType::I32, max32), I(DType::I32, 1)}).as_int64(),
            m32);
  EXPECT_EQ(eval(ScalarOp::Pow, DType::I64, {I(DType::I64, 3), I(DType::I64, 4)}).as_int64(), 81);
  EXPECT_EQ(eval(ScalarOp::Pow, DType::I64, {I(DType::I64, 2), I(DType::I64, -1)}).as_int64(), 0);
}

TEST(ScalarEval, ConvertSaturatesAndMapsNaNToZero) {
  EXPECT_EQ(eval(ScalarOp::Convert, DType::I32, {F(DType::F64, NAN)}).as_int64(), 0);
  EXPECT_EQ(eval(ScalarOp::Convert, DType::I32, {F(DType::F64, 1e12)}).as_int64(),
            std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(eval(ScalarOp::Convert, DType::I64, {F(DType::F64, -1e300)}).as_int64(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(eval(ScalarOp::Convert, DType::I32, {F(DType::F64, -2.9)}).as_int64(), -2);
  EXPECT_EQ(eval(ScalarOp::Convert, DType::Bool, {F(DType::F64, NAN)}).as_int64(), 1);
  EXPECT_EQ(eval(ScalarOp::Convert, DType::I32, {I(DType::I64, (1LL << 32) + 5)}).as_int64(), 5);
  EXPECT_EQ(eval(ScalarOp::Convert, DType::F32, {F(DType::F64, 0.1)}).as_double(),
            static_cast<double>(0.1f));
}

TEST(ScalarEval, MinMaxPropagateNaNAndRoundIsHalfAwayFromZero) {
  EXPECT_TRUE(std::isnan(
      eval(ScalarOp::Max, DType::F64, {F(DType::F64, 1), F(DType::F64, NAN)}).as_double()));
  EXPECT_TRUE(std::isnan(
      eval(ScalarOp::Min, DType::F32, {F(DType::F32, NAN), F(DType::F32, 1)}).as_double()));
  EXPECT_TRUE(std::signbit(
      eval(ScalarOp::Min, DType::F64, {F(DType::F64, 0.0), F(DType::F64, -0.0)}).as_double()));
  EXPECT_FALSE(std::signbit(
      eval(ScalarOp::Max, DType::F64, {F(DType::F64, -0.0), F(DType::F64, 0.0)}).as_double()));
  EXPECT_EQ(eval(ScalarOp::Round, DType::F64, {F(DType::F64, 2.5)}).as_double(), 3.0);
  EXPECT_EQ(eval(ScalarOp::Round, DType::F64, {F(DType::F64, -2.5)}).as_double(), -3.0);
  EXPECT_EQ(eval(ScalarOp::Lt, DType::Bool, {F(DType::F64, NAN), F(DType::F64, 1)}).as_int64(), 0);
  EXPECT_EQ(eval(ScalarOp::Ne, DType::Bool, {F(DType::F64, NAN), F(DType::F64, NAN)}).as_int64(),
            1);
}

TEST(ScalarEval, F32MathIsTheDoubleResultRoundedOnce) {
  const float x = 0.7f;
  EXPECT_EQ(eval(ScalarOp::Sin, DType::F32, {F(DType::F32, x)}).as_double(),
            static_cast<double>(static_cast<float>(std::sin(static_cast<double>(x)))));
  EXPECT_EQ(eval(ScalarOp::Add, DType::F32, {F(DType::F32, 0.1f), F(DType::F32, 0.2f)}).as_double(),
            static_cast<double>(0.1f + 0.2f));
  EXPECT_EQ(
      eval(ScalarOp::Select, DType::F64, {I(DType::Bool, 0), F(DType::F64, 1), F(DType::F64, 2)})
          .as_double(),
      2.0);
}

// Builds: out[i] = sum_k (x[i,k] * k) over a [3,4] input, with a loop carrying the sum and
// a count, then a host step doubling the result.
TEST(LoopInterpreter, KernelWithLoopAndHostStep) {
  loop::Program p;
  p.num_inputs = 1;
  p.buffers = {{DType::F64, {3, 4}, loop::BufferKind::Input, 0, {}},
               {DType::F64, {3}, loop::BufferKind::Temp, -1, {}},
               {DType::F64, {3}, loop::BufferKind::Output, 0, {}}};
  loop::Kernel k;
  k.name = "k";
  k.extents = {3};
  k.num_index_vars = 2;
  auto op = [](loop::OpKind kind, DType t) {
    loop::Op o;
    o.kind = kind;
    o.dtype = t;
    return o;
  };
  loop::Op zero = op(loop::OpKind::Const, DType::F64);
  loop::Block body;
  body.params = {1};
  body.param_dtypes = {DType::F64};
  loop::Op ld = op(loop::OpKind::Load, DType::F64);
  ld.buffer = 0;
  ld.index.terms = {{0, 4}, {1, 1}};
  loop::Op iv = op(loop::OpKind::IndexVar, DType::I64);
  iv.index_var = 1;
  loop::Op cv = op(loop::OpKind::Scalar, DType::F64);
  cv.sop = ScalarOp::Convert;
  cv.args = {3};
  loop::Op mul = op(loop::OpKind::Scalar, DType::F64);
  mul.sop = ScalarOp::Mul;
  mul.args = {2, 4};
  loop::Op add = op(loop::OpKind::Scalar, DType::F64);
  add.sop = ScalarOp::Add;
  add.args = {1, 5};
  body.ops = {ld, iv, cv, mul, add};
  body.ids = {2, 3, 4, 5, 6};
  body.yields = {6};
  loop::Op lp = op(loop::OpKind::Loop, DType::F64);
  lp.args = {0};
  lp.index_var = 1;
  lp.trip_count = 4;
  lp.blocks = {body};
  loop::Op res = op(loop::OpKind::LoopResult, DType::F64);
  res.args = {7};
  k.body.ops = {zero, lp, res};
  k.body.ids = {0, 7, 8};
  k.stores = {{1, {{{0, 1}}, 0}, 8}};
  k.num_ops = 9;
  p.steps.push_back(k);
  loop::HostStep h;
  h.name = "double";
  h.inputs = {1};
  h.outputs = {2};
  h.run = [](std::span<const Array> in) {
    Array r = in[0].copy();
    for (double& v : r.mutable_data<double>()) v *= 2;
    return std::vector<Array>{r};
  };
  p.steps.push_back(h);
  loop::OutputSource lit;
  lit.literal = Scalar::of_int(DType::I32, 42);
  p.outputs = {loop::OutputSource{2}, lit, loop::OutputSource{0}};

  Array x = Array::arange(12, DType::F64).reshaped({3, 4});
  std::vector<Array> out = internal::run_program_reference(p, std::vector<Array>{x});
  ASSERT_EQ(out.size(), 3u);
  // row r: sum_k (4r + k) * k = 4r*6 + 14; doubled.
  for (int r = 0; r < 3; ++r) EXPECT_EQ(out[0].element_as_double(r), 2.0 * (24.0 * r + 14.0));
  EXPECT_EQ(out[1].dtype(), DType::I32);
  EXPECT_EQ(out[1].element_as_double(0), 42);
  EXPECT_EQ(out[2].element_as_double(11), 11);
  EXPECT_NE(p.to_string().find("host double(b1) -> (b2)"), std::string::npos) << p.to_string();

  // An out-of-bounds load is an internal error, not a wrong number.
  std::get<loop::Kernel>(p.steps[0]).extents = {4};
  EXPECT_THROW(internal::run_program_reference(p, std::vector<Array>{x}), InternalError);
}

}  // namespace
}  // namespace lanes
