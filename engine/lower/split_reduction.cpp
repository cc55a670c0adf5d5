// plan_reduction_split (see split_reduction.h): which full reductions are split, and the
// chunk sizes, from the operand's shape alone.
#include "engine/lower/split_reduction.h"

#include <algorithm>

#include "engine/lower/fusion.h"
#include "engine/primitive.h"

namespace lanes::internal::lower {

std::optional<ReductionSplit> plan_reduction_split(const Graph& g, const Equation& e) {
  if (classify(e) != LoweringKind::Reduction || e.inputs.empty() || e.inputs[0].is_literal() ||
      g.aval(e.outputs[0]).rank() != 0) {
    return std::nullopt;
  }
  // A rank-0 result reduces every axis of the operand (argmax: its only axis).
  const Shape& shape = g.aval(e.inputs[0]).shape;
  std::int64_t axis = static_cast<std::int64_t>(shape.size()) - 1;
  while (axis >= 0 && shape[static_cast<std::size_t>(axis)] == 1) --axis;
  if (axis < 0) return std::nullopt;
  const std::int64_t extent = shape[static_cast<std::size_t>(axis)];
  if (extent < kSplitLanes) return std::nullopt;
  ReductionSplit s;
  s.axis = axis;
  // Q grows with the extent up to kMaxPerLane, keeping about 8 chunks or more for the
  // thread pool when the extent is small.
  s.per_lane = std::clamp<std::int64_t>(extent / (kSplitLanes * 8), 1, kMaxPerLane);
  s.chunks = extent / (kSplitLanes * s.per_lane);
  s.rest = extent - s.chunks * kSplitLanes * s.per_lane;
  return s;
}

}  // namespace lanes::internal::lower
