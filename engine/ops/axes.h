// Axis arguments of the DSL's shape ops and reductions: numpy-style negative axes are
// normalized here, and bad axes raise a ShapeError naming the function, the axis and
// the operand shape before any primitive is bound.
#pragma once

#include <lanes/array.h>
#include <lanes/error.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace lanes::internal {

// `axis` of a rank-`rank` operand of `shape` (rank is passed separately for functions,
// like expand_dims, whose valid range is wider than the shape's rank).
inline std::int64_t normalize_axis(const char* fn, std::int64_t axis, std::int64_t rank,
                                   const Shape& shape) {
  if (axis < -rank || axis >= rank) {
    throw ShapeError(std::string(fn) + ": axis " + std::to_string(axis) +
                     " is out of range for operand shape " + shape_to_string(shape));
  }
  return axis < 0 ? axis + rank : axis;
}

// The axes normalized and sorted; ShapeError on duplicates or out-of-range axes.
inline std::vector<std::int64_t> normalize_axes(const char* fn,
                                                const std::vector<std::int64_t>& axes,
                                                const Shape& shape) {
  auto rank = static_cast<std::int64_t>(shape.size());
  std::vector<std::int64_t> r;
  for (std::int64_t a : axes) r.push_back(normalize_axis(fn, a, rank, shape));
  std::sort(r.begin(), r.end());
  auto dup = std::adjacent_find(r.begin(), r.end());
  if (dup != r.end()) {
    throw ShapeError(std::string(fn) + ": axis " + std::to_string(*dup) +
                     " is given twice for operand shape " + shape_to_string(shape));
  }
  return r;
}

}  // namespace lanes::internal
