// The elementwise_binary primitive family: add sub mul div rem pow atan2 min max and or xor.
//
// Integer semantics are total (docs/semantics.md), defined as XLA defines the cases C++
// leaves undefined: add/sub/mul wrap; x / 0 = -1, x % 0 = x, INT_MIN / -1 = INT_MIN,
// INT_MIN % -1 = 0; pow by squaring, 0 for negative exponents unless the base is ±1.
// Float min/max propagate NaN and order -0 below +0.
#include <cmath>
#include <concepts>
#include <limits>
#include <type_traits>

#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/vjp_helpers.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "elementwise_binary";

template <IntElem T>
using Unsigned = std::make_unsigned_t<T>;

// Arithmetic in the unsigned type wraps modulo 2^n without undefined behaviour.
struct Add {
  template <IntElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(static_cast<Unsigned<T>>(a) + static_cast<Unsigned<T>>(b));
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return a + b;
  }
};

struct Sub {
  template <IntElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(static_cast<Unsigned<T>>(a) - static_cast<Unsigned<T>>(b));
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return a - b;
  }
};

template <IntElem T>
T wrapping_mul(T a, T b) {
  return static_cast<T>(static_cast<Unsigned<T>>(a) * static_cast<Unsigned<T>>(b));
}

struct Mul {
  template <IntElem T>
  T operator()(T a, T b) const {
    return wrapping_mul(a, b);
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return a * b;
  }
};

struct Div {
  template <IntElem T>
  T operator()(T a, T b) const {
    if (b == 0) return T(-1);
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
    return a / b;  // truncates toward zero
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return a / b;
  }
};

struct Rem {
  template <IntElem T>
  T operator()(T a, T b) const {
    if (b == 0) return a;
    if (b == -1) return 0;  // also INT_MIN % -1, which C++ leaves undefined
    return a % b;           // sign of the dividend
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return std::fmod(a, b);
  }
};

struct Pow {
  template <IntElem T>
  T operator()(T base, T exponent) const {
    if (exponent < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exponent & 1) ? T(-1) : T(1);
      return 0;
    }
    T result = 1;
    T b = base;
    for (T e = exponent; e != 0; e >>= 1) {
      if (e & 1) result = wrapping_mul(result, b);
      b = wrapping_mul(b, b);
    }
    return result;
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
  }
};

struct Min {
  template <IntElem T>
  T operator()(T a, T b) const {
    return a < b ? a : b;
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if (a == b) return std::signbit(a) ? a : b;  // min(-0, +0) = -0
    return a < b ? a : b;
  }
};

struct Max {
  template <IntElem T>
  T operator()(T a, T b) const {
    return a > b ? a : b;
  }
  template <FloatElem T>
  T operator()(T a, T b) const {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if (a == b) return std::signbit(a) ? b : a;  // max(-0, +0) = +0
    return a > b ? a : b;
  }
};

// bool: logical; integers: bitwise.
struct And {
  template <IntegralElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};
struct Or {
  template <IntegralElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};
struct Xor {
  template <IntegralElem T>
  T operator()(T a, T b) const {
    return static_cast<T>(a ^ b);
  }
};
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
  def_elementwise_binary(kFamily, {"add", ScalarOp::Add, kNumericTypes}, Add{});
  def_elementwise_binary(kFamily, {"sub", ScalarOp::Sub, kNumericTypes}, Sub{});
  def_elementwise_binary(kFamily, {"mul", ScalarOp::Mul, kNumericTypes}, Mul{});
  def_elementwise_binary(kFamily, {"div", ScalarOp::Div, kNumericTypes}, Div{});
  def_elementwise_binary(kFamily, {"rem", ScalarOp::Rem, kNumericTypes}, Rem{});
  def_elementwise_binary(kFamily, {"pow", ScalarOp::Pow, kNumericTypes}, Pow{});
  def_elementwise_binary(kFamily, {"atan2", ScalarOp::Atan2, kFloatTypes},
                         float_math2([](double y, double x) { return std::atan2(y, x); }));
  def_elementwise_binary(kFamily, {"min", ScalarOp::Min, kNumericTypes}, Min{});
  def_elementwise_binary(kFamily, {"max", ScalarOp::Max, kNumericTypes}, Max{});
  def_elementwise_binary(kFamily, {"and", ScalarOp::And, kIntegralTypes}, And{});
  def_elementwise_binary(kFamily, {"or", ScalarOp::Or, kIntegralTypes}, Or{});
  def_elementwise_binary(kFamily, {"xor", ScalarOp::Xor, kIntegralTypes}, Xor{});
  register_vjp_rules();
}

}  // namespace lanes::internal
