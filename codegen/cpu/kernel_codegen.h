// Emits one loop-IR Kernel as an LLVM function
//   void name(void** buffers, int64_t outer_begin, int64_t outer_end)
// (buffers[buffers.size()]: the address of the cancel flag, read by kernels with a While)
// that runs the index points whose outermost coordinate is in [outer_begin, outer_end),
// SPMD on SIMD: the vector axis is mapped to `width` lanes. With 1 < tail_width < width,
// the points left over by whole `width` steps run `tail_width` lanes at a time before the
// one-lane epilogue (a kernel widened to several registers keeps one register for its
// tail).
//
// `reassociate_reductions` (with width 1, see codegen/cpu/inner_vectorization.h): the
// combining op of each reassociable Loop (loop::Op::reassociable) carries LLVM's
// `reassoc` flag, so LLVM's loop vectorizer runs that loop in SIMD with partial
// accumulators, and each lane loop (loop::Op::lanes) runs its lanes as SIMD lanes.
#pragma once

#include "codegen/loop_ir.h"

#include <lanes/jit_options.h>

#include <string>
#include <vector>

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace lanes::internal::cpu {

// `disjoint_buffers`: the caller guarantees that no buffer this kernel stores to overlaps
// another buffer it uses (true for fresh Output/Temp allocations). The accesses then get
// one alias scope per buffer, and loads from buffers the kernel never stores to are
// !invariant.load, so LLVM hoists uniform loads out of the loops.
llvm::Function* emit_kernel(llvm::Module& module, const loop::Kernel& kernel,
                            const std::vector<loop::Buffer>& buffers, int width,
                            Precision precision, const std::string& name,
                            bool disjoint_buffers, int tail_width = 0,
                            bool reassociate_reductions = false);

}  // namespace lanes::internal::cpu
