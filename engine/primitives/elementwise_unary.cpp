// The elementwise_unary primitive family: neg abs sign, the float math functions,
// floor/ceil/round, not and logistic. Semantics (docs/semantics.md): math functions accept
// floats only; f32 results are the double-precision <cmath> result rounded once to float;
// integer neg/abs wrap (neg(INT_MIN) = INT_MIN).
#include <lanes/ops.h>

#include <cmath>
#include <concepts>
#include <functional>
#include <type_traits>

#include "codegen/scalar_reference.h"
#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/jvp_rules.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_unary";

// The reference functors are the ScalarOp table's (codegen/scalar_reference.h): neg, abs,
// sign and not on the element rules of runtime/scalar_semantics.h; the float functions are
// the table's <cmath> reference in double, rounded once to f32.

// Derivatives, once per primitive (jvp_rules.h derives the JVP and the VJP): dy/dx as a
// function of x and the primal output y, reused where the derivative is cheapest in terms
// of it, written with the DSL so it is differentiable again.
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kLn10 = 2.30258509299404568402;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
using V = const Value&;

// logistic(x) = 1 / (1 + exp(-x)), as lax.logistic. A composite: jit expands it into those
// primitives (engine/passes/expand_composites.h), so every backend fuses it with no
// ScalarOp of its own; the interpreter evaluates it in double, rounded once.
void register_logistic() {
  Primitive p = elementwise_record(
      kFamily, {"logistic", ScalarOp::None, kFloatTypes}, 1,
      unary_impl("logistic", float_math([](double x) { return 1.0 / (1.0 + std::exp(-x)); })),
      dydx([](V, V y) { return y * (1.0 - y); }));
  p.lowering = LoweringKind::Composite;
  p.expand = [](std::span<const Value> x, const Params&) {
    return std::vector<Value>{1.0 / (1.0 + exp(-x[0]))};
  };
  register_primitive(std::move(p));
}
}  // namespace

void register_elementwise_unary() {
  using X = std::span<const Value>;
  def_elementwise_unary(kFamily, {"neg", ScalarOp::Neg, kNumericTypes}, ScalarFn<ScalarOp::Neg>{},
                        {[](X, V, V t) { return -t; }});
  def_elementwise_unary(kFamily, {"abs", ScalarOp::Abs, kNumericTypes}, ScalarFn<ScalarOp::Abs>{},
                        dydx([](V x, V) { return sign(x); }));
  def_elementwise_unary(kFamily, {"sign", ScalarOp::Sign, kNumericTypes},
                        ScalarFn<ScalarOp::Sign>{}, kPiecewiseConstant);
  def_elementwise_unary(kFamily, {"not", ScalarOp::Not, kIntegralTypes}, ScalarFn<ScalarOp::Not>{},
                        kPiecewiseConstant);

  def_float_unary(kFamily, "sqrt", ScalarOp::Sqrt, dydx([](V, V y) { return 0.5 / y; }));
  def_float_unary(kFamily, "rsqrt", ScalarOp::Rsqrt, dydx([](V x, V y) { return -0.5 * y / x; }));
  def_float_unary(kFamily, "cbrt", ScalarOp::Cbrt,
                  dydx([](V, V y) { return 1.0 / (3.0 * y * y); }));
  def_float_unary(kFamily, "exp", ScalarOp::Exp, dydx([](V, V y) { return y; }));
  def_float_unary(kFamily, "exp2", ScalarOp::Exp2, dydx([](V, V y) { return y * kLn2; }));
  def_float_unary(kFamily, "expm1", ScalarOp::Expm1, dydx([](V, V y) { return y + 1.0; }));
  def_float_unary(kFamily, "log", ScalarOp::Log, dydx([](V x, V) { return 1.0 / x; }));
  def_float_unary(kFamily, "log2", ScalarOp::Log2, dydx([](V x, V) { return 1.0 / (x * kLn2); }));
  def_float_unary(kFamily, "log10", ScalarOp::Log10,
                  dydx([](V x, V) { return 1.0 / (x * kLn10); }));
  def_float_unary(kFamily, "log1p", ScalarOp::Log1p, dydx([](V x, V) { return 1.0 / (x + 1.0); }));
  def_float_unary(kFamily, "sin", ScalarOp::Sin, dydx([](V x, V) { return cos(x); }));
  def_float_unary(kFamily, "cos", ScalarOp::Cos, dydx([](V x, V) { return -sin(x); }));
  def_float_unary(kFamily, "tan", ScalarOp::Tan, dydx([](V, V y) { return y * y + 1.0; }));
  def_float_unary(kFamily, "asin", ScalarOp::Asin, dydx([](V x, V) { return rsqrt(1.0 - x * x); }));
  def_float_unary(kFamily, "acos", ScalarOp::Acos,
                  dydx([](V x, V) { return -rsqrt(1.0 - x * x); }));
  def_float_unary(kFamily, "atan", ScalarOp::Atan,
                  dydx([](V x, V) { return 1.0 / (x * x + 1.0); }));
  def_float_unary(kFamily, "sinh", ScalarOp::Sinh, dydx([](V x, V) { return cosh(x); }));
  def_float_unary(kFamily, "cosh", ScalarOp::Cosh, dydx([](V x, V) { return sinh(x); }));
  def_float_unary(kFamily, "tanh", ScalarOp::Tanh, dydx([](V, V y) { return 1.0 - y * y; }));
  def_float_unary(kFamily, "asinh", ScalarOp::Asinh,
                  dydx([](V x, V) { return rsqrt(x * x + 1.0); }));
  // 1/sqrt(x^2 - 1) as two factors, and 1/(1 - x^2) as (1 - x)(1 + x): no cancellation in
  // x^2 - 1 near |x| = 1.
  def_float_unary(kFamily, "acosh", ScalarOp::Acosh,
                  dydx([](V x, V) { return rsqrt(x - 1.0) * rsqrt(x + 1.0); }));
  def_float_unary(kFamily, "atanh", ScalarOp::Atanh,
                  dydx([](V x, V) { return 1.0 / ((1.0 - x) * (1.0 + x)); }));
  def_float_unary(kFamily, "erf", ScalarOp::Erf,
                  dydx([](V x, V) { return kTwoOverSqrtPi * exp(-x * x); }));
  def_float_unary(kFamily, "erfc", ScalarOp::Erfc,
                  dydx([](V x, V) { return -kTwoOverSqrtPi * exp(-x * x); }));
  register_logistic();
  // Piecewise constant: zero derivatives, as in JAX. round halves away from zero.
  def_float_unary(kFamily, "floor", ScalarOp::Floor, kPiecewiseConstant);
  def_float_unary(kFamily, "ceil", ScalarOp::Ceil, kPiecewiseConstant);
  def_float_unary(kFamily, "round", ScalarOp::Round, kPiecewiseConstant);
}

}  // namespace lanes::internal
