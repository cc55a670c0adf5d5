// JAX-style dtype promotion and numpy broadcasting for the DSL's n-ary operations.
//
// Promotion (docs/dtypes.md): bool < i32 < i64 < f32 < f64, joined pairwise.
//   - strong with strong: the wider of the two (i64 + f32 -> f32, as in JAX);
//   - weak (a C++ scalar literal) with strong: the strong dtype, unless the weak one is of
//     a higher category (float over int/bool, int over bool), which gives the weak
//     category's default (f64 or i64), still weak;
//   - weak with weak: the join, weak.
// Broadcasting: shapes align at the right; extents must match or be 1.
#pragma once

#include "engine/ir/abstract_value.h"

#include <lanes/value.h>

#include <span>
#include <vector>

namespace lanes::internal {

// The promoted dtype and weakness of the operands.
AbstractValue promote_types(std::span<const AbstractValue> operands);
// The broadcast shape of the operands; ShapeError naming `op` if incompatible.
Shape broadcast_shapes(const char* op, std::span<const Shape> shapes);

// Converts every operand to `dtype` (re-typing literals, binding `convert` otherwise).
Value cast_to(const Value& v, DType dtype, bool weak = false);
// Broadcasts a Value to `shape` (numpy rules); rank-0 values are left as they are when
// `keep_scalars`, since elementwise primitives accept rank-0 operands directly.
Value broadcast_value(const Value& v, const Shape& shape, bool keep_scalars);

// Promotes dtypes and broadcasts shapes of the operands of an elementwise operation.
// `skip_promotion[i]` excludes operand i from promotion (select's predicate).
std::vector<Value> prepare_elementwise(const char* op, std::vector<Value> operands,
                                       std::span<const bool> skip_promotion = {});

}  // namespace lanes::internal
