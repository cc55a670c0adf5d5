// AbstractValue: what tracing and the shape rules know about a value (dtype + shape),
// plus JAX's weak-type flag for values that came from C++ scalar literals.
#pragma once

#include <lanes/array.h>

#include <string>

namespace lanes::internal {

struct AbstractValue {
  DType dtype = DType::F64;
  Shape shape;
  bool weak = false;

  int rank() const { return static_cast<int>(shape.size()); }
  std::int64_t size() const { return shape_size(shape); }
  bool operator==(const AbstractValue&) const = default;
  std::string to_string() const;  // "f32[3,4]", "f64[]~" for weak
};

inline AbstractValue aval_of(const Array& a) { return {a.dtype(), a.shape(), false}; }

}  // namespace lanes::internal
