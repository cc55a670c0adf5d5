// PENDING: placeholders for the broadcast ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value full(DType, const Shape&, double) { throw UnsupportedError("full: not implemented yet"); }
Value zeros_like(const Value&) { throw UnsupportedError("zeros_like: not implemented yet"); }
Value ones_like(const Value&) { throw UnsupportedError("ones_like: not implemented yet"); }
Value broadcast_in_dim(const Value&, const Shape&, const Axes&) { throw UnsupportedError("broadcast_in_dim: not implemented yet"); }
Value broadcast_to(const Value&, const Shape&) { throw UnsupportedError("broadcast_to: not implemented yet"); }

}  // namespace lanes
