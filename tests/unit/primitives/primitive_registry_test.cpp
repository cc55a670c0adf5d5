// The registry: every primitive the foundation promises exists, and no primitive has a
// rule that is silently missing (each is defined or explicitly unsupported).
#include "engine/primitive.h"

#include <gtest/gtest.h>

#include <set>

namespace lanes::internal {
namespace {

TEST(PrimitiveRegistry, HasEveryPrimitiveOfTheFoundation) {
  const char* required[] = {
      "add", "sub", "mul", "div", "rem", "neg", "abs", "sign", "min", "max", "pow",
      "sqrt", "rsqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
      "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
      "asinh", "acosh", "atanh", "erf", "erfc", "floor", "ceil", "round",
      "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "xor", "select", "convert",
      "broadcast_in_dim", "reshape", "transpose", "slice", "concatenate", "iota",
      "reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "argmax", "argmin",
      "dot_general", "cond", "while_loop", "fori_loop", "scan", "constant"};
  for (const char* name : required) {
    EXPECT_NE(find_primitive(name), nullptr) << "missing primitive " << name;
  }
}

TEST(PrimitiveRegistry, NoRuleIsSilentlyMissing) {
  for (const Primitive* p : all_primitives()) {
    SCOPED_TRACE(p->name);
    EXPECT_FALSE(p->family.empty());
    EXPECT_TRUE(p->abstract_eval);
    EXPECT_TRUE(p->impl);
    EXPECT_NE(p->batch.state, Rule<BatchFn>::State::Unset);
    EXPECT_NE(p->jvp.state, Rule<JvpFn>::State::Unset);
    EXPECT_NE(p->vjp.state, Rule<VjpFn>::State::Unset);
    EXPECT_NE(p->lowering, LoweringKind::Unset);
    if (p->lowering == LoweringKind::Elementwise) {
      EXPECT_NE(p->scalar_op, ScalarOp::None);
    }
  }
}

TEST(PrimitiveRegistry, UnknownNameIsAnInternalError) {
  EXPECT_EQ(find_primitive("no_such_primitive"), nullptr);
  EXPECT_THROW(primitive("no_such_primitive"), InternalError);
}

}  // namespace
}  // namespace lanes::internal
