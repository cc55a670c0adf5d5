// Emission of one ScalarOp on LLVM values that are either scalars (uniform values, or
// any value at width 1) or <W x T> vectors (varying values). All operands of one call
// have the same shape: the caller splats uniform operands of a varying op.
//
// Registers hold bool as i1, i32/i64 as i32/i64, f32/f64 as float/double.
#pragma once

#include "codegen/scalar_op.h"

#include <lanes/dtype.h>
#include <lanes/jit_options.h>

#include <span>

namespace llvm {
class IRBuilderBase;
class LLVMContext;
class Type;
class Value;
}  // namespace llvm

namespace lanes::internal::cpu {

// The register type of `dtype` at `width` lanes (width <= 1: a scalar).
llvm::Type* register_type(llvm::LLVMContext& ctx, DType dtype, int width);

// Emits a transcendental (an op that calls a math library: sin, exp, pow, atan2, ...) for
// another target than the host: the AMDGPU backend calls ROCm's ocml through it. Gets the
// op, the float dtype of its operands and the operands (scalars).
using MathCallHook = llvm::Value* (*)(llvm::IRBuilderBase& b, ScalarOp op, DType dtype,
                                      std::span<llvm::Value* const> args);

// `args` and `arg_dtypes` are parallel; `out` is the op's result dtype (Convert's target).
// Throws CompileError for an op/dtype pair that has no meaning (e.g. sin on i32).
// `math`, when given, replaces the host's SLEEF calls (and their guards).
llvm::Value* emit_scalar_op(llvm::IRBuilderBase& b, ScalarOp op, DType out,
                            std::span<llvm::Value* const> args,
                            std::span<const DType> arg_dtypes, Precision precision,
                            MathCallHook math = nullptr);

// Whether emit_scalar_op implements `op` by a call into a math library (SLEEF, libmvec,
// Highway; ocml through MathCallHook) rather than inline instructions.
bool calls_math_library(ScalarOp op);

// Converts a register value between dtypes with the semantics of docs/semantics.md.
llvm::Value* emit_convert(llvm::IRBuilderBase& b, llvm::Value* v, DType from, DType to);

}  // namespace lanes::internal::cpu
