// Which control-flow equations (cond, while_loop, fori_loop, scan) are inlined into kernel
// bodies instead of running as host steps, and the facts the kernel builder needs.
//
// The rule: an equation is inlined when it is a per-element computation over a point
// shape S, i.e. it is *pointwise*:
//  - every operand and result has shape S or is rank 0 (a rank-0 value is the same for
//    every point: uniform), except scan's xs, which are [length] + S or [length], and
//    scan's ys results, which must be unused (they would need a store per iteration);
//  - every value of every sub-graph is S-shaped or rank 0, and every sub-graph equation
//    is elementwise, a broadcast/reshape between rank 0 and S (or S to S), a rank-0
//    constant, or itself an inlinable control-flow equation (a nested scan has no xs);
//  - while_loop has no max_iterations bound (the interpreter raises past it; a kernel
//    cannot) and its condition is either rank-0 computed from rank-0 values (a uniform
//    loop) or the per-lane form vmap produces: `reduce_max(p)` over all axes of a
//    pointwise bool[S] predicate p, with a body whose every carry output is either the
//    carry itself or `select(q, x, carry)` where q is structurally the same expression
//    as p. Then "while any point is active, update the active points" equals "each point
//    loops while its own p holds", which is what the kernel runs.
// Anything else (reductions or gathers across points in a sub-graph, per-element
// vectors, used ys) stays a host step.
#pragma once

#include <vector>

#include "engine/ir/graph.h"

namespace lanes::internal::lower {

// The point shape S of a control-flow equation (the shape of its non-rank-0 operands and
// carries; empty if all are rank 0).
Shape control_flow_point_shape(const Graph& g, const Equation& e);

// True if `e`, a control-flow equation of `g`, can be inlined into a kernel body.
// `used[k]` says whether output k is used (only scan's ys consult it); empty: all are.
bool can_inline_control_flow(const Graph& g, const Equation& e, const std::vector<bool>& used = {});

// For an inlinable while_loop in the per-lane form: the cond graph's var p (bool[S]) and,
// per carry, the body graph atom that gives its new value while the point is active (the
// `x` of `select(q, x, carry)`, or the carry input itself). `per_lane` is false for a
// uniform condition.
struct WhileForm {
  bool per_lane = false;
  int predicate_var = -1;
  std::vector<Atom> active_update;
};
WhileForm while_form(const Equation& e);

}  // namespace lanes::internal::lower
