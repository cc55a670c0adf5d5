// The element-level rules of the scalar operations, written once (docs/semantics.md).
//
// Header-only templates on the element type (bool, i32, i64, f32, f64). They are the lowest
// layer of the scalar semantics: the runtime's collective combine (reduce_combine.h) uses
// them directly, and codegen/scalar_reference.h dispatches every ScalarOp to them, so the
// graph interpreter, the loop-IR oracle and the collectives share one definition.
//
// - Integers are two's complement and total: add/sub/mul/neg/abs wrap modulo 2^n; x / 0 = -1,
//   x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0 (as XLA); pow by squaring.
// - bool is the two-element lattice false < true: add/max are or, mul/min are and, sub is xor;
//   neg, abs, sign, floor, ceil, round are the identity.
// - Float min/max are IEEE 754-2019 minimum/maximum (§9.6): a NaN operand gives a NaN, and
//   -0 < +0. Elementwise the NaN is the first NaN operand itself (its payload kept, §6.2.3);
//   as the combine of a reduction or a collective it is the canonical quiet NaN, so that the
//   result does not depend on the order in which the elements are combined.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace lanes::internal {

// --- element type concepts (also what the primitives' reference functors overload on) ---
template <class T>
concept FloatElem = std::floating_point<T>;
template <class T>
concept IntElem = std::signed_integral<T>;  // i32, i64 (bool is not signed_integral)
template <class T>
concept BoolElem = std::same_as<T, bool>;
template <class T>
concept NumericElem = FloatElem<T> || IntElem<T>;
template <class T>
concept IntegralElem = std::integral<T>;  // bool, i32, i64

// --- wrapping integer arithmetic (in the unsigned twin: no undefined behaviour) ---------
template <IntElem T>
constexpr T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <IntElem T>
constexpr T wrapping_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <IntElem T>
constexpr T wrapping_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <IntElem T>
constexpr T wrapping_neg(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U{0} - static_cast<U>(x));
}

// --- arithmetic on every dtype -----------------------------------------------------------
template <class T>
constexpr T sem_add(T a, T b) {
  if constexpr (BoolElem<T>) {
    return a || b;
  } else if constexpr (IntElem<T>) {
    return wrapping_add(a, b);
  } else {
    return a + b;
  }
}
template <class T>
constexpr T sem_sub(T a, T b) {
  if constexpr (BoolElem<T>) {
    return a != b;
  } else if constexpr (IntElem<T>) {
    return wrapping_sub(a, b);
  } else {
    return a - b;
  }
}
template <class T>
constexpr T sem_mul(T a, T b) {
  if constexpr (BoolElem<T>) {
    return a && b;
  } else if constexpr (IntElem<T>) {
    return wrapping_mul(a, b);
  } else {
    return a * b;
  }
}

// Truncating division; the cases C++ leaves undefined as XLA defines them.
template <class T>
requires IntElem<T> || FloatElem<T>
constexpr T sem_div(T a, T b) {
  if constexpr (IntElem<T>) {
    if (b == 0) return T(-1);
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
    return static_cast<T>(a / b);
  } else {
    return a / b;
  }
}

// Remainder with the sign of the dividend (C++ %, fmod).
template <class T>
requires IntElem<T> || FloatElem<T> T sem_rem(T a, T b) {
  if constexpr (IntElem<T>) {
    if (b == 0) return a;
    if (b == -1) return 0;  // also INT_MIN % -1, which C++ leaves undefined
    return static_cast<T>(a % b);
  } else {
    return std::fmod(a, b);  // exact, so equal to fmod in double rounded to T
  }
}

// Integer power by squaring, wrapping; pow(b, 0) = 1; for e < 0: 1 if b == 1, ±1 if
// b == -1 (by the parity of e), else 0.
template <IntElem T>
constexpr T int_pow(T base, T exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent & 1) ? T(-1) : T(1);
    return 0;
  }
  T result = 1;
  T b = base;
  for (T e = exponent; e != 0; e = static_cast<T>(e >> 1)) {
    if (e & 1) result = wrapping_mul(result, b);
    b = wrapping_mul(b, b);
  }
  return result;
}

template <class T>
constexpr T sem_neg(T x) {
  if constexpr (BoolElem<T>) {
    return x;
  } else if constexpr (IntElem<T>) {
    return wrapping_neg(x);
  } else {
    return -x;  // flips the sign bit: neg(0.0) = -0.0
  }
}

template <class T>
T sem_abs(T x) {
  if constexpr (BoolElem<T>) {
    return x;
  } else if constexpr (IntElem<T>) {
    return x < 0 ? wrapping_neg(x) : x;  // abs(INT_MIN) = INT_MIN
  } else {
    return std::fabs(x);  // clears the sign bit: abs(-0.0) = +0.0
  }
}

// 1, -1, or x itself: sign(±0) = ±0, sign(NaN) = NaN (the operand), ints 0.
template <class T>
constexpr T sem_sign(T x) {
  if constexpr (BoolElem<T>) {
    return x;
  } else if constexpr (IntElem<T>) {
    return static_cast<T>((x > 0) - (x < 0));
  } else {
    return x > 0 ? T(1) : x < 0 ? T(-1) : x;
  }
}

// --- min / max ---------------------------------------------------------------------------
// IEEE 754-2019 maximum/minimum (§9.6): NaN if either operand is NaN (the first NaN operand
// itself), +0 > -0; bool: or / and; ints: the larger / smaller.
template <class T>
T sem_max(T a, T b) {
  if constexpr (BoolElem<T>) {
    return a || b;
  } else if constexpr (FloatElem<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if (a == b) return std::signbit(a) ? b : a;  // max(-0, +0) = +0 in both orders
    return a > b ? a : b;
  } else {
    return a > b ? a : b;
  }
}
template <class T>
T sem_min(T a, T b) {
  if constexpr (BoolElem<T>) {
    return a && b;
  } else if constexpr (FloatElem<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if (a == b) return std::signbit(a) ? a : b;  // min(-0, +0) = -0 in both orders
    return a < b ? a : b;
  } else {
    return a < b ? a : b;
  }
}

// x, with any NaN replaced by the canonical quiet NaN (other dtypes: x).
template <class T>
T canonical_nan(T x) {
  if constexpr (FloatElem<T>) {
    if (std::isnan(x)) return std::numeric_limits<T>::quiet_NaN();
  }
  return x;
}

// max/min as the combine of a reduction (reduce_max/min, pmax/pmin): sem_max/sem_min with a
// NaN result canonical, so the result does not depend on the association of the elements.
template <class T>
T sem_combine_max(T acc, T v) {
  return canonical_nan(sem_max(acc, v));
}
template <class T>
T sem_combine_min(T acc, T v) {
  return canonical_nan(sem_min(acc, v));
}

// The identities of max and min: -inf / the lowest int / false, +inf / the highest / true.
template <class T>
constexpr T max_identity() {
  if constexpr (FloatElem<T>) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}
template <class T>
constexpr T min_identity() {
  if constexpr (FloatElem<T>) return std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::max();
}

// --- convert -----------------------------------------------------------------------------
// One element from S to D: anything -> bool is x != 0 (NaN -> true, -0 -> false); float ->
// int truncates toward zero, NaN -> 0, values at or beyond the range saturate (±inf
// included); int -> int wraps; everything else rounds to nearest even.
template <class D, class S>
D sem_convert(S x) {
  if constexpr (std::same_as<D, bool>) {
    return x != S(0);
  } else if constexpr (IntElem<D> && FloatElem<S>) {
    const double v = static_cast<double>(x);
    constexpr double lo = static_cast<double>(std::numeric_limits<D>::min());  // -2^(n-1)
    if (std::isnan(v)) return 0;
    if (v >= -lo) return std::numeric_limits<D>::max();
    if (v <= lo) return std::numeric_limits<D>::min();
    return static_cast<D>(v);  // truncates toward zero; (lo - 1, lo) truncates to lo
  } else {
    return static_cast<D>(x);  // C++20: int -> int is modular
  }
}

}  // namespace lanes::internal
