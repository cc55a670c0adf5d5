// lanes::Value: literal constructors and validated access to the owning trace.
#include <lanes/ops.h>
#include <lanes/value.h>

#include "engine/trace.h"

namespace lanes {

using internal::make_literal;

Value::Value(double v) : literal_(make_literal(Scalar::of(v), true)) {}
Value::Value(float v) : literal_(make_literal(Scalar::of(v), false)) {}
Value::Value(int v) : literal_(make_literal(Scalar::of_int(DType::I64, v), true)) {}
Value::Value(std::int64_t v) : literal_(make_literal(Scalar::of(v), true)) {}
Value::Value(bool v) : literal_(make_literal(Scalar::of(v), false)) {}
Value::Value(const Array& a) : Value(constant(a)) {}

Value Value::from_var(internal::Tracer* tracer, std::uint64_t tracer_id, int var) {
  Value v;
  v.tracer_ = tracer;
  v.tracer_id_ = tracer_id;
  v.var_ = var;
  return v;
}

Value Value::from_literal(Literal lit) {
  Value v;
  v.literal_ = lit;
  return v;
}

internal::Tracer* Value::tracer() const {
  if (tracer_ == nullptr) return nullptr;
  if (!internal::tracer_is_active(tracer_, tracer_id_)) {
    throw TraceError(
        "a lanes::Value was used after the trace that created it ended (a Value escaped its "
        "function, e.g. stored in a global or returned from a loop body's enclosing scope)");
  }
  return tracer_;
}

DType Value::dtype() const { return internal::aval_of(*this).dtype; }

Shape Value::shape() const {
  if (is_literal()) return {};
  return tracer()->aval(var_).shape;
}

bool Value::weak_type() const { return internal::aval_of(*this).weak; }

}  // namespace lanes
