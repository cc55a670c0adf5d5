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
#include "engine/primitives/vjp_helpers.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_binary";

// The reference functors are the ScalarOp table's (codegen/scalar_reference.h, on the
// element rules of runtime/scalar_semantics.h).

// --- JVP rules ---
// Partials of the elementwise chain rule: (operands x, output y, tangent t) -> dy/dx_i * t.
using X = std::span<const Value>;

// The tangent of min/max: the selected operand's; on ties each operand gets half, so the
// result is symmetric (as JAX's balanced rule).
Rule<JvpFn> select_extreme_jvp_rule(std::string prim, bool is_max) {
  return Rule<JvpFn>::defined(
      [prim, is_max](std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
        Value y = bind1(primitive(prim), x, params);
        Value ta = t[0] ? *t[0] : zero_scalar(y.dtype());
        Value tb = t[1] ? *t[1] : zero_scalar(y.dtype());
        Value a_wins = is_max ? gt(x[0], x[1]) : lt(x[0], x[1]);
        Value b_wins = is_max ? lt(x[0], x[1]) : gt(x[0], x[1]);
        Value ty = where(a_wins, ta, where(b_wins, tb, (ta + tb) * 0.5));
        return JvpResult{{y}, {fit_shape(ty, y.shape())}};
      });
}

void set_elementwise_binary_jvp_rules() {
  set_jvp_rule("add",
               elementwise_jvp_rule("add", {[](X, const Value&, const Value& t) { return t; },
                                            [](X, const Value&, const Value& t) { return t; }}));
  set_jvp_rule("sub",
               elementwise_jvp_rule("sub", {[](X, const Value&, const Value& t) { return t; },
                                            [](X, const Value&, const Value& t) { return -t; }}));
  set_jvp_rule("mul", elementwise_jvp_rule(
                          "mul", {[](X x, const Value&, const Value& t) { return t * x[1]; },
                                  [](X x, const Value&, const Value& t) { return x[0] * t; }}));
  set_jvp_rule("div",
               elementwise_jvp_rule(
                   "div", {[](X x, const Value&, const Value& t) { return t / x[1]; },
                           [](X x, const Value& y, const Value& t) { return -t * y / x[1]; }}));
  // fmod(a, b) = a - b * trunc(a / b), with trunc piecewise constant.
  set_jvp_rule("rem",
               elementwise_jvp_rule("rem", {[](X, const Value&, const Value& t) { return t; },
                                            [](X x, const Value&, const Value& t) {
                                              Value q = x[0] / x[1];
                                              return -t * (sign(q) * floor(abs(q)));
                                            }}));
  // As JAX: d/da a^b = b a^(b-1), taken as 0 where b = 0 (also at a = 0); d/db a^b =
  // log(a) a^b, with log(a) taken as 0 at a = 0 (where a^b is 0 or 1).
  set_jvp_rule(
      "pow", elementwise_jvp_rule("pow", {[](X x, const Value&, const Value& t) {
                                            Value b0 = x[1] == 0.0;
                                            Value d = x[1] * pow(x[0], where(b0, 1.0, x[1] - 1.0));
                                            return t * where(b0, 0.0, d);
                                          },
                                          [](X x, const Value& y, const Value& t) {
                                            return t * y * log(where(x[0] == 0.0, 1.0, x[0]));
                                          }}));
  set_jvp_rule("atan2",
               elementwise_jvp_rule("atan2", {[](X x, const Value&, const Value& t) {
                                                return t * x[1] / (x[0] * x[0] + x[1] * x[1]);
                                              },
                                              [](X x, const Value&, const Value& t) {
                                                return -t * x[0] / (x[0] * x[0] + x[1] * x[1]);
                                              }}));
  set_jvp_rule("min", select_extreme_jvp_rule("min", false));
  set_jvp_rule("max", select_extreme_jvp_rule("max", true));
  for (const char* name : {"and", "or", "xor"}) set_jvp_rule(name, zero_jvp_rule(name));
}
}  // namespace

// --- VJP rules ---
// g is the output cotangent, y the primal output. min/max split a tie equally between
// the operands (JAX's balanced rule); pow follows JAX at 0 (no NaN from 0 * log 0).
namespace {
// 1 where x is the chosen extreme y and the other operand is not, 0.5 on a tie, else 0.
Value chooser_share(const Value& x, const Value& other, const Value& y) {
  return lanes::where(lanes::eq(x, y), lanes::where(lanes::eq(other, y), 0.5, 1.0), 0.0);
}

void register_vjp_rules() {
  using V = const Value&;
  set_vjp("add", binary_vjp([](V, V, V, V g) { return g; }, [](V, V, V, V g) { return g; }));
  set_vjp("sub", binary_vjp([](V, V, V, V g) { return g; }, [](V, V, V, V g) { return -g; }));
  set_vjp("mul", binary_vjp([](V, V b, V, V g) { return g * b; },
                            [](V a, V, V, V g) { return a * g; }));
  set_vjp("div", binary_vjp([](V, V b, V, V g) { return g / b; },
                            [](V a, V b, V, V g) { return -(g * (a / (b * b))); }));
  set_vjp("rem", binary_vjp([](V, V, V, V g) { return g; },
                            [](V a, V b, V, V g) {
                              Value q = a / b;
                              return -(g * (lanes::sign(q) * lanes::floor(lanes::abs(q))));
                            }));
  set_vjp("pow", binary_vjp(
                     [](V a, V b, V, V g) {
                       // d/da a^b = b a^(b-1), taken as 0 where b == 0 (also at a == 0).
                       Value d = b * lanes::pow(a, b - 1.0);
                       return g * lanes::where(lanes::eq(b, 0.0), 0.0, d);
                     },
                     [](V a, V, V y, V g) {
                       // d/db a^b = log(a) a^b, with log(0) replaced by log(1) (y is 0).
                       Value safe = lanes::where(lanes::eq(a, 0.0), 1.0, a);
                       return g * (lanes::log(safe) * y);
                     }));
  set_vjp("atan2", binary_vjp(
                       [](V y, V x, V, V g) { return g * (x / (x * x + y * y)); },
                       [](V y, V x, V, V g) { return -(g * (y / (x * x + y * y))); }));
  set_vjp("min", binary_vjp([](V a, V b, V y, V g) { return g * chooser_share(a, b, y); },
                            [](V a, V b, V y, V g) { return g * chooser_share(b, a, y); }));
  set_vjp("max", binary_vjp([](V a, V b, V y, V g) { return g * chooser_share(a, b, y); },
                            [](V a, V b, V y, V g) { return g * chooser_share(b, a, y); }));
  for (const char* name : {"and", "or", "xor"}) set_vjp(name, zero_vjp());
}
}  // namespace

void register_elementwise_binary() {
  def_elementwise_binary(kFamily, {"add", ScalarOp::Add, kNumericTypes}, ScalarFn<ScalarOp::Add>{});
  def_elementwise_binary(kFamily, {"sub", ScalarOp::Sub, kNumericTypes}, ScalarFn<ScalarOp::Sub>{});
  def_elementwise_binary(kFamily, {"mul", ScalarOp::Mul, kNumericTypes}, ScalarFn<ScalarOp::Mul>{});
  def_elementwise_binary(kFamily, {"div", ScalarOp::Div, kNumericTypes}, ScalarFn<ScalarOp::Div>{});
  def_elementwise_binary(kFamily, {"rem", ScalarOp::Rem, kNumericTypes}, ScalarFn<ScalarOp::Rem>{});
  def_elementwise_binary(kFamily, {"pow", ScalarOp::Pow, kNumericTypes}, ScalarFn<ScalarOp::Pow>{});
  def_elementwise_binary(kFamily, {"atan2", ScalarOp::Atan2, kFloatTypes},
                         ScalarFn<ScalarOp::Atan2>{});
  def_elementwise_binary(kFamily, {"min", ScalarOp::Min, kNumericTypes}, ScalarFn<ScalarOp::Min>{});
  def_elementwise_binary(kFamily, {"max", ScalarOp::Max, kNumericTypes}, ScalarFn<ScalarOp::Max>{});
  def_elementwise_binary(kFamily, {"and", ScalarOp::And, kIntegralTypes},
                         ScalarFn<ScalarOp::And>{});
  def_elementwise_binary(kFamily, {"or", ScalarOp::Or, kIntegralTypes}, ScalarFn<ScalarOp::Or>{});
  def_elementwise_binary(kFamily, {"xor", ScalarOp::Xor, kIntegralTypes},
                         ScalarFn<ScalarOp::Xor>{});
  register_vjp_rules();
  set_elementwise_binary_jvp_rules();
}

}  // namespace lanes::internal
