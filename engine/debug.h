// LANES_DEBUG: what the engine prints while it works.
//   LANES_DEBUG=ir     the graph after tracing and after each pass that changed it,
//                      the loop IR and the LLVM IR handed to the JIT, each after the
//                      time line of the phase that made it (as LANES_DEBUG=time)
//   LANES_DEBUG=time   one line per compile phase (each graph pass, lowering, LLVM IR
//                      generation, LLVM's optimisation, machine code) with its time in
//                      ms and its size, and the compile's total, on stderr
// The value is a comma-separated list of topics ("ir,time"); an unknown topic makes the
// first debug_*_enabled() (a trace or a jit compile) throw ArgumentError naming the
// variable. Each switch can be set from code (set_debug_ir, set_debug_time); once set,
// the variable is not read for it.
#pragma once

#include "engine/ir/graph.h"

#include <string>

namespace lanes::internal {

bool debug_ir_enabled();
// What LANES_DEBUG says about "ir", read again on every call (ArgumentError if malformed).
bool debug_ir_from_env();
void set_debug_ir(bool on);
bool debug_time_enabled();
void set_debug_time(bool on);
// Prints "--- <title> ---" and the text to stderr when LANES_DEBUG=ir.
void debug_print(const std::string& title, const std::string& text);
void debug_print_graph(const std::string& title, const Graph& g);

}  // namespace lanes::internal
