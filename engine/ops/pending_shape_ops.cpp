// PENDING: placeholders for the shape ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value reshape(const Value&, const Shape&) { throw UnsupportedError("reshape: not implemented yet"); }
Value transpose(const Value&, const Axes&) { throw UnsupportedError("transpose: not implemented yet"); }
Value transpose(const Value&) { throw UnsupportedError("transpose: not implemented yet"); }
Value slice(const Value&, const Axes&, const Axes&, const Axes&) { throw UnsupportedError("slice: not implemented yet"); }
Value concatenate(const std::vector<Value>&, std::int64_t) { throw UnsupportedError("concatenate: not implemented yet"); }
Value iota(DType, const Shape&, std::int64_t) { throw UnsupportedError("iota: not implemented yet"); }
Value expand_dims(const Value&, std::int64_t) { throw UnsupportedError("expand_dims: not implemented yet"); }
Value squeeze(const Value&, const Axes&) { throw UnsupportedError("squeeze: not implemented yet"); }

}  // namespace lanes
