// A reference interpreter of loop-IR Programs: evaluates each kernel point by point in
// plain C++, runs host steps, and returns the program's outputs. It is the oracle the
// compiled backends are tested against (backend(program) == run_program_reference), and
// lowering is tested with it against the graph interpreter.
//
// scalar_eval is the one place where codegen states the scalar semantics of ScalarOps; it
// follows the primitives' reference implementations (docs/semantics.md): integer
// arithmetic wraps, integer division by zero gives -1 and remainder by zero gives the
// dividend, float->int conversion saturates with NaN -> 0, min/max propagate NaN, round
// is half away from zero. f32 operations are computed in float.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codegen/loop_ir.h"

namespace lanes::internal {

// One scalar of a kernel body: floats in `f` (f32 values are exact floats), ints and
// bools in `i`.

// Applies `op` to `args`; `dtype` is the result dtype (the target dtype for Convert; bool
// for comparisons). Throws InternalError on an arity mismatch.
Scalar scalar_eval(ScalarOp op, DType dtype, std::span<const Scalar> args);

// Runs `program` on `inputs` (matching its Input buffers by io_index).
std::vector<Array> run_program_reference(const loop::Program& program,
                                         std::span<const Array> inputs);

}  // namespace lanes::internal
