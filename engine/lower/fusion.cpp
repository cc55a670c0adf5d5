// Fusion planning (see fusion.h for the rule).
#include "engine/lower/fusion.h"

#include <algorithm>
#include <set>

#include "engine/lower/inline_control_flow.h"
#include "engine/lower/split_reduction.h"
#include "engine/primitive.h"

namespace lanes::internal::lower {

LoweringKind classify(const Equation& e) {
  const Primitive& p = *e.prim;
  if (e.outputs.size() != 1) return LoweringKind::Host;
  switch (p.lowering) {
    case LoweringKind::Elementwise:
      return p.scalar_op == ScalarOp::None ? LoweringKind::Host : LoweringKind::Elementwise;
    case LoweringKind::IndexMap:
      return p.index_map ? LoweringKind::IndexMap : LoweringKind::Host;
    case LoweringKind::Reduction:
      return p.reduction.combine == ScalarOp::None ? LoweringKind::Host : LoweringKind::Reduction;
    case LoweringKind::Iota:
    case LoweringKind::Reshape:
    case LoweringKind::Concatenate:
    case LoweringKind::Contraction:
    case LoweringKind::Constant:
      return p.lowering;
    default:
      return LoweringKind::Host;
  }
}

bool is_unit_reshape(const Shape& from, const Shape& to) {
  Shape a, b;
  for (auto d : from) {
    if (d != 1) a.push_back(d);
  }
  for (auto d : to) {
    if (d != 1) b.push_back(d);
  }
  return a == b;
}

FusionPlan plan_fusion(const Graph& g) {
  const std::size_t nv = g.vars.size();
  FusionPlan plan;
  plan.producer.assign(nv, -1);
  plan.materialized.assign(nv, false);
  plan.eqn_kind.resize(g.eqns.size());
  std::vector<bool>& mat = plan.materialized;
  auto mark = [&](const Atom& a) {
    if (!a.is_literal()) mat[static_cast<std::size_t>(a.var)] = true;
  };

  for (int v : g.inputs) mat[static_cast<std::size_t>(v)] = true;
  for (const Atom& a : g.outputs) mark(a);

  std::vector<bool> used(nv, false);
  for (const Equation& e : g.eqns) {
    for (const Atom& a : e.inputs) {
      if (!a.is_literal()) used[static_cast<std::size_t>(a.var)] = true;
    }
  }
  for (const Atom& a : g.outputs) {
    if (!a.is_literal()) used[static_cast<std::size_t>(a.var)] = true;
  }

  // Forward: forced materializations, rule 2, and per-var loop/cost estimates.
  // loop_depth[v]: the most producers with loops (reductions, dots, inlined control flow)
  // on one inlined path that ends at v; v's expression contains a loop iff it is > 0.
  std::vector<int> loop_depth(nv, 0);
  std::vector<int> cost(nv, 0);
  auto has_loop = [&](std::size_t v) { return loop_depth[v] > 0; };
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    const Equation& e = g.eqns[i];
    LoweringKind kind = classify(e);
    if (kind == LoweringKind::Host && e.prim->lowering == LoweringKind::ControlFlow) {
      std::vector<bool> out_used;
      for (int o : e.outputs) out_used.push_back(used[static_cast<std::size_t>(o)]);
      if (can_inline_control_flow(g, e, out_used)) kind = LoweringKind::ControlFlow;
    }
    plan.eqn_kind[i] = kind;
    // Rule 4: a value used in a later segment of kSegmentEqns equations is materialized.
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) continue;
      const int p = plan.producer[static_cast<std::size_t>(a.var)];
      if (p >= 0 && p / kSegmentEqns != static_cast<int>(i) / kSegmentEqns) mark(a);
    }
    for (int o : e.outputs) plan.producer[static_cast<std::size_t>(o)] = static_cast<int>(i);
    auto loopy = [&](const Atom& a) {
      return !a.is_literal() && !mat[static_cast<std::size_t>(a.var)] &&
             has_loop(static_cast<std::size_t>(a.var));
    };
    std::int64_t out_size = g.aval(e.outputs[0]).size();
    if (kind == LoweringKind::ControlFlow) {
      Shape point = control_flow_point_shape(g, e);
      out_size = 1;
      for (auto d : point) out_size *= d;
    }
    switch (kind) {
      case LoweringKind::Host:
        for (const Atom& a : e.inputs) mark(a);
        for (int o : e.outputs) mat[static_cast<std::size_t>(o)] = true;
        break;
      case LoweringKind::Constant:
      case LoweringKind::Concatenate:
        mat[static_cast<std::size_t>(e.outputs[0])] = true;
        break;
      case LoweringKind::Reshape:
        if (!is_unit_reshape(g.aval(e.inputs[0]).shape, g.aval(e.outputs[0]).shape)) {
          mark(e.inputs[0]);
        }
        break;
      case LoweringKind::IndexMap:
      case LoweringKind::Elementwise:
      case LoweringKind::ControlFlow:
        for (const Atom& a : e.inputs) {
          if (loopy(a) && g.aval(a).size() < out_size) mark(a);
        }
        break;
      case LoweringKind::Contraction:
        for (const Atom& a : e.inputs) {
          if (loopy(a)) mark(a);
        }
        break;
      case LoweringKind::Reduction:
        // A full reduction of many elements is two kernels of its own (split_reduction.h).
        if (plan_reduction_split(g, e)) mat[static_cast<std::size_t>(e.outputs[0])] = true;
        break;
      default:
        break;
    }
    const int own_loop = kind == LoweringKind::Reduction || kind == LoweringKind::Contraction ||
                                 kind == LoweringKind::ControlFlow
                             ? 1
                             : 0;
    int c = 1;
    int depth = own_loop;
    for (const Atom& a : e.inputs) {
      if (a.is_literal() || mat[static_cast<std::size_t>(a.var)]) continue;
      const auto au = static_cast<std::size_t>(a.var);
      c = std::min(c + cost[au], kCheapOps + 1);  // only compared with kCheapOps
      depth = std::max(depth, loop_depth[au] + own_loop);
    }
    for (int o : e.outputs) {
      const auto ou = static_cast<std::size_t>(o);
      // Rule 4: a value at the end of a path through kMaxInlinedLoops loops is a boundary.
      if (depth >= kMaxInlinedLoops) mat[ou] = true;
      cost[ou] = c;
      loop_depth[ou] = depth;
    }
  }

  // Backward: rule 3. roots[v] = the materialized values whose kernels would inline v.
  // Consumers come after producers, so one reverse pass sees every consumer's final
  // roots before deciding on the producer.
  std::vector<std::set<int>> roots(nv);
  for (std::size_t i = g.eqns.size(); i-- > 0;) {
    const Equation& e = g.eqns[i];
    // The outputs of one control-flow equation come from one loop: when its consumers
    // span several kernels, every used output is materialized (the loop runs once).
    bool shared_loop = false;
    if (plan.eqn_kind[i] == LoweringKind::ControlFlow) {
      std::set<int> all;
      for (int o : e.outputs) {
        const std::set<int>& ro = roots[static_cast<std::size_t>(o)];
        all.insert(ro.begin(), ro.end());
      }
      shared_loop = all.size() > 1;
    }
    for (int o : e.outputs) {
      const std::size_t ou = static_cast<std::size_t>(o);
      if (!mat[ou] && roots[ou].size() > 1 && (has_loop(ou) || cost[ou] > kCheapOps)) {
        mat[ou] = true;
      }
      if (shared_loop && used[ou]) mat[ou] = true;
      if (mat[ou]) roots[ou] = {o};
    }
    std::set<int> r;  // a multi-output equation is inlined by the consumers of any output
    for (int o : e.outputs) {
      const std::set<int>& ro = roots[static_cast<std::size_t>(o)];
      r.insert(ro.begin(), ro.end());
    }
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) continue;
      roots[static_cast<std::size_t>(a.var)].insert(r.begin(), r.end());
    }
  }
  return plan;
}

}  // namespace lanes::internal::lower
