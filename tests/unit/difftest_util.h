// Helpers of the JIT-vs-interpreter differential tests: a comparison that is bit-exact by
// default (signed zeros and integer extremes included) with optional ULP and absolute
// tolerances for floats, and a runner that calls a Fn eagerly (the reference
// interpreter) and jitted with given options.
#pragma once

#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "tests/unit/test_util.h"

namespace lanes::testing {

// Newton's square root of each element, iterated from a + 1 until the iterate stops
// changing (at most 100 steps): a while_loop whose trip count depends on the data.
// Returns (sqrt(a), steps); `x * 1.0` keeps the root an equation of its own.
inline Fn newton_sqrt_fn() {
  return fn([](Value a) {
    auto [x, prev, n] = while_loop(
        [](std::tuple<Value, Value, Value> c) {
          auto [x, prev, n] = c;
          return (x != prev) & (n < 100);
        },
        [a](std::tuple<Value, Value, Value> c) {
          auto [x, prev, n] = c;
          return std::make_tuple(0.5 * (x + a / x), x, n + 1);
        },
        std::make_tuple(a + 1.0, Value(0.0), Value(0)));
    (void)prev;
    return std::make_tuple(x * 1.0, n);
  });
}

// Deterministic test data of any dtype: amp * sin(scale * (i + 1)), rounded for integers,
// `> 0` for bool (values of both signs, no repeats, no special values).
inline Array sine_ramp(DType t, Shape s, double scale = 0.37, double amp = 3.0) {
  Array a = Array::empty(t, s);
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      double v = std::sin(scale * static_cast<double>(i + 1)) * amp;
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = v > 0;
      } else if constexpr (std::is_integral_v<T>) {
        p[i] = static_cast<T>(std::lround(v));
      } else {
        p[i] = static_cast<T>(v);
      }
    }
  });
  return a;
}

// How far a float result may be from the reference. Both zero: bit-exact (a NaN matches
// any NaN). Non-finite references must always be matched exactly.
struct Tolerance {
  std::uint64_t ulps = 0;
  double abs = 0;
};

// Element i of a float array as double (exact for f32 and f64).
inline double float_at(const Array& a, std::int64_t i) { return a.element_as_double(i); }

inline bool same_element_bits(const Array& a, const Array& b, std::int64_t i) {
  const std::size_t s = dtype_size(a.dtype());
  const auto* pa = static_cast<const unsigned char*>(a.raw()) + static_cast<std::size_t>(i) * s;
  const auto* pb = static_cast<const unsigned char*>(b.raw()) + static_cast<std::size_t>(i) * s;
  if (a.dtype() == DType::Bool) return (*pa != 0) == (*pb != 0);
  return std::memcmp(pa, pb, s) == 0;
}

inline ::testing::AssertionResult same_array(const Array& got, const Array& want,
                                             Tolerance tol = {}) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape()) {
    return ::testing::AssertionFailure()
           << "got " << dtype_name(got.dtype()) << shape_to_string(got.shape()) << ", expected "
           << dtype_name(want.dtype()) << shape_to_string(want.shape());
  }
  const bool exact = tol.ulps == 0 && tol.abs == 0;
  for (std::int64_t i = 0; i < got.size(); ++i) {
    bool ok;
    std::uint64_t ulps = 0;
    if (!is_float(got.dtype())) {
      ok = same_element_bits(got, want, i);
    } else {
      const double g = float_at(got, i), w = float_at(want, i);
      if (std::isnan(w) || std::isnan(g)) {
        ok = std::isnan(w) && std::isnan(g);
      } else if (std::isinf(w) || std::isinf(g) || exact) {
        ok = same_element_bits(got, want, i);
      } else {
        ulps = got.dtype() == DType::F32
                   ? ulp_distance(static_cast<float>(g), static_cast<float>(w))
                   : ulp_distance(g, w);
        ok = ulps <= tol.ulps || std::fabs(g - w) <= tol.abs;
        // Zeros keep their sign through every function with an ULP bound (C99 Annex F).
        if (ok && g == 0 && w == 0 && tol.abs == 0) ok = std::signbit(g) == std::signbit(w);
      }
    }
    if (!ok) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << i << " of " << dtype_name(got.dtype()) << shape_to_string(got.shape())
         << ": jit " << got.element_as_double(i) << ", interpreter " << want.element_as_double(i);
      if (is_float(got.dtype())) {
        os << " (" << ulps << " ulp; allowed " << tol.ulps << " ulp";
        if (tol.abs > 0) os << " or " << tol.abs << " absolute";
        os << ")";
      }
      return ::testing::AssertionFailure() << os.str();
    }
  }
  return ::testing::AssertionSuccess();
}

// Runs f eagerly (the reference interpreter) and jitted with `options`; expects every
// output to agree within `tol` (per output if several are given).
inline void expect_jit_matches(const Fn& f, const std::vector<Arg>& args,
                               const JitOptions& options = {},
                               const std::vector<Tolerance>& tols = {}) {
  Outputs want = f.call(args);
  Outputs got = jit(f, options).call(args);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    Tolerance t = tols.empty() ? Tolerance{} : tols.at(tols.size() == 1 ? 0 : i);
    EXPECT_TRUE(same_array(got[i], want[i], t)) << "output " << i;
  }
}

}  // namespace lanes::testing
