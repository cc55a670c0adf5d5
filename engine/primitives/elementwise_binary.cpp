// The elementwise_binary primitive family: add sub mul div rem pow atan2 min max and or xor.
//
// Integer semantics are total (docs/semantics.md), defined as XLA defines the cases C++
// leaves undefined: add/sub/mul wrap; x / 0 = -1, x % 0 = x, INT_MIN / -1 = INT_MIN,
// INT_MIN % -1 = 0; pow by squaring, 0 for negative exponents unless the base is ±1.
// Float min/max are IEEE 754-2019 minimum/maximum: NaN propagates (the first NaN operand),
// and -0 orders below +0.
#include <lanes/ops.h>

#include <cmath>
#include <concepts>
#include <limits>
#include <type_traits>

#include "codegen/scalar_reference.h"
#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_binary";

// The reference functors are the ScalarOp table's (codegen/scalar_reference.h, on the
// element rules of runtime/scalar_semantics.h).

// Derivatives, once per primitive (jvp_rules.h derives the JVP and the VJP): one partial
// per operand, partial_i(x, y, t) = dy/dx_i * t with x the operands and y the output.
using X = std::span<const Value>;
using V = const Value&;

Value same(X, V, V t) { return t; }

// min/max: the output's tangent follows the operand that was chosen; a tie splits it
// equally (JAX's balanced rule: 1 where x is the extreme y and the other operand is not,
// 0.5 on a tie, else 0).
Value chooser_share(const Value& x, const Value& other, const Value& y) {
  return where(x == y, where(other == y, 0.5, 1.0), 0.0);
}
Derivative extreme_derivative() {
  return {[](X x, V y, V t) { return t * chooser_share(x[0], x[1], y); },
          [](X x, V y, V t) { return t * chooser_share(x[1], x[0], y); }};
}
}  // namespace

void register_elementwise_binary() {
  def_elementwise_binary(kFamily, {"add", ScalarOp::Add, kNumericTypes}, ScalarFn<ScalarOp::Add>{},
                         {same, same});
  def_elementwise_binary(kFamily, {"sub", ScalarOp::Sub, kNumericTypes}, ScalarFn<ScalarOp::Sub>{},
                         {same, [](X, V, V t) { return -t; }});
  def_elementwise_binary(
      kFamily, {"mul", ScalarOp::Mul, kNumericTypes}, ScalarFn<ScalarOp::Mul>{},
      {[](X x, V, V t) { return t * x[1]; }, [](X x, V, V t) { return x[0] * t; }});
  def_elementwise_binary(
      kFamily, {"div", ScalarOp::Div, kNumericTypes}, ScalarFn<ScalarOp::Div>{},
      {[](X x, V, V t) { return t / x[1]; }, [](X x, V y, V t) { return -t * y / x[1]; }});
  // fmod(a, b) = a - b * trunc(a / b), with trunc piecewise constant.
  def_elementwise_binary(kFamily, {"rem", ScalarOp::Rem, kNumericTypes}, ScalarFn<ScalarOp::Rem>{},
                         {same, [](X x, V, V t) {
                            Value q = x[0] / x[1];
                            return -t * (sign(q) * floor(abs(q)));
                          }});
  // As JAX: d/da a^b = b a^(b-1), taken as 0 where b = 0 (also at a = 0); d/db a^b =
  // log(a) a^b, with log(a) taken as 0 at a = 0 (where a^b is 0 or 1).
  def_elementwise_binary(
      kFamily, {"pow", ScalarOp::Pow, kNumericTypes}, ScalarFn<ScalarOp::Pow>{},
      {[](X x, V, V t) {
         Value b0 = x[1] == 0.0;
         Value d = x[1] * pow(x[0], where(b0, 1.0, x[1] - 1.0));
         return t * where(b0, 0.0, d);
       },
       [](X x, V y, V t) { return t * y * log(where(x[0] == 0.0, 1.0, x[0])); }});
  def_elementwise_binary(kFamily, {"atan2", ScalarOp::Atan2, kFloatTypes},
                         ScalarFn<ScalarOp::Atan2>{},
                         {[](X x, V, V t) { return t * x[1] / (x[0] * x[0] + x[1] * x[1]); },
                          [](X x, V, V t) { return -t * x[0] / (x[0] * x[0] + x[1] * x[1]); }});
  def_elementwise_binary(kFamily, {"min", ScalarOp::Min, kNumericTypes}, ScalarFn<ScalarOp::Min>{},
                         extreme_derivative());
  def_elementwise_binary(kFamily, {"max", ScalarOp::Max, kNumericTypes}, ScalarFn<ScalarOp::Max>{},
                         extreme_derivative());
  def_elementwise_binary(kFamily, {"and", ScalarOp::And, kIntegralTypes}, ScalarFn<ScalarOp::And>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, {"or", ScalarOp::Or, kIntegralTypes}, ScalarFn<ScalarOp::Or>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, {"xor", ScalarOp::Xor, kIntegralTypes}, ScalarFn<ScalarOp::Xor>{},
                         kPiecewiseConstant);
}

}  // namespace lanes::internal
