// Replica shards and their stacking (see replica_shards.h).
#include "runtime/replica_shards.h"

#include <lanes/error.h>

#include <cstring>
#include <string>

#include "runtime/check.h"

namespace lanes::internal {

namespace {

// Product of the extents of shape[lo, hi).
std::size_t extent_product(const Shape& shape, std::size_t lo, std::size_t hi) {
  std::size_t n = 1;
  for (std::size_t k = lo; k < hi; ++k) n *= static_cast<std::size_t>(shape[k]);
  return n;
}

}  // namespace

Array replica_shard(const Array& x, std::int64_t axis, std::int64_t r) {
  const Shape& in = x.shape();
  const auto a = static_cast<std::size_t>(axis);
  if (axis < 0 || a >= in.size() || r < 0 || r >= in[a]) {
    LANES_FAIL("replica_shard: replica " + std::to_string(r) + " along axis " +
               std::to_string(axis) + " of " + shape_to_string(in));
  }
  Shape s = in;
  s.erase(s.begin() + axis);
  const std::size_t outer = extent_product(in, 0, a);
  const std::size_t n = static_cast<std::size_t>(in[a]);
  const std::size_t inner = extent_product(in, a + 1, in.size()) * dtype_size(x.dtype());
  const auto* base = static_cast<const unsigned char*>(x.raw());
  const std::size_t rr = static_cast<std::size_t>(r);
  if (outer == 1) {
    return Array::view_raw(const_cast<unsigned char*>(base) + rr * inner, x.dtype(), s);
  }
  Array out = Array::empty(x.dtype(), s);
  auto* dst = static_cast<unsigned char*>(out.raw());
  if (inner > 0) {
    for (std::size_t o = 0; o < outer; ++o)
      std::memcpy(dst + o * inner, base + (o * n + rr) * inner, inner);
  }
  return out;
}

Array stack_replicas(std::span<const Array> parts, std::int64_t axis) {
  if (parts.empty()) LANES_FAIL("stack_replicas: no parts");
  const Array& first = parts[0];
  const Shape& part = first.shape();
  const auto a = static_cast<std::size_t>(axis);
  if (axis < 0 || a > part.size()) {
    LANES_FAIL("stack_replicas: axis " + std::to_string(axis) + " for parts of " +
               shape_to_string(part));
  }
  for (std::size_t r = 1; r < parts.size(); ++r) {
    if (parts[r].dtype() != first.dtype() || parts[r].shape() != part) {
      LANES_FAIL("stack_replicas: replica " + std::to_string(r) + " returned " +
                 std::string(dtype_name(parts[r].dtype())) + shape_to_string(parts[r].shape()) +
                 ", replica 0 " + std::string(dtype_name(first.dtype())) + shape_to_string(part));
    }
  }
  const std::size_t n = parts.size();
  Shape s = part;
  s.insert(s.begin() + axis, static_cast<std::int64_t>(n));
  Array out = Array::empty(first.dtype(), s);
  const std::size_t outer = extent_product(part, 0, a);
  const std::size_t inner = extent_product(part, a, part.size()) * dtype_size(first.dtype());
  if (inner == 0) return out;
  auto* dst = static_cast<unsigned char*>(out.raw());
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t r = 0; r < n; ++r) {
      const auto* src = static_cast<const unsigned char*>(parts[r].raw());
      std::memcpy(dst + (o * n + r) * inner, src + o * inner, inner);
    }
  }
  return out;
}

}  // namespace lanes::internal
