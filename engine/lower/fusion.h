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
//  4. Bounded kernels: the equations are cut into segments of kSegmentEqns in program
//     order, and a value used in a later segment than its own is materialized; so is a
//     value at the end of an inlined path through kMaxInlinedLoops producers with loops.
//     The kernel builder's work per kernel and LLVM's per function then stay bounded
//     however long the program (a chain of 10^5 steps is about 10^5 / kSegmentEqns
//     kernels), for one store and load per element of each value that crosses a cut.
//     A short program is one segment, so this never changes how it fuses.
#pragma once

#include <vector>

#include "engine/ir/graph.h"
#include "engine/primitive.h"

namespace lanes::internal::lower {

// How `e` is lowered on its own: its primitive's LoweringKind, or Host where the kernel
// builder cannot inline it (several outputs, an elementwise primitive without a ScalarOp,
// a primitive without a kernel lowering). Control flow is Host here; plan_fusion
// upgrades the inlinable equations to ControlFlow, which needs the graph.
LoweringKind classify(const Equation& e);

// True if a reshape from `from` to `to` only inserts or removes extents of 1.
bool is_unit_reshape(const Shape& from, const Shape& to);

struct FusionPlan {
  std::vector<int> producer;       // var -> index of its equation, -1 for graph inputs
  std::vector<LoweringKind> eqn_kind;  // per equation
  std::vector<bool> materialized;  // per var
};

inline constexpr int kCheapOps = 8;
inline constexpr int kSegmentEqns = 512;
inline constexpr int kMaxInlinedLoops = 16;

FusionPlan plan_fusion(const Graph& g);

}  // namespace lanes::internal::lower
