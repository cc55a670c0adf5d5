// The elementwise_unary primitive family: neg abs sign, the float math functions,
// floor/ceil/round and not. Semantics (docs/semantics.md): math functions accept floats
// only; f32 results are the double-precision <cmath> result rounded once to float;
// integer neg/abs wrap (neg(INT_MIN) = INT_MIN).
#include <cmath>
#include <concepts>
#include <type_traits>

#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/vjp_helpers.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_unary";

// Two's-complement negation without signed overflow.
template <IntElem T>
T wrapping_neg(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U{0} - static_cast<U>(x));
}

struct Neg {
  template <IntElem T>
  T operator()(T x) const {
    return wrapping_neg(x);
  }
  template <FloatElem T>
  T operator()(T x) const {
    return -x;
  }
};

struct Abs {
  template <IntElem T>
  T operator()(T x) const {
    return x < 0 ? wrapping_neg(x) : x;
  }
  template <FloatElem T>
  T operator()(T x) const {
    return std::fabs(x);
  }
};

// sign(NaN) = NaN and sign(±0) = ±0: returning x itself keeps both.
struct Sign {
  template <IntElem T>
  T operator()(T x) const {
    return static_cast<T>((x > 0) - (x < 0));
  }
  template <FloatElem T>
  T operator()(T x) const {
    return x > 0 ? T(1) : x < 0 ? T(-1) : x;
  }
};

// bool: logical not; integers: bitwise not.
struct Not {
  template <std::same_as<bool> T>
  bool operator()(T x) const {
    return !x;
  }
  template <IntElem T>
  T operator()(T x) const {
    return static_cast<T>(~x);
  }
};
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
  def_elementwise_unary(kFamily, {"neg", ScalarOp::Neg, kNumericTypes}, Neg{});
  def_elementwise_unary(kFamily, {"abs", ScalarOp::Abs, kNumericTypes}, Abs{});
  def_elementwise_unary(kFamily, {"sign", ScalarOp::Sign, kNumericTypes}, Sign{});
  def_elementwise_unary(kFamily, {"not", ScalarOp::Not, kIntegralTypes}, Not{});

  def_float_unary(kFamily, "sqrt", ScalarOp::Sqrt, [](double x) { return std::sqrt(x); });
  def_float_unary(kFamily, "rsqrt", ScalarOp::Rsqrt, [](double x) { return 1.0 / std::sqrt(x); });
  def_float_unary(kFamily, "cbrt", ScalarOp::Cbrt, [](double x) { return std::cbrt(x); });
  def_float_unary(kFamily, "exp", ScalarOp::Exp, [](double x) { return std::exp(x); });
  def_float_unary(kFamily, "exp2", ScalarOp::Exp2, [](double x) { return std::exp2(x); });
  def_float_unary(kFamily, "expm1", ScalarOp::Expm1, [](double x) { return std::expm1(x); });
  def_float_unary(kFamily, "log", ScalarOp::Log, [](double x) { return std::log(x); });
  def_float_unary(kFamily, "log2", ScalarOp::Log2, [](double x) { return std::log2(x); });
  def_float_unary(kFamily, "log10", ScalarOp::Log10, [](double x) { return std::log10(x); });
  def_float_unary(kFamily, "log1p", ScalarOp::Log1p, [](double x) { return std::log1p(x); });
  def_float_unary(kFamily, "sin", ScalarOp::Sin, [](double x) { return std::sin(x); });
  def_float_unary(kFamily, "cos", ScalarOp::Cos, [](double x) { return std::cos(x); });
  def_float_unary(kFamily, "tan", ScalarOp::Tan, [](double x) { return std::tan(x); });
  def_float_unary(kFamily, "asin", ScalarOp::Asin, [](double x) { return std::asin(x); });
  def_float_unary(kFamily, "acos", ScalarOp::Acos, [](double x) { return std::acos(x); });
  def_float_unary(kFamily, "atan", ScalarOp::Atan, [](double x) { return std::atan(x); });
  def_float_unary(kFamily, "sinh", ScalarOp::Sinh, [](double x) { return std::sinh(x); });
  def_float_unary(kFamily, "cosh", ScalarOp::Cosh, [](double x) { return std::cosh(x); });
  def_float_unary(kFamily, "tanh", ScalarOp::Tanh, [](double x) { return std::tanh(x); });
  def_float_unary(kFamily, "asinh", ScalarOp::Asinh, [](double x) { return std::asinh(x); });
  def_float_unary(kFamily, "acosh", ScalarOp::Acosh, [](double x) { return std::acosh(x); });
  def_float_unary(kFamily, "atanh", ScalarOp::Atanh, [](double x) { return std::atanh(x); });
  def_float_unary(kFamily, "erf", ScalarOp::Erf, [](double x) { return std::erf(x); });
  def_float_unary(kFamily, "erfc", ScalarOp::Erfc, [](double x) { return std::erfc(x); });
  def_float_unary(kFamily, "floor", ScalarOp::Floor, [](double x) { return std::floor(x); });
  def_float_unary(kFamily, "ceil", ScalarOp::Ceil, [](double x) { return std::ceil(x); });
  // Halves away from zero.
  def_float_unary(kFamily, "round", ScalarOp::Round, [](double x) { return std::round(x); });
  register_vjp_rules();
}

}  // namespace lanes::internal
