// lanes::constant: array constants in traced code.
#include "engine/trace.h"
#include "runtime/owned_array.h"

#include <lanes/ops.h>

namespace lanes {

Value constant(const Array& a) {
  // The trace holds a reference to the storage: a view's memory must outlive the trace's
  // graphs, so views are copied.
  return internal::bind1("constant", {}, internal::Params{{"value", internal::owned(a)}});
}

}  // namespace lanes
