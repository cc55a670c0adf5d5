// PENDING: placeholders for the linalg ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value dot_general(const Value&, const Value&, const Axes&,
                  const Axes&, const Axes&,
                  const Axes&) { throw UnsupportedError("dot_general: not implemented yet"); }
Value dot(const Value&, const Value&) { throw UnsupportedError("dot: not implemented yet"); }
Value matmul(const Value&, const Value&) { throw UnsupportedError("matmul: not implemented yet"); }
Value outer(const Value&, const Value&) { throw UnsupportedError("outer: not implemented yet"); }

}  // namespace lanes
