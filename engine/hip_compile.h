// A graph compiled for a HIP device (optimize_graph, lower_to_loops, the AMDGPU backend),
// cached per (graph, device, precision) while the graph lives: what pmap over HIP devices
// runs for each GPU replica.
#pragma once

#include <lanes/jit_options.h>

#include <memory>

#include "codegen/amdgpu/amdgpu_executable.h"
#include "engine/ir/graph.h"

namespace lanes::internal {

// RuntimeError (with HIP's reason) when HIP or the device is unavailable, CompileError
// when the AMDGPU toolchain fails.
std::shared_ptr<amdgpu::HipExecutable> hip_executable_for(const GraphRef& g, int device,
                                                          const JitOptions& options);

}  // namespace lanes::internal
