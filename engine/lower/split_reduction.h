// Full reductions (a rank-0 result: sum(x), max(x), argmax(x) of a vector, ...) in a few
// kernels, so that they run on SIMD lanes and on the thread pool, with a summation order
// fixed by the shape alone (the same bits for every vector width and thread count) and a
// bounded number of partial states, whatever the size.
//
// The innermost reduced axis with more than one element (the contiguous one of a
// row-major operand), of extent N, is cut into P groups (1 <= P <= kMaxGroups) of
// kSplitLanes * M elements and a rest of R = N - P * kSplitLanes * M < P * kSplitLanes:
//   kernel 1 ("partials"), index space [P, kSplitLanes] (the lanes are its vector axis,
//     the groups its outer axis that the thread pool splits): partial[p][j] folds the
//     elements p * kSplitLanes * M + kSplitLanes * m + j for m = 0, 1, ..., M - 1 in that
//     order (and the other reduced axes in full, outermost first), so each SIMD lane
//     keeps its own accumulator and the loads are contiguous vectors;
//   kernel 2 ("lanes", only when P > 1), index space [kSplitLanes]: lane j folds
//     partial[0][j], ..., partial[P-1][j], then the first L = R / kSplitLanes rows of the
//     rest, elements P * kSplitLanes * M + kSplitLanes * i + j for i < L;
//   kernel 3, one point: folds identity, lane[0], ..., lane[15], then the last
//     R - L * kSplitLanes < kSplitLanes rest elements in index order (the horizontal
//     reduction and the tail). This is the loop::PartialsFold (not for a float sum).
// Partial buffers: P * kSplitLanes + kSplitLanes states at most (32 KiB of f64 for any N).
//
// A float sum of at most kSumBlock elements is not split (one plain fold). A split float
// sum sums each partial, and each range of the rest, in blocks of 32 terms with
// compensated totals (KernelBuilder::emit_blocked_sum); kernels 2 and 3 add their
// partials to compensated totals, the rest's sum last; bound 18 u sum|x_i|. max/min are
// exact; argmax/argmin return the first index of the extreme value (ties between
// partials go to the smaller index; NaN wins, the first NaN), as the interpreter does.
// Orders and bounds: docs/precision.md, "Reductions". (The AMDGPU backend folds the lanes
// and the rest of other reductions than float sums in another fixed order, in one
// workgroup: docs/amdgpu.md, "Full reductions".)
#pragma once

#include <cstdint>
#include <optional>

#include "engine/ir/graph.h"

namespace lanes::internal::lower {

inline constexpr std::int64_t kSplitLanes = 16;  // every vector width up to 16 divides it
inline constexpr std::int64_t kMaxGroups = 256;  // P: bounds the partials (and pool chunks)
inline constexpr std::int64_t kMinPerLane = 64;  // M below which groups are merged
// A whole float sum of at most this many terms is one plain fold in index order (numpy's
// pairwise sum also sums blocks of 128 directly); so are the short rows of
// KernelBuilder::emit_short_rows' blocks.
inline constexpr std::int64_t kSumBlock = 128;

struct ReductionSplit {
  std::int64_t axis = 0;       // operand axis cut into groups
  std::int64_t groups = 0;     // P >= 1
  std::int64_t per_lane = 0;   // M >= 1
  std::int64_t lane_rest = 0;  // L: rest rows folded by the lanes kernel (0 when P == 1)
  std::int64_t rest = 0;       // elements folded by the last kernel, < kSplitLanes
};

// How `e` (a reduce_* or argmax/argmin equation) is split, or nullopt when it is not a
// full reduction or its innermost non-unit reduced axis is shorter than kSplitLanes.
std::optional<ReductionSplit> plan_reduction_split(const Graph& g, const Equation& e);
// The split of an axis of `extent` >= kSplitLanes elements (plan_reduction_split's).
ReductionSplit split_extent(std::int64_t extent);

}  // namespace lanes::internal::lower
