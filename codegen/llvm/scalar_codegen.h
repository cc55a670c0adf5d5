// Emission of one ScalarOp as LLVM IR, for every LLVM backend (codegen/cpu, codegen/amdgpu),
// on LLVM values that are either scalars (uniform values, or any value at width 1) or
// <W x T> vectors (varying values). All operands of one call have the same shape: the
// caller splats uniform operands of a varying op.
//
// Registers hold bool as i1, i32/i64 as i32/i64, f32/f64 as float/double. Operations
// with inline instructions are emitted here; transcendentals (sin, exp, pow, atan2, ...)
// go through the backend's MathCallHook (the CPU: SLEEF and the other vector-math
// providers, codegen/cpu/scalar_codegen.h; AMDGPU: ROCm's ocml).
#pragma once

#include <lanes/dtype.h>
#include <lanes/jit_options.h>

#include <span>

#include "codegen/scalar_op.h"

namespace llvm {
class IRBuilderBase;
class LLVMContext;
class Type;
class Value;
}  // namespace llvm

namespace lanes::internal::llvmgen {

// The register type of `dtype` at `width` lanes (width <= 1: a scalar).
llvm::Type* register_type(llvm::LLVMContext& ctx, DType dtype, int width);

// A constant of `v`'s shape (scalar or splat) and element type.
llvm::Value* constant_like(llvm::Value* v, double x);

// Emits a transcendental (an op that calls a math library) on operands of the float
// dtype `dtype`, scalars or vectors, with the backend's provider of math functions.
using MathCallHook = llvm::Value* (*)(llvm::IRBuilderBase& b, ScalarOp op, DType dtype,
                                      std::span<llvm::Value* const> args, Precision precision);

// `args` and `arg_dtypes` are parallel; `out` is the op's result dtype (Convert's target).
// Throws CompileError for an op/dtype pair that has no meaning (e.g. sin on i32).
llvm::Value* emit_scalar_op(llvm::IRBuilderBase& b, ScalarOp op, DType out,
                            std::span<llvm::Value* const> args, std::span<const DType> arg_dtypes,
                            Precision precision, MathCallHook math);

// Converts a register value between dtypes with the semantics of docs/semantics.md.
llvm::Value* emit_convert(llvm::IRBuilderBase& b, llvm::Value* v, DType from, DType to);

}  // namespace lanes::internal::llvmgen
