// lanes::Scalar: one number of a Lanes dtype, held exactly.
//
// Every path that carries a single number (a literal in user code or the graph, a folded
// constant, a loop-IR constant, a reduction identity, Array::item and printing, the
// REPL's numbers) carries a Scalar. A double has 53 bits of mantissa: INT64_MAX - 1 read
// through a double becomes 2^63, which converts back to i64 as INT64_MIN. A Scalar keeps an
// integer's 64 bits instead, and converts between dtypes only where the program converts.
//
//   lanes::Scalar s = lanes::Scalar::of_int(lanes::DType::I64, INT64_MAX);
//   s.as<std::int64_t>();  // 9223372036854775807, exact
//   s.to_string();         // "9223372036854775807"
//   s.convert(lanes::DType::F64).as<double>();  // 9.2233720368547758e18 (rounded once)
#pragma once

#include <lanes/dtype.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

class Scalar {
 public:
  Scalar() = default;  // f64 0

  // `v` converted to `dtype` as astype converts (docs/semantics.md): to an integer
  // truncates toward zero, NaN gives 0 and values beyond the range saturate; to bool is
  // v != 0; f32 rounds to nearest.
  static Scalar of_double(DType dtype, double v);
  // `v` converted to `dtype` as astype converts an i64: exact in i64, wrapped to the
  // width of a narrower integer, rounded to nearest in a float type, v != 0 in bool.
  static Scalar of_int(DType dtype, std::int64_t v);
  // The C++ value `v` as a Scalar of its own dtype (bool, i32, i64, f32, f64): exact.
  template <class T>
  static Scalar of(T v);
  // A C++ number `v` converted to `dtype` as astype converts it: integers (any C++
  // integer type, bool) through of_int, exact; floating types through of_double.
  template <class T>
  requires std::is_arithmetic_v<T>
  static Scalar of_value(DType dtype, T v) {
    if constexpr (std::is_floating_point_v<T>) {
      return of_double(dtype, static_cast<double>(v));
    } else {
      return of_int(dtype, static_cast<std::int64_t>(v));
    }
  }

  DType dtype() const { return dtype_; }

  // The value converted to `dtype` (astype's rules, as of_double and of_int state).
  Scalar convert(DType dtype) const;
  // The value as a T: exact when T's dtype holds it (a float as double, an integer or bool
  // as any integer type wide enough); otherwise converted as convert(dtype_of<T>()).
  template <class T>
  T as() const;
  // Shorthands for the two widest forms. as_double rounds integers beyond 2^53.
  double as_double() const { return is_float(dtype_) ? f_ : static_cast<double>(int_bits()); }
  std::int64_t as_int64() const { return as<std::int64_t>(); }

  // The same dtype and the same value (NaN equals NaN, -0 differs from +0): what makes
  // two literals interchangeable in the IR.
  bool identical(const Scalar& o) const;
  // Numerically equal to the integer `v` (for floats: f == v).
  bool equals(std::int64_t v) const;
  std::size_t hash() const;

  // Exact decimal for integers ("-9223372036854775808"), "True"/"False" for bool, and for
  // floats the "%.17g" form, which reads back the same value ("nan", "inf", "-inf").
  std::string to_string() const;

 private:
  std::int64_t int_bits() const { return static_cast<std::int64_t>(bits_); }

  DType dtype_ = DType::F64;
  double f_ = 0;  // float dtypes (an f32 value is held rounded to float)
  // Integer and bool dtypes: the value's 64-bit two's complement pattern, sign-extended
  // from a narrower signed type. An unsigned dtype (u8/u32/u64, planned) will zero-extend,
  // so that a u64 above INT64_MAX is held exactly too.
  std::uint64_t bits_ = 0;
};

template <class T>
Scalar Scalar::of(T v) {
  constexpr DType t = dtype_of<T>();
  if constexpr (t == DType::F32 || t == DType::F64) {
    return of_double(t, static_cast<double>(v));
  } else {
    return of_int(t, static_cast<std::int64_t>(v));
  }
}

template <class T>
T Scalar::as() const {
  constexpr DType t = dtype_of<T>();
  const Scalar c = convert(t);
  if constexpr (t == DType::F32 || t == DType::F64) {
    return static_cast<T>(c.f_);
  } else {
    return static_cast<T>(c.int_bits());  // in range: convert wrapped or saturated it
  }
}

}  // namespace lanes
#pragma GCC visibility pop
