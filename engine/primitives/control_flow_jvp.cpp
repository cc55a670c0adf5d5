// JVP rules of the control-flow primitives (cond, while_loop, fori_loop, scan); the
// operand layouts are documented in control_flow.cpp.
//
// Sub-graphs are differentiated with jvp_graph. Only operands with nonzero tangents get
// tangent operands. Loop carries follow a fixed point, as vmap's batching does: a carry
// has a tangent if its init has one, or if the body gives it one from other tangents
// (then its init tangent is materialized as zeros). Tangents ride along as extra carries
// and consts, so the loops stay single equations; the while_loop's predicate depends on
// primals only, so forward mode needs no bound on the trip count.
#include <lanes/ops.h>

#include "engine/primitive.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "engine/transforms/jvp.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {

using Flags = std::vector<bool>;

Flags nonzero_of(std::span<const Tangent> t) {
  Flags f;
  for (const Tangent& x : t) f.push_back(x.has_value());
  return f;
}

Flags cat(std::initializer_list<Flags> parts) {
  Flags r;
  for (const Flags& p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

std::vector<Value> values(std::initializer_list<std::span<const Value>> parts) {
  std::vector<Value> r;
  for (auto p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

// The tangents of the operands with `nonzero` set (zeros materialized where absent).
std::vector<Value> tangent_operands(std::span<const Value> primals, std::span<const Tangent> t,
                                    const Flags& nonzero) {
  std::vector<Value> r;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    if (nonzero[i]) r.push_back(instantiate(t[i], primals[i]));
  }
  return r;
}

std::size_t count(const Flags& f) {
  std::size_t n = 0;
  for (bool b : f) n += b ? 1 : 0;
  return n;
}

// Index ranges [begin, begin + n) concatenated, for reordering a graph's inputs/outputs.
using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;
std::vector<int> pick(const std::vector<int>& from, const Ranges& ranges) {
  std::vector<int> r;
  for (auto [b, n] : ranges) r.insert(r.end(), from.begin() + b, from.begin() + b + n);
  return r;
}
std::vector<Atom> pick(const std::vector<Atom>& from, const Ranges& ranges) {
  std::vector<Atom> r;
  for (auto [b, n] : ranges) r.insert(r.end(), from.begin() + b, from.begin() + b + n);
  return r;
}

// A loop body's JVP graph after the carry fixed point. `segments` are the sizes of the
// body's input groups; `carry_group` says which group holds the carries, whose tangents
// are also the body's first outputs' tangents.
struct LoopJvp {
  JvpGraph jg;
  Flags carry_nz;
};
LoopJvp loop_fixed_point(const Graph& body, Flags before, Flags carry_nz, Flags after,
                         std::size_t num_extra_outputs) {
  for (;;) {
    Flags instantiate = cat({carry_nz, Flags(num_extra_outputs, false)});
    JvpGraph jg = jvp_graph(body, cat({before, carry_nz, after}), instantiate);
    Flags out(jg.out_nonzero.begin(),
              jg.out_nonzero.begin() + static_cast<std::ptrdiff_t>(carry_nz.size()));
    if (out == carry_nz) return {jg, carry_nz};
    carry_nz = out;  // a superset: instantiate keeps every carry that had a tangent
  }
}

JvpResult split_result(const std::vector<Value>& outs, std::size_t nout, const Flags& out_nz,
                       std::size_t first_tangent) {
  JvpResult r;
  r.outputs.assign(outs.begin(), outs.begin() + static_cast<std::ptrdiff_t>(nout));
  std::size_t k = first_tangent;
  for (std::size_t i = 0; i < nout; ++i) {
    r.tangents.push_back(out_nz[i] ? Tangent(outs[k++]) : std::nullopt);
  }
  return r;
}

// --- cond ------------------------------------------------------------------------------
JvpResult cond_jvp(std::span<const Value> in, std::span<const Tangent> t, const Params& params) {
  const auto& branches = params.get<std::vector<GraphRef>>("branches");
  std::span<const Value> ops = in.subspan(1);
  Flags nz = nonzero_of(t.subspan(1));
  const std::size_t nout = branches[0]->outputs.size();
  // An output has a tangent if any branch gives it one; the others then materialize zeros.
  Flags out_nz(nout, false);
  for (const GraphRef& b : branches) {
    Flags o = jvp_graph(*b, nz, Flags(nout, false)).out_nonzero;
    for (std::size_t k = 0; k < nout; ++k) out_nz[k] = out_nz[k] || o[k];
  }
  std::vector<GraphRef> graphs;
  for (const GraphRef& b : branches) graphs.push_back(jvp_graph(*b, nz, out_nz).graph);
  std::vector<Value> operands = values({in, tangent_operands(ops, t.subspan(1), nz)});
  std::vector<Value> outs =
      internal::bind(primitive("cond"), operands, Params{{"branches", std::move(graphs)}});
  return split_result(outs, nout, out_nz, nout);
}

// --- while_loop ----------------------------------------------------------------------
// A copy of `g` with unused inputs of `avals` inserted before input `at`.
GraphRef with_unused_inputs(const Graph& g, std::size_t at, std::span<const AbstractValue> avals) {
  Graph r = g;
  std::vector<int> extra;
  for (const AbstractValue& a : avals) extra.push_back(r.new_var(a));
  r.inputs.insert(r.inputs.begin() + static_cast<std::ptrdiff_t>(at), extra.begin(), extra.end());
  return std::make_shared<const Graph>(std::move(r));
}

JvpResult while_jvp(std::span<const Value> in, std::span<const Tangent> t, const Params& params) {
  auto cn = static_cast<std::size_t>(params.get_int("cond_nconsts"));
  auto bn = static_cast<std::size_t>(params.get_int("body_nconsts"));
  const Graph& cg = *params.get_graph("cond_graph");
  const Graph& bg = *params.get_graph("body_graph");
  std::span<const Value> cconsts = in.subspan(0, cn), bconsts = in.subspan(cn, bn);
  std::span<const Value> carries = in.subspan(cn + bn);
  const std::size_t nc = carries.size();
  Flags bconst_nz = nonzero_of(t.subspan(cn, bn));
  LoopJvp l = loop_fixed_point(bg, {}, nonzero_of(t.subspan(cn + bn)), bconst_nz, 0);
  const std::size_t ntc = count(l.carry_nz), ntb = count(bconst_nz);
  // jvp body inputs (carries, bconsts, t_carries, t_bconsts) -> (carries, t_carries, bconsts,
  // t_bconsts); outputs are already (carries, t_carries).
  Graph body = *l.jg.graph;
  body.inputs = pick(body.inputs, {{0, nc}, {nc + bn, ntc}, {nc, bn}, {nc + bn + ntc, ntb}});
  std::vector<AbstractValue> tangent_avals;
  for (std::size_t k = 0; k < nc; ++k) {
    if (l.carry_nz[k]) tangent_avals.push_back(body.aval(body.inputs[nc + tangent_avals.size()]));
  }
  Params p = params;
  p.set("cond_graph", with_unused_inputs(cg, nc, tangent_avals));
  p.set("body_graph", std::make_shared<const Graph>(std::move(body)));
  p.set("body_nconsts", static_cast<std::int64_t>(bn + ntb));
  std::vector<Value> operands =
      values({cconsts, bconsts, tangent_operands(bconsts, t.subspan(cn, bn), bconst_nz), carries,
              tangent_operands(carries, t.subspan(cn + bn), l.carry_nz)});
  std::vector<Value> outs = internal::bind(primitive("while_loop"), operands, std::move(p));
  return split_result(outs, nc, l.carry_nz, nc);
}

// --- fori_loop -----------------------------------------------------------------------
JvpResult fori_jvp(std::span<const Value> in, std::span<const Tangent> t, const Params& params) {
  auto nk = static_cast<std::size_t>(params.get_int("num_consts"));
  const Graph& bg = *params.get_graph("body_graph");
  std::span<const Value> consts = in.subspan(2, nk), carries = in.subspan(2 + nk);
  const std::size_t nc = carries.size();
  Flags const_nz = nonzero_of(t.subspan(2, nk));
  LoopJvp l = loop_fixed_point(bg, {false}, nonzero_of(t.subspan(2 + nk)), const_nz, 0);
  const std::size_t ntc = count(l.carry_nz), ntk = count(const_nz);
  // (i, carries, consts, t_carries, t_consts) -> (i, carries, t_carries, consts, t_consts)
  Graph body = *l.jg.graph;
  const std::size_t base = 1 + nc + nk;
  body.inputs = pick(body.inputs, {{0, 1 + nc}, {base, ntc}, {1 + nc, nk}, {base + ntc, ntk}});
  Params p = params;
  p.set("body_graph", std::make_shared<const Graph>(std::move(body)));
  p.set("num_consts", static_cast<std::int64_t>(nk + ntk));
  std::vector<Value> operands =
      values({in.subspan(0, 2 + nk), tangent_operands(consts, t.subspan(2, nk), const_nz), carries,
              tangent_operands(carries, t.subspan(2 + nk), l.carry_nz)});
  std::vector<Value> outs = internal::bind(primitive("fori_loop"), operands, std::move(p));
  return split_result(outs, nc, l.carry_nz, nc);
}

// --- scan ----------------------------------------------------------------------------
JvpResult scan_jvp(std::span<const Value> in, std::span<const Tangent> t, const Params& params) {
  auto nk = static_cast<std::size_t>(params.get_int("num_consts"));
  auto nc = static_cast<std::size_t>(params.get_int("num_carry"));
  const Graph& bg = *params.get_graph("body_graph");
  std::span<const Value> consts = in.subspan(0, nk), carries = in.subspan(nk, nc);
  std::span<const Value> xs = in.subspan(nk + nc);
  const std::size_t nx = xs.size(), ny = bg.outputs.size() - nc;
  Flags const_nz = nonzero_of(t.subspan(0, nk)), x_nz = nonzero_of(t.subspan(nk + nc));
  LoopJvp l = loop_fixed_point(bg, {}, nonzero_of(t.subspan(nk, nc)), cat({x_nz, const_nz}), ny);
  const std::size_t ntc = count(l.carry_nz), ntx = count(x_nz), ntk = count(const_nz);
  Flags y_nz(l.jg.out_nonzero.begin() + static_cast<std::ptrdiff_t>(nc), l.jg.out_nonzero.end());
  const std::size_t nty = count(y_nz);
  // inputs (carries, xs, consts, t_carries, t_xs, t_consts)
  //     -> (carries, t_carries, xs, t_xs, consts, t_consts);
  // outputs (carries, ys, t_carries, t_ys) -> (carries, t_carries, ys, t_ys).
  Graph body = *l.jg.graph;
  const std::size_t ti = nc + nx + nk;
  body.inputs =
      pick(body.inputs,
           {{0, nc}, {ti, ntc}, {nc, nx}, {ti + ntc, ntx}, {nc + nx, nk}, {ti + ntc + ntx, ntk}});
  body.outputs = pick(body.outputs, {{0, nc}, {nc + ny, ntc}, {nc, ny}, {nc + ny + ntc, nty}});
  Params p = params;
  p.set("body_graph", std::make_shared<const Graph>(std::move(body)));
  p.set("num_consts", static_cast<std::int64_t>(nk + ntk));
  p.set("num_carry", static_cast<std::int64_t>(nc + ntc));
  std::vector<Value> operands =
      values({consts, tangent_operands(consts, t.subspan(0, nk), const_nz), carries,
              tangent_operands(carries, t.subspan(nk, nc), l.carry_nz), xs,
              tangent_operands(xs, t.subspan(nk + nc), x_nz)});
  std::vector<Value> outs = internal::bind(primitive("scan"), operands, std::move(p));
  // outs: (carries, t_carries, ys, t_ys)
  JvpResult r = split_result(outs, nc, l.carry_nz, nc);
  std::size_t k = nc + ntc + ny;
  for (std::size_t i = 0; i < ny; ++i) {
    r.outputs.push_back(outs[nc + ntc + i]);
    r.tangents.push_back(y_nz[i] ? Tangent(outs[k++]) : std::nullopt);
  }
  return r;
}

}  // namespace

// --- JVP rules, by kind (control_flow.cpp puts each in its primitive's record) ---
JvpFn control_flow_jvp(ControlFlowKind kind) {
  switch (kind) {
    case ControlFlowKind::Cond:
      return cond_jvp;
    case ControlFlowKind::WhileLoop:
      return while_jvp;
    case ControlFlowKind::ForiLoop:
      return fori_jvp;
    case ControlFlowKind::Scan:
      return scan_jvp;
    case ControlFlowKind::None:
      break;
  }
  LANES_FAIL("control_flow_jvp: not a control-flow kind");
}

}  // namespace lanes::internal
