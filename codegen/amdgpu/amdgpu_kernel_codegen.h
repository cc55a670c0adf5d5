// Emits one loop-IR Kernel as an AMDGPU kernel function (see amdgpu_codegen.h for the
// ABI): one work-item per point of the parallel index space, the body as on the CPU at
// width 1, with ROCm's ocml for transcendentals.
#pragma once

#include <lanes/jit_options.h>

#include <string>
#include <vector>

#include "codegen/loop_ir.h"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace lanes::internal::amdgpu {

// `arg_buffers` receives the buffer ids of the kernel's arguments, in order.
llvm::Function* emit_kernel(llvm::Module& module, const loop::Kernel& kernel,
                            const std::vector<loop::Buffer>& buffers, Precision precision,
                            const std::string& name, std::vector<int>* arg_buffers);

}  // namespace lanes::internal::amdgpu
