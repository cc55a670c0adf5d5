// The inlining rule for control flow (see inline_control_flow.h): shape checks over the
// sub-graphs, and the structural match of vmap's per-lane while_loop form.
#include "engine/lower/inline_control_flow.h"

#include <map>
#include <string>
#include <utility>

#include "engine/lower/fusion.h"
#include "engine/primitive.h"
#include "runtime/check.h"
#include "runtime/nesting_guard.h"

namespace lanes::internal::lower {

namespace {

bool fits(const Shape& s, const Shape& point) { return s.empty() || s == point; }

std::vector<bool> used_vars(const Graph& g) {
  std::vector<bool> used(g.vars.size(), false);
  for (const Equation& e : g.eqns) {
    for (const Atom& a : e.inputs) {
      if (!a.is_literal()) used[static_cast<std::size_t>(a.var)] = true;
    }
  }
  for (const Atom& a : g.outputs) {
    if (!a.is_literal()) used[static_cast<std::size_t>(a.var)] = true;
  }
  return used;
}

bool inlinable(const Graph& g, const Equation& e, const Shape& point,
               const std::vector<bool>& used);

bool pointwise_eqn(const Graph& g, const Equation& e, const Shape& point,
                   const std::vector<bool>& used_in_g) {
  for (const Atom& a : e.inputs) {
    if (!fits(g.aval(a).shape, point)) return false;
  }
  if (e.prim->lowering == LoweringKind::ControlFlow) {
    std::vector<bool> used;
    for (int o : e.outputs) used.push_back(used_in_g[static_cast<std::size_t>(o)]);
    return inlinable(g, e, point, used);
  }
  for (int o : e.outputs) {
    if (!fits(g.aval(o).shape, point)) return false;
  }
  switch (classify(e)) {
    case LoweringKind::Elementwise:
    case LoweringKind::Reshape:
      return true;
    case LoweringKind::IndexMap:  // a broadcast of a rank-0 value, or the identity
      return g.aval(e.inputs[0]).rank() == 0 ||
             is_identity_index_map(*e.prim, g.aval(e.inputs[0]), g.aval(e.outputs[0]), e.params);
    case LoweringKind::Constant:
      return g.aval(e.outputs[0]).shape.empty();
    default:
      return false;
  }
}

// Answers of pointwise_graph during one can_inline_control_flow call: a sub-graph shared
// by several equations (grad's branches reuse the primal's nested graphs) is examined once.
using PointwiseMemo = std::map<std::pair<const Graph*, Shape>, bool>;
thread_local PointwiseMemo* t_pointwise_memo = nullptr;

class PointwiseMemoScope {
 public:
  PointwiseMemoScope() : outer_(t_pointwise_memo) {
    if (!outer_) t_pointwise_memo = &memo_;
  }
  ~PointwiseMemoScope() {
    if (!outer_) t_pointwise_memo = nullptr;
  }
  PointwiseMemoScope(const PointwiseMemoScope&) = delete;
  PointwiseMemoScope& operator=(const PointwiseMemoScope&) = delete;

 private:
  PointwiseMemo* outer_;
  PointwiseMemo memo_;
};

bool pointwise_graph_uncached(const Graph& g, const Shape& point, int skip_var);

// Every value of `g` is point-shaped or rank 0 and every equation can be emitted per
// point; the equation producing `skip_var` (the per-lane while condition's reduction) is
// left to the caller.
bool pointwise_graph(const Graph& g, const Shape& point, int skip_var = -1) {
  if (skip_var >= 0 || !t_pointwise_memo) return pointwise_graph_uncached(g, point, skip_var);
  const auto key = std::make_pair(&g, point);
  auto it = t_pointwise_memo->find(key);
  if (it != t_pointwise_memo->end()) return it->second;
  const bool r = pointwise_graph_uncached(g, point, skip_var);
  t_pointwise_memo->emplace(key, r);
  return r;
}

bool pointwise_graph_uncached(const Graph& g, const Shape& point, int skip_var) {
  NestingGuard guard("jit (inlining control flow)");  // recurses into nested control flow
  for (int v : g.inputs) {
    if (!fits(g.aval(v).shape, point)) return false;
  }
  std::vector<bool> used = used_vars(g);
  for (const Equation& e : g.eqns) {
    if (skip_var >= 0 && e.outputs.size() == 1 && e.outputs[0] == skip_var) continue;
    if (!pointwise_eqn(g, e, point, used)) return false;
  }
  return true;
}

std::size_t count(const Equation& e, const char* name) {
  std::int64_t n = e.params.get_int(name);
  if (n < 0) LANES_FAIL("lower: negative " + std::string(name));
  return static_cast<std::size_t>(n);
}

int producer_of(const Graph& g, int var, std::size_t* out_index = nullptr) {
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    const auto& outs = g.eqns[i].outputs;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      if (outs[k] == var) {
        if (out_index) *out_index = k;
        return static_cast<int>(i);
      }
    }
  }
  return -1;
}

// Structural identity of expressions across the cond and body graphs of one while_loop:
// each distinct expression gets one small id. Inputs are named by their role (carry k,
// or the outer operand they receive).
class Interner {
 public:
  struct Node {
    std::string tag;  // inputs and literals
    const Primitive* prim = nullptr;
    const Params* params = nullptr;
    std::vector<int> ins;
    std::size_t out = 0;
  };

  int intern_tag(const std::string& tag) {
    Node n;
    n.tag = tag;
    return intern(n);
  }

  int intern(const Node& n) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& m = nodes_[i];
      if (m.tag == n.tag && m.prim == n.prim && m.ins == n.ins && m.out == n.out &&
          (m.params == n.params || (m.params && n.params && *m.params == *n.params))) {
        return static_cast<int>(i);
      }
    }
    nodes_.push_back(n);
    return static_cast<int>(nodes_.size()) - 1;
  }

 private:
  std::vector<Node> nodes_;
};

std::string atom_tag(const Atom& a) {
  if (!a.is_literal()) return "v" + std::to_string(a.var);
  return "l" + std::string(dtype_name(a.literal.dtype())) + a.literal.value.to_string();
}

class Keys {
 public:
  // input_tags[i]: the name of g's input i.
  Keys(const Graph& g, std::vector<std::string> input_tags, Interner& in)
      : g_(g), tags_(std::move(input_tags)), in_(in), memo_(g.vars.size(), -1) {}

  int of(const Atom& a) {
    if (a.is_literal()) return in_.intern_tag(atom_tag(a));
    const std::size_t v = static_cast<std::size_t>(a.var);
    if (memo_[v] >= 0) return memo_[v];
    int key;
    std::size_t out = 0;
    int p = producer_of(g_, a.var, &out);
    if (p < 0) {
      std::size_t i = 0;
      while (i < g_.inputs.size() && g_.inputs[i] != a.var) ++i;
      if (i == g_.inputs.size()) LANES_FAIL("lower: var without producer or input");
      key = in_.intern_tag(tags_.at(i));
    } else {
      const Equation& e = g_.eqns[static_cast<std::size_t>(p)];
      Interner::Node n;
      n.prim = e.prim;
      n.params = &e.params;
      n.out = out;
      for (const Atom& x : e.inputs) n.ins.push_back(of(x));
      key = in_.intern(n);
    }
    memo_[v] = key;
    return key;
  }

 private:
  const Graph& g_;
  std::vector<std::string> tags_;
  Interner& in_;
  std::vector<int> memo_;
};

// The per-lane form (see the header); `ok` is false if the condition has neither form.
WhileForm analyze_while(const Equation& e, const Shape& point, bool* ok) {
  *ok = false;
  WhileForm f;
  const std::size_t cn = count(e, "cond_nconsts"), bn = count(e, "body_nconsts");
  const Graph& cg = *e.params.get_graph("cond_graph");
  const Graph& bg = *e.params.get_graph("body_graph");
  const std::size_t nc = e.inputs.size() - cn - bn;
  if (pointwise_graph(cg, point)) {
    *ok = true;  // rank 0 from rank-0 values only: uniform
    return f;
  }
  const Atom& out = cg.outputs.at(0);
  if (out.is_literal() || point.empty()) return f;
  std::size_t k0 = 0;
  const int pi = producer_of(cg, out.var, &k0);
  if (pi < 0) return f;
  const Equation& red = cg.eqns[static_cast<std::size_t>(pi)];
  // An "any" of the per-lane predicate: reduce_max of bools.
  const ReductionLowering& any = red.prim->reduction;
  if (red.prim->lowering != LoweringKind::Reduction || any.combine != ScalarOp::Max || any.arg ||
      red.inputs[0].is_literal()) {
    return f;
  }
  const AbstractValue pa = cg.aval(red.inputs[0]);
  if (pa.dtype != DType::Bool || pa.shape != point) return f;
  std::vector<std::int64_t> axes = red.params.get_ints("axes");
  std::vector<bool> seen(point.size(), false);
  for (auto ax : axes) {
    if (ax < 0) ax += static_cast<std::int64_t>(point.size());
    if (ax < 0 || ax >= static_cast<std::int64_t>(point.size())) return f;
    seen[static_cast<std::size_t>(ax)] = true;
  }
  for (bool s : seen) {
    if (!s) return f;
  }
  for (const Equation& x : cg.eqns) {
    for (const Atom& a : x.inputs) {
      if (a.var == out.var) return f;  // the "any" must feed nothing but the result
    }
  }
  if (!pointwise_graph(cg, point, out.var)) return f;

  Interner interner;
  std::vector<std::string> ctags, btags;
  for (std::size_t i = 0; i < nc; ++i) ctags.push_back("c" + std::to_string(i));
  btags = ctags;
  for (std::size_t i = 0; i < cn; ++i) ctags.push_back(atom_tag(e.inputs[i]));
  for (std::size_t i = 0; i < bn; ++i) btags.push_back(atom_tag(e.inputs[cn + i]));
  Keys ckeys(cg, ctags, interner), bkeys(bg, btags, interner);
  const int pkey = ckeys.of(red.inputs[0]);
  for (std::size_t k = 0; k < nc; ++k) {
    const Atom& y = bg.outputs.at(k);
    const int carry = bg.inputs[k];
    if (!y.is_literal() && y.var == carry) {
      f.active_update.push_back(y);
      continue;
    }
    if (bg.aval(carry).shape != point || y.is_literal()) return f;
    const int sp = producer_of(bg, y.var);
    if (sp < 0) return f;
    const Equation& sel = bg.eqns[static_cast<std::size_t>(sp)];
    if (sel.prim->scalar_op != ScalarOp::Select || sel.inputs[2].is_literal() ||
        sel.inputs[2].var != carry || bg.aval(sel.inputs[1]).shape != point ||
        bkeys.of(sel.inputs[0]) != pkey) {
      return f;
    }
    f.active_update.push_back(sel.inputs[1]);
  }
  f.per_lane = true;
  f.predicate_var = red.inputs[0].var;
  *ok = true;
  return f;
}

bool inlinable(const Graph& g, const Equation& e, const Shape& point,
               const std::vector<bool>& used) {
  const ControlFlowKind kind = e.prim->control_flow;
  auto fits_atom = [&](const Atom& a) { return fits(g.aval(a).shape, point); };
  auto out_fits = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k) {
      if (!fits(g.aval(e.outputs[k]).shape, point)) return false;
    }
    return true;
  };
  if (kind == ControlFlowKind::Scan) {
    const std::size_t nc = count(e, "num_consts"), ncarry = count(e, "num_carry");
    const std::int64_t length = e.params.get_int("length");
    for (std::size_t i = 0; i < nc + ncarry; ++i) {
      if (!fits_atom(e.inputs[i])) return false;
    }
    for (std::size_t i = nc + ncarry; i < e.inputs.size(); ++i) {
      Shape s = g.aval(e.inputs[i]).shape;
      if (s.empty() || s[0] != length) return false;
      s.erase(s.begin());
      if (!fits(s, point)) return false;
    }
    for (std::size_t k = ncarry; k < e.outputs.size(); ++k) {
      if (used.empty() || used[k]) return false;  // ys would need a store per iteration
    }
    return out_fits(0, ncarry) && pointwise_graph(*e.params.get_graph("body_graph"), point);
  }
  for (const Atom& a : e.inputs) {
    if (!fits_atom(a)) return false;
  }
  if (!out_fits(0, e.outputs.size())) return false;
  if (kind == ControlFlowKind::Cond) {
    for (const GraphRef& b : e.params.get<std::vector<GraphRef>>("branches")) {
      if (!pointwise_graph(*b, point)) return false;
    }
    return true;
  }
  if (kind == ControlFlowKind::ForiLoop)
    return pointwise_graph(*e.params.get_graph("body_graph"), point);
  if (kind == ControlFlowKind::WhileLoop) {
    if (e.params.get_int("max_iterations") >= 0) return false;
    if (!pointwise_graph(*e.params.get_graph("body_graph"), point)) return false;
    bool ok = false;
    analyze_while(e, point, &ok);
    return ok;
  }
  return false;
}

}  // namespace

Shape control_flow_point_shape(const Graph& g, const Equation& e) {
  const bool scan = e.prim->control_flow == ControlFlowKind::Scan;
  std::size_t first_x = e.inputs.size(), ncarry = e.outputs.size();
  if (scan) {
    ncarry = count(e, "num_carry");
    first_x = count(e, "num_consts") + ncarry;
  }
  for (std::size_t i = 0; i < e.inputs.size(); ++i) {
    Shape s = g.aval(e.inputs[i]).shape;
    if (i >= first_x && !s.empty()) s.erase(s.begin());
    if (!s.empty()) return s;
  }
  for (std::size_t k = 0; k < ncarry; ++k) {
    const Shape& s = g.aval(e.outputs[k]).shape;
    if (!s.empty()) return s;
  }
  return {};
}

bool can_inline_control_flow(const Graph& g, const Equation& e, const std::vector<bool>& used) {
  if (e.prim->lowering != LoweringKind::ControlFlow) return false;
  PointwiseMemoScope memo;  // the sub-graphs stay alive (held by e) while it is in use
  return inlinable(g, e, control_flow_point_shape(g, e), used);
}

WhileForm while_form(const Equation& e) {
  const Graph& bg = *e.params.get_graph("body_graph");
  Shape point;
  for (int v : bg.inputs) {
    if (!bg.aval(v).shape.empty()) {
      point = bg.aval(v).shape;
      break;
    }
  }
  const Graph& cg = *e.params.get_graph("cond_graph");
  for (int v : cg.inputs) {
    if (point.empty() && !cg.aval(v).shape.empty()) point = cg.aval(v).shape;
  }
  bool ok = false;
  WhileForm f = analyze_while(e, point, &ok);
  if (!ok) LANES_FAIL("lower: while_loop is not inlinable");
  return f;
}

}  // namespace lanes::internal::lower
