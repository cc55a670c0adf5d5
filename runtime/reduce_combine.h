// The one combination rule of every Communicator's all_reduce (threads and MPI), so that
// their results stay bitwise equal: Sum is a + b (bool: or; integers wrap, two's
// complement); Max and Min follow reduce_max/reduce_min: a NaN operand gives the canonical
// quiet NaN, and -0 < +0 (bool: or / and).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "runtime/communicator.h"

namespace lanes::internal {

template <class T>
T reduce_combine(ReduceOp op, T acc, T v) {
  if (op == ReduceOp::Sum) {
    if constexpr (std::is_same_v<T, bool>) {
      return acc || v;
    } else if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;  // two's complement wrap, no UB
      return static_cast<T>(static_cast<U>(acc) + static_cast<U>(v));
    } else {
      return acc + v;
    }
  }
  const bool is_max = op == ReduceOp::Max;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(acc) || std::isnan(v)) return std::numeric_limits<T>::quiet_NaN();
    if (v == acc) return (std::signbit(acc) == is_max) ? v : acc;
  }
  if (is_max) return v > acc ? v : acc;
  return v < acc ? v : acc;
}

}  // namespace lanes::internal
