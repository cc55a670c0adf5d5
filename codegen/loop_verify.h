// loop::verify: checks the invariants of the loop IR (codegen/loop_ir.h) that every
// consumer relies on: the lowering's output is verified before any backend or the
// loop-IR interpreter sees it, and the backends verify each kernel they emit.
//
// Checked for a Kernel: rank >= 1, extents >= 0, the vector axis and num_index_vars;
// every op id in [0, num_ops), defined once, and used only where it is in scope (earlier
// in its block or in an enclosing one, or a param of its block); per op kind, the
// operands, blocks and dtypes (ScalarOp arity, operand and result dtypes, bool
// predicates and conditions; Loop/While params and yields match the carries, If arms
// yield the same dtypes; LoopResult reads an existing result with its dtype); index
// variables bound where they are used (the parallel dimensions everywhere, a Loop's own
// inside its body) and Loops binding fresh ones; buffers in range, loads and stores of
// the buffer's dtype, stores into Output or Temp buffers, every access inside its buffer
// over the whole index space; and the PartialsFold marks. For a Program: the buffers,
// every step and the output sources.
//
// A failure throws InternalError naming the kernel, the op (its id and kind) and what is
// wrong: the IR was made wrong by the lowering (or by a test that built it by hand).
#pragma once

#include <span>

#include "codegen/loop_ir.h"

namespace lanes::internal::loop {

void verify(const Kernel& kernel, std::span<const Buffer> buffers);
void verify(const Program& program);

// verify(program), then the program: `return loop::verified(lowering.run());`.
inline Program verified(Program program) {
  verify(program);
  return program;
}

}  // namespace lanes::internal::loop
