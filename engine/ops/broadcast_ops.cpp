// The DSL's broadcasting and filling operations: broadcast_in_dim, broadcast_to (numpy
// rules), full, zeros_like, ones_like — all built on the broadcast_in_dim primitive.
#include <lanes/ops.h>

#include <string>

#include "engine/ops/promotion.h"
#include "engine/trace.h"
#include "runtime/dtype_check.h"

namespace lanes {

using internal::bind1;
using internal::make_literal;
using internal::Params;

Value broadcast_in_dim(const Value& x, const Shape& shape, const Axes& broadcast_dimensions) {
  return bind1("broadcast_in_dim", {x},
               Params{{"shape", shape}, {"broadcast_dimensions", broadcast_dimensions}});
}

Value broadcast_to(const Value& x, const Shape& shape) {
  internal::require_trace("broadcast_to");
  const Shape from = x.shape();
  if (from == shape) return x;
  const std::size_t rank = shape.size();
  if (from.size() > rank) {
    throw ShapeError("broadcast_to: cannot broadcast " + shape_to_string(from) + " to " +
                     shape_to_string(shape) + ": the target has lower rank");
  }
  // Align at the right; extents must match or be 1 (the primitive repeats those).
  Axes dims(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    dims[i] = static_cast<std::int64_t>(rank - from.size() + i);
    std::int64_t want = shape[static_cast<std::size_t>(dims[i])];
    if (from[i] != 1 && from[i] != want) {
      throw ShapeError("broadcast_to: cannot broadcast " + shape_to_string(from) + " to " +
                       shape_to_string(shape) + ": axis " + std::to_string(i) + " has extent " +
                       std::to_string(from[i]) + ", neither 1 nor " + std::to_string(want));
    }
  }
  return broadcast_in_dim(x, shape, dims);
}

Value full(DType dtype, const Shape& shape, Scalar value) {
  internal::check_dtype_arg(dtype, "full");
  return broadcast_in_dim(Value::from_literal(make_literal(value.convert(dtype), false)), shape,
                          {});
}

// zeros_like/ones_like keep the dtype, shape and weakness of x (as lax.full_like).
Value zeros_like(const Value& x) {
  return broadcast_in_dim(
      Value::from_literal(make_literal(Scalar::of_int(x.dtype(), 0), x.weak_type())), x.shape(),
      {});
}

Value ones_like(const Value& x) {
  return broadcast_in_dim(
      Value::from_literal(make_literal(Scalar::of_int(x.dtype(), 1), x.weak_type())), x.shape(),
      {});
}

}  // namespace lanes
