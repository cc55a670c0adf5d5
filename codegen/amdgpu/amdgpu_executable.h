// A loop-IR Program compiled for a HIP device: its kernels in one code object, launched
// in step order on one stream; host steps run on the host between them (their operands
// copied back and their results copied up).
#pragma once

#include <memory>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/backend.h"

namespace lanes::internal::amdgpu {

// Compiles `program` for the architecture of HIP device `device` (or `arch` when not
// empty) and loads it there. RuntimeError when HIP or the device is unavailable.
std::shared_ptr<Executable> compile_hip_executable(loop::Program program, int device,
                                                   const JitOptions& options,
                                                   const std::string& arch = "");

}  // namespace lanes::internal::amdgpu
