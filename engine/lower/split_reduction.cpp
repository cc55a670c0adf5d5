// plan_reduction_split (see split_reduction.h): which full reductions are split, and the
// group sizes, from the operand's shape alone.
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
  const AbstractValue& in = g.aval(e.inputs[0]);
  const Shape& shape = in.shape;
  // A float sum of at most kSumBlock terms is one plain fold, the interpreter's order.
  const ScalarOp combine = e.prim->reduction.combine;
  if (!e.prim->reduction.arg && combine == ScalarOp::Add && is_float(in.dtype) &&
      in.size() <= kSumBlock) {
    return std::nullopt;
  }
  std::int64_t axis = static_cast<std::int64_t>(shape.size()) - 1;
  while (axis >= 0 && shape[static_cast<std::size_t>(axis)] == 1) --axis;
  if (axis < 0) return std::nullopt;
  const std::int64_t extent = shape[static_cast<std::size_t>(axis)];
  if (extent < kSplitLanes) return std::nullopt;
  ReductionSplit s = split_extent(extent);
  s.axis = axis;
  return s;
}

ReductionSplit split_extent(std::int64_t extent) {
  ReductionSplit s;
  // P grows with the extent (M >= kMinPerLane, so a group is worth a pool chunk) up to
  // kMaxGroups; then M grows instead, so the partials stay bounded.
  s.groups = std::clamp<std::int64_t>(extent / (kSplitLanes * kMinPerLane), 1, kMaxGroups);
  s.per_lane = extent / (kSplitLanes * s.groups);
  const std::int64_t r = extent - s.groups * kSplitLanes * s.per_lane;  // < P * kSplitLanes
  s.lane_rest = r / kSplitLanes;                                        // 0 when P == 1
  s.rest = r - s.lane_rest * kSplitLanes;
  return s;
}

}  // namespace lanes::internal::lower
