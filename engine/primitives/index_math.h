// Row-major index arithmetic and axis-list checks shared by the reference implementations
// and shape rules of the structural, reduction and contraction primitives.
#pragma once

#include <lanes/array.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lanes::internal {

// Element strides of a dense row-major array of `shape`.
inline std::vector<std::int64_t> row_major_strides(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

// Advances `idx` over `shape` in row-major order; false once it wraps past the end.
inline bool next_index(std::vector<std::int64_t>& idx, const Shape& shape) {
  for (std::size_t k = shape.size(); k-- > 0;) {
    if (++idx[k] < shape[k]) return true;
    idx[k] = 0;
  }
  return false;
}

inline std::string ints_to_string(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

// Throws ShapeError unless every entry of `axes` names a distinct axis of a rank-`rank`
// operand; `what` names the parameter in the message ("reduce_sum: axes [0,0] ...").
inline void check_axis_list(const std::string& prim, const char* what,
                            const std::vector<std::int64_t>& axes, const Shape& shape) {
  std::vector<bool> seen(shape.size(), false);
  for (std::int64_t a : axes) {
    if (a < 0 || a >= static_cast<std::int64_t>(shape.size())) {
      throw ShapeError(prim + ": " + what + " " + ints_to_string(axes) + ": axis " +
                       std::to_string(a) + " is out of range for operand shape " +
                       shape_to_string(shape));
    }
    if (seen[static_cast<std::size_t>(a)]) {
      throw ShapeError(prim + ": " + what + " " + ints_to_string(axes) + ": axis " +
                       std::to_string(a) + " appears twice (operand shape " +
                       shape_to_string(shape) + ")");
    }
    seen[static_cast<std::size_t>(a)] = true;
  }
}

}  // namespace lanes::internal
