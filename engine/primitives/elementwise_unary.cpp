// The elementwise_unary primitive family: neg abs sign, the float math functions,
// floor/ceil/round and not. Semantics (docs/semantics.md): math functions accept floats
// only; f32 results are the double-precision <cmath> result rounded once to float;
// integer neg/abs wrap (neg(INT_MIN) = INT_MIN).
#include <lanes/ops.h>

#include <cmath>
#include <concepts>
#include <functional>
#include <type_traits>

#include "codegen/scalar_reference.h"
#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/vjp_helpers.h"
#include "engine/primitives/jvp_rules.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_unary";

// The reference functors are the ScalarOp table's (codegen/scalar_reference.h): neg, abs,
// sign and not on the element rules of runtime/scalar_semantics.h; the float functions are
// the table's <cmath> reference in double, rounded once to f32.

// --- JVP rules ---
// d/dx of each function, written with the DSL (so it is differentiable again); `y` is the
// primal output, reused where the derivative is cheapest in terms of it.
void unary_jvp(const char* name, std::function<Value(const Value& x, const Value& y)> dydx) {
  set_jvp_rule(name,
               elementwise_jvp_rule(name, {[dydx](std::span<const Value> x, const Value& y,
                                                  const Value& t) { return t * dydx(x[0], y); }}));
}

void set_elementwise_unary_jvp_rules() {
  constexpr double kLn2 = 0.69314718055994530942;
  constexpr double kLn10 = 2.30258509299404568402;
  constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
  set_jvp_rule("neg", elementwise_jvp_rule("neg", {[](std::span<const Value>, const Value&,
                                                      const Value& t) { return -t; }}));
  unary_jvp("abs", [](const Value& x, const Value&) { return sign(x); });
  unary_jvp("sqrt", [](const Value&, const Value& y) { return 0.5 / y; });
  unary_jvp("rsqrt", [](const Value& x, const Value& y) { return -0.5 * y / x; });
  unary_jvp("cbrt", [](const Value&, const Value& y) { return 1.0 / (3.0 * y * y); });
  unary_jvp("exp", [](const Value&, const Value& y) { return y; });
  unary_jvp("exp2", [=](const Value&, const Value& y) { return y * kLn2; });
  unary_jvp("expm1", [](const Value&, const Value& y) { return y + 1.0; });
  unary_jvp("log", [](const Value& x, const Value&) { return 1.0 / x; });
  unary_jvp("log2", [=](const Value& x, const Value&) { return 1.0 / (x * kLn2); });
  unary_jvp("log10", [=](const Value& x, const Value&) { return 1.0 / (x * kLn10); });
  unary_jvp("log1p", [](const Value& x, const Value&) { return 1.0 / (x + 1.0); });
  unary_jvp("sin", [](const Value& x, const Value&) { return cos(x); });
  unary_jvp("cos", [](const Value& x, const Value&) { return -sin(x); });
  unary_jvp("tan", [](const Value&, const Value& y) { return y * y + 1.0; });
  unary_jvp("asin", [](const Value& x, const Value&) { return rsqrt(1.0 - x * x); });
  unary_jvp("acos", [](const Value& x, const Value&) { return -rsqrt(1.0 - x * x); });
  unary_jvp("atan", [](const Value& x, const Value&) { return 1.0 / (x * x + 1.0); });
  unary_jvp("sinh", [](const Value& x, const Value&) { return cosh(x); });
  unary_jvp("cosh", [](const Value& x, const Value&) { return sinh(x); });
  unary_jvp("tanh", [](const Value&, const Value& y) { return 1.0 - y * y; });
  unary_jvp("asinh", [](const Value& x, const Value&) { return rsqrt(x * x + 1.0); });
  // 1/sqrt(x^2 - 1) as two factors: no cancellation in x^2 - 1 near x = 1.
  unary_jvp("acosh", [](const Value& x, const Value&) { return rsqrt(x - 1.0) * rsqrt(x + 1.0); });
  unary_jvp("atanh", [](const Value& x, const Value&) { return 1.0 / ((1.0 - x) * (1.0 + x)); });
  unary_jvp("erf", [=](const Value& x, const Value&) { return kTwoOverSqrtPi * exp(-x * x); });
  unary_jvp("erfc", [=](const Value& x, const Value&) { return -kTwoOverSqrtPi * exp(-x * x); });
  // Piecewise constant (or integer-only): zero tangents, as in JAX.
  for (const char* name : {"sign", "floor", "ceil", "round", "not"}) {
    set_jvp_rule(name, zero_jvp_rule(name));
  }
}
}  // namespace

// --- VJP rules ---
// ct is the output cotangent g; y the primal output. Rounding, sign and not have zero
// derivatives (as in JAX).
namespace {
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kLn10 = 2.30258509299404568402;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

void register_vjp_rules() {
  using V = const Value&;
  set_vjp("neg", unary_vjp([](V, V, V g) { return -g; }));
  set_vjp("abs", unary_vjp([](V x, V, V g) { return g * lanes::sign(x); }));
  for (const char* name : {"sign", "not", "floor", "ceil", "round"}) set_vjp(name, zero_vjp());
  set_vjp("sqrt", unary_vjp([](V, V y, V g) { return g / (y * 2.0); }));
  set_vjp("rsqrt", unary_vjp([](V x, V y, V g) { return g * (y / x) * -0.5; }));
  set_vjp("cbrt", unary_vjp([](V, V y, V g) { return g / (y * y * 3.0); }));
  set_vjp("exp", unary_vjp([](V, V y, V g) { return g * y; }));
  set_vjp("exp2", unary_vjp([](V, V y, V g) { return g * y * kLn2; }));
  set_vjp("expm1", unary_vjp([](V, V y, V g) { return g * (y + 1.0); }));
  set_vjp("log", unary_vjp([](V x, V, V g) { return g / x; }));
  set_vjp("log2", unary_vjp([](V x, V, V g) { return g / (x * kLn2); }));
  set_vjp("log10", unary_vjp([](V x, V, V g) { return g / (x * kLn10); }));
  set_vjp("log1p", unary_vjp([](V x, V, V g) { return g / (x + 1.0); }));
  set_vjp("sin", unary_vjp([](V x, V, V g) { return g * lanes::cos(x); }));
  set_vjp("cos", unary_vjp([](V x, V, V g) { return -(g * lanes::sin(x)); }));
  set_vjp("tan", unary_vjp([](V, V y, V g) { return g * (y * y + 1.0); }));
  set_vjp("asin", unary_vjp([](V x, V, V g) { return g * lanes::rsqrt(1.0 - x * x); }));
  set_vjp("acos", unary_vjp([](V x, V, V g) { return -(g * lanes::rsqrt(1.0 - x * x)); }));
  set_vjp("atan", unary_vjp([](V x, V, V g) { return g / (x * x + 1.0); }));
  set_vjp("sinh", unary_vjp([](V x, V, V g) { return g * lanes::cosh(x); }));
  set_vjp("cosh", unary_vjp([](V x, V, V g) { return g * lanes::sinh(x); }));
  set_vjp("tanh", unary_vjp([](V, V y, V g) { return g * (1.0 - y * y); }));
  set_vjp("asinh", unary_vjp([](V x, V, V g) { return g * lanes::rsqrt(x * x + 1.0); }));
  set_vjp("acosh", unary_vjp([](V x, V, V g) { return g * lanes::rsqrt(x * x - 1.0); }));
  set_vjp("atanh", unary_vjp([](V x, V, V g) { return g / (1.0 - x * x); }));
  set_vjp("erf",
          unary_vjp([](V x, V, V g) { return g * lanes::exp(-(x * x)) * kTwoOverSqrtPi; }));
  set_vjp("erfc",
          unary_vjp([](V x, V, V g) { return -(g * lanes::exp(-(x * x)) * kTwoOverSqrtPi); }));
}
}  // namespace

void register_elementwise_unary() {
  def_elementwise_unary(kFamily, {"neg", ScalarOp::Neg, kNumericTypes}, ScalarFn<ScalarOp::Neg>{});
  def_elementwise_unary(kFamily, {"abs", ScalarOp::Abs, kNumericTypes}, ScalarFn<ScalarOp::Abs>{});
  def_elementwise_unary(kFamily, {"sign", ScalarOp::Sign, kNumericTypes},
                        ScalarFn<ScalarOp::Sign>{});
  def_elementwise_unary(kFamily, {"not", ScalarOp::Not, kIntegralTypes}, ScalarFn<ScalarOp::Not>{});

  def_float_unary(kFamily, "sqrt", ScalarOp::Sqrt);
  def_float_unary(kFamily, "rsqrt", ScalarOp::Rsqrt);
  def_float_unary(kFamily, "cbrt", ScalarOp::Cbrt);
  def_float_unary(kFamily, "exp", ScalarOp::Exp);
  def_float_unary(kFamily, "exp2", ScalarOp::Exp2);
  def_float_unary(kFamily, "expm1", ScalarOp::Expm1);
  def_float_unary(kFamily, "log", ScalarOp::Log);
  def_float_unary(kFamily, "log2", ScalarOp::Log2);
  def_float_unary(kFamily, "log10", ScalarOp::Log10);
  def_float_unary(kFamily, "log1p", ScalarOp::Log1p);
  def_float_unary(kFamily, "sin", ScalarOp::Sin);
  def_float_unary(kFamily, "cos", ScalarOp::Cos);
  def_float_unary(kFamily, "tan", ScalarOp::Tan);
  def_float_unary(kFamily, "asin", ScalarOp::Asin);
  def_float_unary(kFamily, "acos", ScalarOp::Acos);
  def_float_unary(kFamily, "atan", ScalarOp::Atan);
  def_float_unary(kFamily, "sinh", ScalarOp::Sinh);
  def_float_unary(kFamily, "cosh", ScalarOp::Cosh);
  def_float_unary(kFamily, "tanh", ScalarOp::Tanh);
  def_float_unary(kFamily, "asinh", ScalarOp::Asinh);
  def_float_unary(kFamily, "acosh", ScalarOp::Acosh);
  def_float_unary(kFamily, "atanh", ScalarOp::Atanh);
  def_float_unary(kFamily, "erf", ScalarOp::Erf);
  def_float_unary(kFamily, "erfc", ScalarOp::Erfc);
  def_float_unary(kFamily, "floor", ScalarOp::Floor);
  def_float_unary(kFamily, "ceil", ScalarOp::Ceil);
  // Halves away from zero.
  def_float_unary(kFamily, "round", ScalarOp::Round);
  register_vjp_rules();
  set_elementwise_unary_jvp_rules();
}

}  // namespace lanes::internal
