// lanes::constant: array constants in traced code.
#include "engine/trace.h"

#include <lanes/ops.h>

namespace lanes {

Value constant(const Array& a) {
  // The trace holds a reference to the storage: a view's memory must outlive the trace's
  // graphs, so views are copied.
  Array owned = a.is_view() ? a.copy() : a;
  return internal::bind1("constant", {}, internal::Params{{"value", owned}});
}

}  // namespace lanes
