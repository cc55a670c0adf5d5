// Which loop of a kernel becomes SIMD lanes: the vector axis (a parallel dimension,
// the default) or the innermost reduction loop.
//
// Under vmap the batch is the vector axis, so a per-element function that reduces over
// a row of its own argument (sum(outer(v, v) * W), a dot product, W @ v) loads that row
// with the row length as the lane stride: a gather per element. The same reduction
// vectorized along its own loop loads whole registers of the row. So a kernel whose
// innermost reassociable loop (loop::Op::reassociable) gathers along the vector axis
// but reads contiguously along its own index (and calls no vector math) runs the
// parallel dimensions one point at a time and the reduction in SIMD, with partial
// accumulators (emit_kernel's reassociate_reductions; LLVM's loop vectorizer picks the
// width and the number of accumulators for the host). A kernel that holds a lane loop
// (loop::Op::lanes: a long float sum along a row) reading contiguously along its lanes
// runs the same way, the lane loop in SIMD along its lanes (KernelEmitter::emit_lanes).
#pragma once

#include "codegen/loop_ir.h"

namespace lanes::internal::cpu {

// A reduction loop shorter than this is not worth its vector prologue and epilogue.
inline constexpr std::int64_t kMinVectorizedReductionTrips = 16;

bool vectorize_inner_reductions(const loop::Kernel& kernel);

}  // namespace lanes::internal::cpu
