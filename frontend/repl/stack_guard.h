// The REPL's guard against running out of stack. The REPL's documented bounds (100
// levels in the parser, 200 in an expression, 64 nested calls) compose: 64 calls of a
// function whose body nests 100 deep need several MiB of stack, more than a thread may
// have (1 MiB is common for worker threads). So the evaluator also checks, at every
// expression, how much of its thread's stack is left, and stops with a RecursionError
// while enough remains for the engine work below it (tracing, compiling); the parser
// checks at every nesting level.
#pragma once

#include <cstddef>

#include "frontend/repl/ast.h"

namespace lanes::repl {

// Stack the evaluator leaves to what it calls; also the least the parser and evaluator
// need to start.
inline constexpr std::size_t kStackReserve = std::size_t{256} << 10;

// Throws a RecursionError at `loc` when less than kStackReserve of the stack is left.
void check_stack(Loc loc);

}  // namespace lanes::repl
