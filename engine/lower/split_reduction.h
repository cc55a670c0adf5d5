// Full reductions (a rank-0 result: sum(x), max(x), argmax(x) of a vector, ...) in two
// kernels, so that they run on SIMD lanes and on the thread pool, with a summation order
// fixed by the shape alone: the same bits for every vector width and thread count.
//
// The innermost reduced axis with more than one element (the contiguous one of a
// row-major operand), of extent N, is cut into C chunks of kSplitLanes * Q elements and a
// rest of R = N - C * kSplitLanes * Q elements:
//   kernel 1, index space [C, kSplitLanes] (the lanes are its vector axis, the chunks its
//     outer axis that the thread pool splits): partial[c][j] folds the elements
//     c * kSplitLanes * Q + kSplitLanes * q + j for q = 0, 1, ..., Q - 1 in that order
//     (and the other reduced axes in full, outermost first), so each SIMD lane keeps its
//     own accumulator and the loads are contiguous vectors;
//   kernel 2, one point: folds identity, partial[0][0], partial[0][1], ...,
//     partial[C-1][15], then the R rest elements in index order (the horizontal reduction
//     and the tail).
// Rounding: a sum is then a sum of C * kSplitLanes partial sums of about Q * (other
// extents) terms each, plus the rest, instead of the interpreter's single left-to-right
// sum; both are within (number of terms) * eps * sum |x| of the exact value (usually far
// less, the split order being closer to pairwise), so jit and the interpreter agree to
// about 2 * n * eps * sum |x|. max/min are exact; argmax/argmin return the first index of
// the extreme value (ties between partials go to the smaller index; NaN wins, the first
// NaN), as the interpreter does. (The AMDGPU backend folds the partials and the rest in
// another fixed order, in one workgroup: docs/amdgpu.md, "Full reductions".)
#pragma once

#include <cstdint>
#include <optional>

#include "engine/ir/graph.h"

namespace lanes::internal::lower {

inline constexpr std::int64_t kSplitLanes = 16;   // every vector width up to 16 divides it
inline constexpr std::int64_t kMaxPerLane = 256;  // Q: a chunk of 4096 f64 stays in L1/L2

struct ReductionSplit {
  std::int64_t axis = 0;      // operand axis cut into chunks
  std::int64_t chunks = 0;    // C >= 1
  std::int64_t per_lane = 0;  // Q >= 1
  std::int64_t rest = 0;      // R
};

// How `e` (a reduce_* or argmax/argmin equation) is split, or nullopt when it is not a
// full reduction or its innermost non-unit reduced axis is shorter than kSplitLanes.
std::optional<ReductionSplit> plan_reduction_split(const Graph& g, const Equation& e);

}  // namespace lanes::internal::lower
