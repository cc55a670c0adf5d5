// Fusion planning: which values of a graph are materialized in buffers, and how each
// equation is lowered. Every value that is not materialized is recomputed inside the
// kernels that use it (its expression is inlined into their bodies).
//
// The rule, applied in this order:
// Control-flow equations that are pointwise (inline_control_flow.h) are inlined like
// elementwise ops (they count as containing a loop); the others are host equations.
//
//  1. Forced: graph inputs and outputs, `constant` results, operands and results of host
//     equations, the operand of a reshape that is not a pure unit-dimension change (a
//     reshape of a materialized buffer folds into the load's index), concatenate results,
//     full reductions that split_reduction.h computes in two kernels of their own.
//  2. No repeated loops: a value whose expression contains a loop (a reduction, argmax,
//     dot_general) is materialized when a consumer would evaluate it more than once per
//     element: a broadcast_in_dim or an elementwise op with a larger result, or a
//     dot_general (whose operands are re-read for each free index of the other side).
//  3. Shared values: a value used by more than one kernel is materialized unless it is
//     cheap to recompute (no loop and at most kCheapOps fused ops).
#pragma once

#include <vector>

#include "engine/ir/graph.h"

namespace lanes::internal::lower {

enum class EqnKind {
  Elementwise,  // one ScalarOp
  Broadcast,    // broadcast_in_dim
  Transpose,
  Slice,
  Reshape,
  Iota,
  Concatenate,  // result materialized, one kernel per operand
  Reduce,       // reduce_sum / prod / max / min
  ArgReduce,    // argmax / argmin
  Dot,          // dot_general
  Constant,     // a Constant buffer
  ControlFlow,  // cond / while_loop / fori_loop / scan inlined per point (inline_control_flow.h)
  Host,         // the primitive's reference implementation on whole buffers
};

// The kind of `e` on its own (control flow is Host here; plan_fusion upgrades the
// inlinable ones to ControlFlow, which needs the graph).
EqnKind classify(const Equation& e);

// True if a reshape from `from` to `to` only inserts or removes extents of 1.
bool is_unit_reshape(const Shape& from, const Shape& to);

struct FusionPlan {
  std::vector<int> producer;       // var -> index of its equation, -1 for graph inputs
  std::vector<EqnKind> eqn_kind;   // per equation
  std::vector<bool> materialized;  // per var
};

inline constexpr int kCheapOps = 8;

FusionPlan plan_fusion(const Graph& g);

}  // namespace lanes::internal::lower
