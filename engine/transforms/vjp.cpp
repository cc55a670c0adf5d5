// The reverse-mode pass (see vjp.h): a forward re-binding of the graph, an activity
// analysis (which values depend on a differentiated input) and a backward walk calling
// the primitives' VJP rules.
#include "engine/transforms/vjp.h"

#include <lanes/ops.h>

#include "engine/trace.h"
#include "runtime/check.h"
#include "runtime/nesting_guard.h"

namespace lanes::internal {

namespace {

bool same_type(const AbstractValue& a, const AbstractValue& b) {
  return a.dtype == b.dtype && a.shape == b.shape;
}

// A rule that returns the wrong number, dtype or shape of cotangents is a bug in Lanes,
// reported naming the primitive.
void check_rule_result(const Equation& e, const Graph& g, const std::vector<Cotangent>& r) {
  if (r.size() != e.inputs.size()) {
    LANES_FAIL("vjp: the VJP rule of " + e.prim->name + " returned " + std::to_string(r.size()) +
               " cotangents, expected " + std::to_string(e.inputs.size()));
  }
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!r[i] || e.inputs[i].is_literal()) continue;
    AbstractValue want = g.aval(e.inputs[i]);
    AbstractValue have = aval_of(*r[i]);
    if (!same_type(want, have)) {
      LANES_FAIL("vjp: the VJP rule of " + e.prim->name + " returned " + have.to_string() +
                 " for input " + std::to_string(i) + ", expected " + want.to_string());
    }
  }
}

}  // namespace

Value zeros_of(const AbstractValue& like) { return lanes::full(like.dtype, like.shape, 0.0); }

VjpValues vjp_inline(const Graph& g, std::span<const Value> primals,
                     std::span<const Cotangent> out_cts, const std::vector<bool>& wants) {
  NestingGuard guard("vjp");  // control-flow rules transpose sub-graphs through here
  if (primals.size() != g.inputs.size() || out_cts.size() != g.outputs.size() ||
      (!wants.empty() && wants.size() != g.inputs.size())) {
    LANES_FAIL("vjp: graph takes " + std::to_string(g.inputs.size()) + " inputs and " +
               std::to_string(g.outputs.size()) + " outputs, got " +
               std::to_string(primals.size()) + " primals and " + std::to_string(out_cts.size()) +
               " cotangents");
  }
  Tracer& t = current_tracer("vjp");
  const std::size_t nvars = g.vars.size();
  std::vector<std::optional<Value>> env(nvars);
  // active[v]: v is a float value that depends on a differentiated input.
  std::vector<bool> active(nvars, false);
  for (std::size_t i = 0; i < primals.size(); ++i) {
    auto v = static_cast<std::size_t>(g.inputs[i]);
    env[v] = primals[i];
    active[v] = is_float(g.aval(g.inputs[i]).dtype) && (wants.empty() || wants[i]);
  }
  auto read = [&](const Atom& a) -> Value {
    if (a.is_literal()) return Value::from_literal(a.literal);
    return *env[static_cast<std::size_t>(a.var)];
  };
  auto is_active = [&](const Atom& a) {
    return !a.is_literal() && active[static_cast<std::size_t>(a.var)];
  };

  // Forward: re-bind every equation; its outputs are the residuals of the backward pass.
  std::vector<std::vector<Value>> eq_in(g.eqns.size()), eq_out(g.eqns.size());
  std::vector<bool> eq_active(g.eqns.size(), false);
  for (std::size_t k = 0; k < g.eqns.size(); ++k) {
    const Equation& e = g.eqns[k];
    bool any = false;
    for (const Atom& a : e.inputs) {
      eq_in[k].push_back(read(a));
      any = any || is_active(a);
    }
    eq_out[k] = t.bind(*e.prim, eq_in[k], e.params);
    eq_active[k] = any;
    for (std::size_t j = 0; j < e.outputs.size(); ++j) {
      auto v = static_cast<std::size_t>(e.outputs[j]);
      env[v] = eq_out[k][j];
      active[v] = any && is_float(g.aval(e.outputs[j]).dtype);
    }
  }

  // Backward: cotangents accumulate per variable, starting from the outputs'.
  std::vector<Cotangent> ct(nvars);
  auto accumulate = [&](int var, const Value& c) {
    auto v = static_cast<std::size_t>(var);
    ct[v] = ct[v] ? lanes::add(*ct[v], c) : c;
  };
  for (std::size_t i = 0; i < g.outputs.size(); ++i) {
    if (out_cts[i] && is_active(g.outputs[i])) accumulate(g.outputs[i].var, *out_cts[i]);
  }
  for (std::size_t k = g.eqns.size(); k-- > 0;) {
    const Equation& e = g.eqns[k];
    if (!eq_active[k]) continue;
    std::vector<Cotangent> cts;
    bool any = false;
    for (int v : e.outputs) {
      cts.push_back(active[static_cast<std::size_t>(v)] ? ct[static_cast<std::size_t>(v)]
                                                        : std::nullopt);
      any = any || cts.back().has_value();
    }
    if (!any) continue;
    if (!e.prim->vjp.is_defined()) {
      throw UnsupportedError("grad: " + e.prim->name + " has no VJP rule (" + e.prim->vjp.reason +
                             ")");
    }
    std::vector<Cotangent> r = e.prim->vjp.fn(eq_in[k], eq_out[k], cts, e.params);
    check_rule_result(e, g, r);
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] && is_active(e.inputs[i])) accumulate(e.inputs[i].var, *r[i]);
    }
  }

  VjpValues out;
  for (const Atom& a : g.outputs) out.outputs.push_back(read(a));
  for (std::size_t i = 0; i < g.inputs.size(); ++i) {
    bool want = active[static_cast<std::size_t>(g.inputs[i])];
    out.input_cts.push_back(want ? ct[static_cast<std::size_t>(g.inputs[i])] : std::nullopt);
  }
  return out;
}

Graph vjp_graph(const Graph& g, const std::vector<bool>& wants, bool with_primal_outputs) {
  if (wants.size() != g.inputs.size()) {
    LANES_FAIL("vjp_graph: " + std::to_string(wants.size()) + " wants for " +
               std::to_string(g.inputs.size()) + " inputs");
  }
  std::vector<AbstractValue> avals = g.input_avals();
  const std::size_t nin = avals.size();
  for (AbstractValue a : g.output_avals()) {
    a.weak = false;
    avals.push_back(a);
  }
  TracedGraph t = trace_graph(avals, [&](std::span<const Value> ins) {
    std::vector<Cotangent> cts(ins.begin() + static_cast<std::ptrdiff_t>(nin), ins.end());
    VjpValues r = vjp_inline(g, ins.subspan(0, nin), cts, wants);
    std::vector<Value> outs;
    if (with_primal_outputs) outs = r.outputs;
    for (std::size_t i = 0; i < nin; ++i) {
      if (!wants[i]) continue;
      AbstractValue a = g.aval(g.inputs[i]);
      a.weak = false;
      outs.push_back(r.input_cts[i] ? *r.input_cts[i] : zeros_of(a));
    }
    return outs;
  });
  if (!t.captures.empty()) LANES_FAIL("vjp_graph: the reverse graph captured values");
  return *t.graph;
}

}  // namespace lanes::internal
