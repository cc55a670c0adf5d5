// LANES_DEBUG: what the engine prints while it works.
//   LANES_DEBUG=ir     the graph after tracing and after each pass that changed it,
//                      the loop IR and the LLVM IR handed to the JIT, with pass times
// The value is a comma-separated list of topics (today only "ir"); an unknown topic makes
// the first debug_ir_enabled() (a trace or a jit compile) throw ArgumentError naming the
// variable. The same switch can be set from code with set_debug_ir(true); once set, the
// variable is not read.
#pragma once

#include "engine/ir/graph.h"

#include <string>

namespace lanes::internal {

bool debug_ir_enabled();
// What LANES_DEBUG says about "ir", read again on every call (ArgumentError if malformed).
bool debug_ir_from_env();
void set_debug_ir(bool on);
// Prints "--- <title> ---" and the text to stderr when LANES_DEBUG=ir.
void debug_print(const std::string& title, const std::string& text);
void debug_print_graph(const std::string& title, const Graph& g);

}  // namespace lanes::internal
