// saturating_mul: products of element counts, extents and trip counts that only need
// comparing with a threshold (a block size, the thread pool's work cutoff). The extents of
// an empty array may multiply past 2^63 ([2^32, 2^32, 0] is a valid shape): such a product
// saturates at INT64_MAX instead of overflowing, and any zero factor makes it 0.
// (shape_size, which must be exact, throws instead.)
#pragma once

#include <cstdint>
#include <limits>

namespace lanes::internal {

// a * b for counts a, b >= 0, saturated at INT64_MAX.
constexpr std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
  if (a == 0 || b == 0) return 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  return a > kMax / b ? kMax : a * b;
}

}  // namespace lanes::internal
