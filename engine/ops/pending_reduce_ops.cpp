// PENDING: placeholders for the reduce ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value sum(const Value&) { throw UnsupportedError("sum: not implemented yet"); }
Value sum(const Value&, const Axes&) { throw UnsupportedError("sum: not implemented yet"); }
Value prod(const Value&) { throw UnsupportedError("prod: not implemented yet"); }
Value prod(const Value&, const Axes&) { throw UnsupportedError("prod: not implemented yet"); }
Value max(const Value&) { throw UnsupportedError("max: not implemented yet"); }
Value max(const Value&, const Axes&) { throw UnsupportedError("max: not implemented yet"); }
Value min(const Value&) { throw UnsupportedError("min: not implemented yet"); }
Value min(const Value&, const Axes&) { throw UnsupportedError("min: not implemented yet"); }
Value mean(const Value&) { throw UnsupportedError("mean: not implemented yet"); }
Value mean(const Value&, const Axes&) { throw UnsupportedError("mean: not implemented yet"); }
Value argmax(const Value&, std::int64_t) { throw UnsupportedError("argmax: not implemented yet"); }
Value argmin(const Value&, std::int64_t) { throw UnsupportedError("argmin: not implemented yet"); }

}  // namespace lanes
