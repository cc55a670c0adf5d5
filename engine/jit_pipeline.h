// The jit pipeline: graph clean-up passes, lowering to the loop IR, and code generation.
// The pass order is the one readable list in jit_pipeline.cpp.
#pragma once

#include "codegen/backend.h"
#include "engine/ir/graph.h"

#include <lanes/jit_options.h>

#include <memory>

namespace lanes::internal {

class CompileMonitor;

// Runs the clean-up passes in order, each a phase of `monitor` (when null, one of its own
// that only prints times); with LANES_DEBUG=ir prints the graph after each pass that
// changed it, each after the monitor's line with the pass time.
Graph optimize_graph(const Graph& g, CompileMonitor* monitor = nullptr);

// optimize_graph, lower to loops, compile for the host CPU; reports progress to
// options.on_progress and phase times with LANES_DEBUG=time or ir (codegen/compile_monitor.h).
std::shared_ptr<Executable> compile_graph(const Graph& g, const JitOptions& options);

}  // namespace lanes::internal
