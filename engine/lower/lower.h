// Lowering: a Graph becomes a loop-IR Program of fused kernels.
//
// Fusion: elementwise chains, broadcasts, and reductions fuse into kernels whose bodies
// compute one output element per index point with intermediates in registers; a kernel
// boundary is placed only where an operand must be materialized. Control flow that is a
// per-element computation (inline_control_flow.h states the rule) is inlined into kernel
// bodies as Loop / While / If ops. Primitives without a
// kernel lowering run as host steps (their reference implementation on whole buffers).
#pragma once

#include "codegen/loop_ir.h"
#include "engine/ir/graph.h"

#include <lanes/jit_options.h>

namespace lanes::internal {

class CompileMonitor;

// `monitor`, when given, hears of each equation lowered (CompileMonitor::advance).
loop::Program lower_to_loops(const Graph& g, const JitOptions& options,
                             CompileMonitor* monitor = nullptr);

}  // namespace lanes::internal
