// Emits one loop-IR Kernel as an LLVM function
//   void name(void** buffers, int64_t outer_begin, int64_t outer_end)
// that runs the index points whose outermost coordinate is in [outer_begin, outer_end),
// SPMD on SIMD: the vector axis is mapped to `width` lanes. With 1 < tail_width < width,
// the points left over by whole `width` steps run `tail_width` lanes at a time before the
// one-lane epilogue (a kernel widened to several registers keeps one register for its
// tail).
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

llvm::Function* emit_kernel(llvm::Module& module, const loop::Kernel& kernel,
                            const std::vector<loop::Buffer>& buffers, int width,
                            Precision precision, const std::string& name,
                            int tail_width = 0);

}  // namespace lanes::internal::cpu
