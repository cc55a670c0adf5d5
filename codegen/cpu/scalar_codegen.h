// The CPU's math library calls for the transcendental ScalarOps (sin, exp, pow, atan2,
// ...): the MathCallHook that codegen/llvm/scalar_codegen.h's emit_scalar_op gets from
// the CPU backend. Everything else about a ScalarOp is emitted there, for every backend.
#pragma once

#include <lanes/dtype.h>
#include <lanes/jit_options.h>

#include <span>

#include "codegen/scalar_op.h"

namespace llvm {
class IRBuilderBase;
class Value;
}  // namespace llvm

namespace lanes::internal::cpu {

// Whether `op` is implemented by a call into a math library (SLEEF, libmvec, Highway on
// the CPU; ocml on AMDGPU) rather than inline instructions.
bool calls_math_library(ScalarOp op);

// op(args) on f32/f64 scalars or <W x T> vectors by the host's providers, with the guards
// of vector_math_table.h (a llvmgen::MathCallHook).
llvm::Value* emit_host_math(llvm::IRBuilderBase& b, ScalarOp op, DType dtype,
                            std::span<llvm::Value* const> args, Precision precision);

}  // namespace lanes::internal::cpu
