// PENDING: placeholders for the shape ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value full(DType, const Shape&, double) { throw UnsupportedError("full: not implemented yet"); }
Value zeros_like(const Value&) { throw UnsupportedError("zeros_like: not implemented yet"); }
Value ones_like(const Value&) { throw UnsupportedError("ones_like: not implemented yet"); }
Value broadcast_in_dim(const Value&, const Shape&, const Axes&) { throw UnsupportedError("broadcast_in_dim: not implemented yet"); }
Value broadcast_to(const Value&, const Shape&) { throw UnsupportedError("broadcast_to: not implemented yet"); }
Value reshape(const Value&, const Shape&) { throw UnsupportedError("reshape: not implemented yet"); }
Value transpose(const Value&, const Axes&) { throw UnsupportedError("transpose: not implemented yet"); }
Value transpose(const Value&) { throw UnsupportedError("transpose: not implemented yet"); }
Value slice(const Value&, const Axes&, const Axes&, const Axes&) { throw UnsupportedError("slice: not implemented yet"); }
Value concatenate(const std::vector<Value>&, std::int64_t) { throw UnsupportedError("concatenate: not implemented yet"); }
Value iota(DType, const Shape&, std::int64_t) { throw UnsupportedError("iota: not implemented yet"); }
Value expand_dims(const Value&, std::int64_t) { throw UnsupportedError("expand_dims: not implemented yet"); }
Value squeeze(const Value&, const Axes&) { throw UnsupportedError("squeeze: not implemented yet"); }

}  // namespace lanes
