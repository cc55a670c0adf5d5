// Test data for the MPI collective tests: per-replica inputs chosen so that the order of
// a floating-point reduction shows in the bits, and an independent reference reduction
// in the fixed order 0..N-1 (plain loops, not the communicator's code).
#pragma once

#include <lanes/dtype.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "runtime/communicator.h"

namespace lanes::mpi_test {

inline std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Element k of replica r's input in a group of n replicas.
template <class T>
T input(int r, int n, std::size_t k) {
  std::uint64_t h = mix(static_cast<std::uint64_t>(r) * 1000003u + k);
  if constexpr (std::is_same_v<T, bool>) {
    if (k % 5 == 1) return true;   // a column all true
    if (k % 5 == 2) return false;  // a column all false
    return (h & 1) != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (k % 7 == 0) return std::numeric_limits<T>::max() - r;  // sums wrap around
    if (k % 7 == 1) return std::numeric_limits<T>::min() + r;
    return static_cast<T>(static_cast<std::int64_t>(h % 2000001) - 1000000) *
           static_cast<T>(r % 3 + 1);
  } else {
    // Cancelling giants and small values: 1e16 + 1 - 1e16 is 0 left to right, 1 otherwise.
    const T big = std::is_same_v<T, float> ? T(1e8) : T(1e16);
    switch (k % 11) {
      case 0:
        return r == 0 ? big : r == 1 ? T(1) : r == 2 ? -big : T(r) * T(0.25);
      case 1:
        return r % 2 == 0 ? T(-0.0) : T(0.0);  // ties of max/min
      case 2:
        return r == n - 1 ? std::nan("2") : r == 1 ? std::nan("1") : T(r);  // NaNs
      default:
        break;
    }
    int exponent = static_cast<int>((h >> 8) % 17) - 8;
    T mantissa = T(static_cast<double>(h % 100000) / 997.0);
    return ((h >> 40) & 1 ? -mantissa : mantissa) * std::pow(T(10), T(exponent));
  }
}

// One byte per bool, so that test buffers have data() (std::vector<bool> is packed).
struct BoolByte {
  bool v = false;
  BoolByte() = default;
  BoolByte(bool b) : v(b) {}  // NOLINT: implicit, so that Vec<bool> reads like Vec<T>
  operator bool() const { return v; }
};

template <class T>
using Vec = std::vector<std::conditional_t<std::is_same_v<T, bool>, BoolByte, T>>;

template <class T>
Vec<T> inputs(int r, int n, std::size_t count) {
  Vec<T> v(count);
  for (std::size_t k = 0; k < count; ++k) v[k] = input<T>(r, n, k);
  return v;
}

// The fixed-order reduction written out plainly: acc = in_0; acc = acc op in_r, r = 1..n-1.
// Max/Min as reduce_max/reduce_min: a NaN gives the canonical quiet NaN, -0 < +0.
template <class T>
Vec<T> reference_reduce(internal::ReduceOp op, int n, std::size_t count) {
  Vec<T> acc = inputs<T>(0, n, count);
  for (int r = 1; r < n; ++r) {
    Vec<T> row = inputs<T>(r, n, count);
    for (std::size_t k = 0; k < count; ++k) {
      T a = acc[k], b = row[k];
      if constexpr (std::is_same_v<T, bool>) {
        acc[k] = op == internal::ReduceOp::Min ? (a && b) : (a || b);
      } else if (op == internal::ReduceOp::Sum) {
        if constexpr (std::is_integral_v<T>) {
          using U = std::make_unsigned_t<T>;
          acc[k] = static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
        } else {
          acc[k] = a + b;
        }
      } else {
        // Max/Min: any NaN gives the quiet NaN; among equal zeros +0 is the larger.
        bool nan = false;
        if constexpr (std::is_floating_point_v<T>) {
          nan = std::isnan(a) || std::isnan(b);
          if (nan) acc[k] = std::numeric_limits<T>::quiet_NaN();
        }
        if (!nan) {
          bool b_larger = a < b || (a == b && std::signbit(double(a)) && !std::signbit(double(b)));
          bool b_smaller = b < a || (a == b && !std::signbit(double(a)) && std::signbit(double(b)));
          if (op == internal::ReduceOp::Max ? b_larger : b_smaller) acc[k] = b;
        }
      }
    }
  }
  return acc;
}

}  // namespace lanes::mpi_test
