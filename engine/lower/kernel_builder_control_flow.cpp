// KernelBuilder: pointwise control flow inlined into kernel bodies (the rule is in
// inline_control_flow.h). Sub-graphs are evaluated per point: every value of a pointwise
// sub-graph is the value at the current point (or a uniform rank-0 value), so each var
// is one op id.
//   fori_loop  literal bounds -> Loop (index = lo + loop var); traced bounds -> While
//              over (i, carries...) with condition i < hi
//   while_loop -> While; a per-lane condition (vmap's `any(p)` form) becomes p itself and
//              each carry takes its active update (the select is implied per point)
//   cond       -> If (a bool predicate; an integer index is a chain of Ifs, clamped)
//   scan       -> Loop whose body loads x slices at the (possibly reversed) step
#include <algorithm>

#include "engine/lower/inline_control_flow.h"
#include "engine/lower/kernel_builder.h"
#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal::lower {

using loop::AffineIndex;
using loop::Op;
using loop::OpKind;

namespace {

std::string key_of(const Coords& c) {
  std::string k;
  for (const AffineIndex& a : c) {
    for (const auto& [v, s] : a.terms) k += std::to_string(s) + "i" + std::to_string(v) + "+";
    k += std::to_string(a.offset) + ",";
  }
  return k;
}

std::size_t count(const Equation& e, const char* name) {
  return static_cast<std::size_t>(e.params.get_int(name));
}

std::int64_t literal_int(const Atom& a) { return a.literal.value.as_int64(); }

}  // namespace

KernelBuilder::Scope* KernelBuilder::child_scope(Scope* s) {
  scopes_.push_back(std::make_unique<Scope>());
  Scope* c = scopes_.back().get();
  c->parent = s;
  c->depth = s->depth + 1;
  return c;
}

std::vector<int> KernelBuilder::op_results(Scope* s, int op_id, const std::vector<DType>& dtypes) {
  std::vector<int> results;
  for (std::size_t k = 0; k < dtypes.size(); ++k) {
    Op r;
    r.kind = OpKind::LoopResult;
    r.dtype = dtypes[k];
    r.args = {op_id};
    r.result_index = static_cast<int>(k);
    results.push_back(append(s, std::move(r)));
  }
  return results;
}

std::vector<int> KernelBuilder::emit_while_op(Scope* s, const std::vector<DType>& dtypes,
                                              const std::vector<int>& init, const BlockFn& cond,
                                              const BlockFn& body) {
  Op w;
  w.kind = OpKind::While;
  w.dtype = dtypes.empty() ? DType::Bool : dtypes[0];
  w.args = init;
  for (const BlockFn* fn : {&cond, &body}) {
    Scope* c = child_scope(s);
    for (DType t : dtypes) {
      c->block.params.push_back(next_id_++);
      c->block.param_dtypes.push_back(t);
    }
    c->block.yields = (*fn)(c, c->block.params);
    w.blocks.push_back(std::move(c->block));
  }
  const int id = append(s, std::move(w));
  return op_results(s, id, dtypes);
}

std::vector<int> KernelBuilder::emit_if_op(Scope* s, int pred, const std::vector<DType>& dtypes,
                                           const BlockFn& then_fn, const BlockFn& else_fn) {
  Op op;
  op.kind = OpKind::If;
  op.dtype = dtypes.empty() ? DType::Bool : dtypes[0];
  op.args = {pred};
  for (const BlockFn* fn : {&then_fn, &else_fn}) {
    Scope* c = child_scope(s);
    c->block.yields = (*fn)(c, {});
    op.blocks.push_back(std::move(c->block));
  }
  const int id = append(s, std::move(op));
  return op_results(s, id, dtypes);
}

int KernelBuilder::expand_control_flow(int var, const Equation& e, const Coords& coords, Scope* s) {
  const Shape point = control_flow_point_shape(g_, e);
  const bool full = coords.size() == point.size();
  const int eq = plan_.producer[static_cast<std::size_t>(var)];
  const std::string key = "cf" + std::to_string(eq) + ":" + key_of(coords);
  const std::vector<int>* results = nullptr;
  for (Scope* p = s; p && !results; p = p->parent) {
    auto it = p->multi.find(key);
    if (it != p->multi.end()) results = &it->second;
  }
  if (!results) {
    std::size_t first_x = e.inputs.size();
    if (e.prim->control_flow == ControlFlowKind::Scan)
      first_x = count(e, "num_consts") + count(e, "num_carry");
    std::vector<int> ops;
    for (std::size_t i = 0; i < first_x; ++i) {
      const Atom& a = e.inputs[i];
      const bool rank0 = g_.aval(a).shape.empty();
      ops.push_back(rank0 ? emit(a, {}) : full ? emit(a, coords) : -1);
    }
    XsFn xs = [&](std::size_t k, const AffineIndex& t) -> int {
      const Atom& a = e.inputs[first_x + k];
      if (g_.aval(a).rank() == 1) return emit(a, {t});
      if (!full) return -1;
      Coords c(1, t);
      for (const AffineIndex& x : coords) c.push_back(x);
      return emit(a, c);
    };
    std::vector<int> r = emit_control_flow(g_, e, ops, s, xs);
    results = &(s->multi[key] = std::move(r));
  }
  auto it = std::find(e.outputs.begin(), e.outputs.end(), var);
  const int id = results->at(static_cast<std::size_t>(it - e.outputs.begin()));
  if (id < 0) {
    LANES_FAIL("lower: " + e.prim->name + " result %" + std::to_string(var) +
               " is not available at this point");
  }
  return id;
}

std::vector<int> KernelBuilder::emit_control_flow(const Graph& owner, const Equation& e,
                                                  const std::vector<int>& operands, Scope* s,
                                                  const XsFn& xs) {
  switch (e.prim->control_flow) {
    case ControlFlowKind::Cond:
      return emit_cond(owner, e, operands, s);
    case ControlFlowKind::WhileLoop:
      return emit_while(e, operands, s);
    case ControlFlowKind::ForiLoop:
      return emit_fori(e, operands, s);
    case ControlFlowKind::Scan:
      return emit_scan(e, operands, s, xs);
    case ControlFlowKind::None:
      break;
  }
  LANES_FAIL("lower: " + e.prim->name + " is not control flow");
}

std::vector<int> KernelBuilder::emit_graph(const Graph& g, const std::vector<int>& inputs, Scope* s,
                                           const std::vector<Atom>& roots) {
  constexpr int kPending = -2;
  std::vector<int> env(g.vars.size(), kPending);
  for (std::size_t i = 0; i < g.inputs.size(); ++i) {
    env[static_cast<std::size_t>(g.inputs[i])] = inputs.at(i);
  }
  // The equations the roots need, found backwards; then emitted in program order, so a
  // sub-graph of 10^5 chained equations needs no stack depth.
  std::vector<int> producer(g.vars.size(), -1);
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    for (int o : g.eqns[i].outputs) producer[static_cast<std::size_t>(o)] = static_cast<int>(i);
  }
  std::vector<char> needed(g.eqns.size(), 0);
  std::vector<int> stack;
  auto need = [&](const Atom& a) {
    if (a.is_literal() || env[static_cast<std::size_t>(a.var)] != kPending) return;
    const int p = producer[static_cast<std::size_t>(a.var)];
    if (p < 0) LANES_FAIL("lower: sub-graph var %" + std::to_string(a.var) + " undefined");
    if (needed[static_cast<std::size_t>(p)] == 0) {
      needed[static_cast<std::size_t>(p)] = 1;
      stack.push_back(p);
    }
  };
  for (const Atom& a : roots) need(a);
  while (!stack.empty()) {
    const int p = stack.back();
    stack.pop_back();
    for (const Atom& x : g.eqns[static_cast<std::size_t>(p)].inputs) need(x);
  }
  auto get = [&](const Atom& a) {
    return a.is_literal() ? constant(a.literal.value) : env[static_cast<std::size_t>(a.var)];
  };
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    if (needed[i] == 0) continue;
    const Equation& q = g.eqns[i];
    std::vector<int> args;
    bool missing = false;
    for (const Atom& x : q.inputs) {
      args.push_back(get(x));
      missing = missing || args.back() < 0;
    }
    if (q.prim->lowering == LoweringKind::ControlFlow) {
      std::vector<int> r = emit_control_flow(g, q, args, s, nullptr);
      for (std::size_t k = 0; k < q.outputs.size(); ++k) {
        env[static_cast<std::size_t>(q.outputs[k])] = r[k];
      }
      continue;
    }
    const AbstractValue& out = g.aval(q.outputs[0]);
    int id = -1;
    switch (classify(q)) {
      case LoweringKind::Elementwise:
        if (!missing) id = scalar(s, q.prim->scalar_op, out.dtype, args);
        break;
      case LoweringKind::IndexMap:  // the identity on the point (inline_control_flow.h)
      case LoweringKind::Reshape:
        id = args.at(0);  // rank 0 or the point shape on both sides: the same point value
        break;
      case LoweringKind::Constant:
        id = constant(q.params.get<Array>("value").element(0).convert(out.dtype));
        break;
      default:
        LANES_FAIL("lower: " + q.prim->name + " in an inlined sub-graph");
    }
    env[static_cast<std::size_t>(q.outputs[0])] = id;
  }
  std::vector<int> r;
  for (const Atom& a : roots) r.push_back(get(a));
  return r;
}

std::vector<int> KernelBuilder::emit_cond(const Graph& owner, const Equation& e,
                                          const std::vector<int>& operands, Scope* s) {
  const auto& branches = e.params.get<std::vector<GraphRef>>("branches");
  std::vector<int> ops(operands.begin() + 1, operands.end());
  const bool all_ops = std::all_of(ops.begin(), ops.end(), [](int x) { return x >= 0; });
  const AvalList outs = branches[0]->output_avals();
  // Outputs computable here: rank-0 ones always (they use rank-0 operands only).
  std::vector<std::size_t> avail;
  std::vector<DType> dtypes;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (all_ops || outs[k].shape.empty()) {
      avail.push_back(k);
      dtypes.push_back(outs[k].dtype);
    }
  }
  auto branch = [&](std::size_t b) -> BlockFn {
    return [&, b](Scope* in, const std::vector<int>&) {
      std::vector<Atom> roots;
      for (std::size_t k : avail) roots.push_back(branches[b]->outputs[k]);
      return emit_graph(*branches[b], ops, in, roots);
    };
  };
  const int index = operands.at(0);
  const DType idt = owner.aval(e.inputs[0]).dtype;
  std::vector<int> got;
  if (idt == DType::Bool) {
    got = emit_if_op(s, index, dtypes, branch(1), branch(0));
  } else {
    // lax.switch: index <= 0 takes branch 0, ..., index >= n-1 the last one.
    std::function<std::vector<int>(Scope*, std::size_t)> chain =
        [&](Scope* in, std::size_t j) -> std::vector<int> {
      if (j + 1 == branches.size()) return branch(j)(in, {});
      const int le =
          scalar(in, ScalarOp::Le, DType::Bool, {index, constant(Scalar::of_int(idt, j))});
      return emit_if_op(in, le, dtypes, branch(j),
                        [&, j](Scope* in2, const std::vector<int>&) { return chain(in2, j + 1); });
    };
    got = chain(s, 0);
  }
  std::vector<int> r(outs.size(), -1);
  for (std::size_t i = 0; i < avail.size(); ++i) r[avail[i]] = got[i];
  return r;
}

std::vector<int> KernelBuilder::emit_while(const Equation& e, const std::vector<int>& operands,
                                           Scope* s) {
  const std::size_t cn = count(e, "cond_nconsts"), bn = count(e, "body_nconsts");
  const Graph& cg = *e.params.get_graph("cond_graph");
  const Graph& bg = *e.params.get_graph("body_graph");
  const std::size_t nc = operands.size() - cn - bn;
  const WhileForm form = while_form(e);
  std::vector<int> r(nc, -1);
  std::vector<std::size_t> avail;
  std::vector<int> init;
  std::vector<DType> dtypes;
  for (std::size_t k = 0; k < nc; ++k) {
    const int x = operands[cn + bn + k];
    if (x < 0) continue;
    avail.push_back(k);
    init.push_back(x);
    dtypes.push_back(bg.aval(bg.inputs[k]).dtype);
  }
  if (form.per_lane && avail.size() < nc) {
    // A rank-0 request of a per-lane loop: only its unchanged (identity) carries exist.
    for (std::size_t k : avail) {
      if (form.active_update[k].is_literal() || form.active_update[k].var != bg.inputs[k]) {
        LANES_FAIL("lower: per-lane while_loop carry requested without its point");
      }
      r[k] = operands[cn + bn + k];
    }
    return r;
  }
  auto carry_inputs = [&](const std::vector<int>& params, std::size_t first, std::size_t n) {
    std::vector<int> in(nc, -1);
    for (std::size_t i = 0; i < avail.size(); ++i) in[avail[i]] = params[i];
    for (std::size_t i = 0; i < n; ++i) in.push_back(operands[first + i]);
    return in;
  };
  std::vector<int> got = emit_while_op(
      s, dtypes, init,
      [&](Scope* in, const std::vector<int>& params) {
        Atom root = form.per_lane ? Atom::of_var(form.predicate_var) : cg.outputs.at(0);
        std::vector<int> c = emit_graph(cg, carry_inputs(params, 0, cn), in, {root});
        if (c[0] < 0) LANES_FAIL("lower: while_loop condition is not available");
        return c;
      },
      [&](Scope* in, const std::vector<int>& params) {
        std::vector<Atom> roots;
        for (std::size_t k : avail) {
          roots.push_back(form.per_lane ? form.active_update[k] : bg.outputs.at(k));
        }
        std::vector<int> y = emit_graph(bg, carry_inputs(params, cn, bn), in, roots);
        for (int v : y) {
          if (v < 0) LANES_FAIL("lower: while_loop carry update is not available");
        }
        return y;
      });
  for (std::size_t i = 0; i < avail.size(); ++i) r[avail[i]] = got[i];
  return r;
}

std::vector<int> KernelBuilder::emit_fori(const Equation& e, const std::vector<int>& operands,
                                          Scope* s) {
  const std::size_t ncon = count(e, "num_consts");
  const Graph& bg = *e.params.get_graph("body_graph");
  const std::size_t nc = operands.size() - 2 - ncon;
  const DType idt = bg.aval(bg.inputs[0]).dtype;
  std::vector<std::size_t> avail;
  std::vector<int> init;
  std::vector<DType> dtypes;
  for (std::size_t k = 0; k < nc; ++k) {
    if (operands[2 + ncon + k] < 0) continue;
    avail.push_back(k);
    init.push_back(operands[2 + ncon + k]);
    dtypes.push_back(bg.aval(bg.inputs[1 + k]).dtype);
  }
  // Body inputs: (i, carries..., consts...).
  auto body = [&](Scope* in, int i, const std::vector<int>& params) {
    std::vector<int> args(1 + nc, -1);
    args[0] = i;
    for (std::size_t j = 0; j < avail.size(); ++j) args[1 + avail[j]] = params[j];
    for (std::size_t j = 0; j < ncon; ++j) args.push_back(operands[2 + j]);
    std::vector<Atom> roots;
    for (std::size_t k : avail) roots.push_back(bg.outputs.at(k));
    std::vector<int> y = emit_graph(bg, args, in, roots);
    for (int v : y) {
      if (v < 0) LANES_FAIL("lower: fori_loop carry update is not available");
    }
    return y;
  };
  std::vector<int> got;
  if (e.inputs[0].is_literal() && e.inputs[1].is_literal()) {
    const std::int64_t lo = literal_int(e.inputs[0]), hi = literal_int(e.inputs[1]);
    got = emit_loop_nest(s, {std::max<std::int64_t>(0, hi - lo)}, dtypes, init,
                         [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& c) {
                           AffineIndex iv;
                           iv.terms.push_back({vars[0], 1});
                           iv.offset = lo;
                           return body(in, index_value(iv, idt), c);
                         });
  } else {
    // Traced bounds: a While over (i, carries...) with i < hi.
    const int hi = operands[1];
    std::vector<DType> wd(1, idt);
    for (DType t : dtypes) wd.push_back(t);
    std::vector<int> wi(1, operands[0]);
    for (int x : init) wi.push_back(x);
    got = emit_while_op(
        s, wd, wi,
        [&](Scope* in, const std::vector<int>& p) {
          return std::vector<int>{scalar(in, ScalarOp::Lt, DType::Bool, {p[0], hi})};
        },
        [&](Scope* in, const std::vector<int>& p) {
          std::vector<int> y(
              1, scalar(in, ScalarOp::Add, idt, {p[0], constant(Scalar::of_int(idt, 1))}));
          for (int v : body(in, p[0], std::vector<int>(p.begin() + 1, p.end()))) y.push_back(v);
          return y;
        });
    got.erase(got.begin());
  }
  std::vector<int> r(nc, -1);
  for (std::size_t i = 0; i < avail.size(); ++i) r[avail[i]] = got[i];
  return r;
}

std::vector<int> KernelBuilder::emit_scan(const Equation& e, const std::vector<int>& operands,
                                          Scope* s, const XsFn& xs) {
  const std::size_t ncon = count(e, "num_consts"), ncarry = count(e, "num_carry");
  const std::int64_t length = e.params.get_int("length");
  const bool reverse = e.params.get<bool>("reverse");
  const Graph& bg = *e.params.get_graph("body_graph");
  const std::size_t nx = e.inputs.size() - ncon - ncarry;
  if (nx > 0 && !xs) LANES_FAIL("lower: scan with xs inside an inlined sub-graph");
  std::vector<std::size_t> avail;
  std::vector<int> init;
  std::vector<DType> dtypes;
  for (std::size_t k = 0; k < ncarry; ++k) {
    if (operands[ncon + k] < 0) continue;
    avail.push_back(k);
    init.push_back(operands[ncon + k]);
    dtypes.push_back(bg.aval(bg.inputs[k]).dtype);
  }
  std::vector<int> got =
      emit_loop_nest(s, {length}, dtypes, init,
                     [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& c) {
                       AffineIndex t;  // the step's slice: i, or length-1-i when reversed
                       t.terms.push_back({vars[0], reverse ? -1 : 1});
                       t.offset = reverse ? length - 1 : 0;
                       // Body inputs: (carries..., x slices..., consts...).
                       std::vector<int> args(ncarry, -1);
                       for (std::size_t j = 0; j < avail.size(); ++j) args[avail[j]] = c[j];
                       for (std::size_t k = 0; k < nx; ++k) args.push_back(xs(k, t));
                       for (std::size_t j = 0; j < ncon; ++j) args.push_back(operands[j]);
                       std::vector<Atom> roots;
                       for (std::size_t k : avail) roots.push_back(bg.outputs.at(k));
                       std::vector<int> y = emit_graph(bg, args, in, roots);
                       for (int v : y) {
                         if (v < 0) LANES_FAIL("lower: scan carry update is not available");
                       }
                       return y;
                     });
  std::vector<int> r(e.outputs.size(), -1);
  for (std::size_t i = 0; i < avail.size(); ++i) r[avail[i]] = got[i];
  return r;
}

}  // namespace lanes::internal::lower
