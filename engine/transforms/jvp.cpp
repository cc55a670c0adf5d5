// The JVP pass (see jvp.h): an interpreter over a graph whose values carry tangents,
// emitting the primal and tangent computations into a trace.
#include "engine/transforms/jvp.h"

#include <lanes/ops.h>

#include <optional>

#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "runtime/check.h"
#include "runtime/nesting_guard.h"

namespace lanes::internal {

namespace {

// A rule that returns the wrong number of values or a tangent of the wrong type is a bug in
// Lanes, reported naming the primitive.
void check_rule_result(const Equation& e, const Graph& g, const JvpResult& r) {
  if (r.outputs.size() != e.outputs.size() || r.tangents.size() != e.outputs.size()) {
    LANES_FAIL("jvp: the JVP rule of " + e.prim->name + " returned " +
               std::to_string(r.outputs.size()) + " outputs and " +
               std::to_string(r.tangents.size()) + " tangents, expected " +
               std::to_string(e.outputs.size()));
  }
  for (std::size_t k = 0; k < e.outputs.size(); ++k) {
    const AbstractValue& want = g.aval(e.outputs[k]);
    AbstractValue have = aval_of(r.outputs[k]);
    if (have.dtype != want.dtype || have.shape != want.shape) {
      LANES_FAIL("jvp: the JVP rule of " + e.prim->name + " returned " + have.to_string() +
                 " for output " + std::to_string(k) + ", expected " + want.to_string());
    }
    if (!r.tangents[k]) continue;
    AbstractValue t = aval_of(*r.tangents[k]);
    if (t.dtype != want.dtype || t.shape != want.shape) {
      LANES_FAIL("jvp: the JVP rule of " + e.prim->name + " returned a tangent " + t.to_string() +
                 " for output " + std::to_string(k) + " of type " + want.to_string());
    }
  }
}

}  // namespace

JvpValues jvp_inline(const Graph& g, std::span<const Value> primals,
                     std::span<const Tangent> tangents) {
  NestingGuard guard("jvp");  // control-flow rules differentiate sub-graphs through here
  if (primals.size() != g.inputs.size() || tangents.size() != g.inputs.size()) {
    LANES_FAIL("jvp: graph takes " + std::to_string(g.inputs.size()) + " inputs, got " +
               std::to_string(primals.size()) + " primals and " + std::to_string(tangents.size()) +
               " tangents");
  }
  std::vector<std::optional<Value>> env(g.vars.size());
  std::vector<Tangent> tan(g.vars.size());
  for (std::size_t i = 0; i < primals.size(); ++i) {
    auto v = static_cast<std::size_t>(g.inputs[i]);
    env[v] = primals[i];
    if (is_float(g.aval(g.inputs[i]).dtype)) tan[v] = tangents[i];
  }
  auto read = [&](const Atom& a) -> Value {
    if (a.is_literal()) return Value::from_literal(a.literal);
    return *env[static_cast<std::size_t>(a.var)];
  };
  auto read_tangent = [&](const Atom& a) -> Tangent {
    return a.is_literal() ? std::nullopt : tan[static_cast<std::size_t>(a.var)];
  };
  Tracer& t = current_tracer("jvp");
  std::vector<Value> args;
  std::vector<Tangent> targs;
  for (const Equation& e : g.eqns) {
    args.clear();
    targs.clear();
    bool any = false;
    for (const Atom& a : e.inputs) {
      args.push_back(read(a));
      targs.push_back(read_tangent(a));
      any = any || targs.back().has_value();
    }
    JvpResult r;
    if (!any) {
      r.outputs = t.bind(*e.prim, args, e.params);
      r.tangents.assign(r.outputs.size(), std::nullopt);
    } else {
      if (!e.prim->jvp.is_defined()) {
        throw UnsupportedError("jvp: " + e.prim->name + " has no JVP rule (" + e.prim->jvp.reason +
                               ")");
      }
      r = e.prim->jvp.fn(args, targs, e.params);
      check_rule_result(e, g, r);
    }
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      auto v = static_cast<std::size_t>(e.outputs[k]);
      env[v] = r.outputs[k];
      if (is_float(g.aval(e.outputs[k]).dtype)) tan[v] = r.tangents[k];
    }
  }
  JvpValues out;
  for (const Atom& a : g.outputs) {
    out.primals.push_back(read(a));
    out.tangents.push_back(read_tangent(a));
  }
  return out;
}

JvpGraph jvp_graph(const Graph& g, const std::vector<bool>& nonzero,
                   const std::vector<bool>& instantiate) {
  if (nonzero.size() != g.inputs.size() || instantiate.size() != g.outputs.size()) {
    LANES_FAIL("jvp_graph: " + std::to_string(nonzero.size()) + " nonzero flags for " +
               std::to_string(g.inputs.size()) + " inputs, " + std::to_string(instantiate.size()) +
               " instantiate flags for " + std::to_string(g.outputs.size()) + " outputs");
  }
  std::vector<AbstractValue> avals = g.input_avals();
  const std::size_t n = avals.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!nonzero[i]) continue;
    if (!is_float(avals[i].dtype)) {
      LANES_FAIL("jvp_graph: input " + std::to_string(i) + " (" + avals[i].to_string() +
                 ") cannot have a nonzero tangent");
    }
    AbstractValue a = avals[i];
    a.weak = false;
    avals.push_back(a);
  }
  JvpGraph result;
  TracedGraph traced = trace_graph(avals, [&](std::span<const Value> ins) {
    std::vector<Tangent> tangents(n);
    for (std::size_t i = 0, k = n; i < n; ++i) {
      if (nonzero[i]) tangents[i] = ins[k++];
    }
    JvpValues r = jvp_inline(g, ins.subspan(0, n), tangents);
    std::vector<Value> outs = r.primals;
    result.out_nonzero.assign(r.primals.size(), false);
    for (std::size_t k = 0; k < r.primals.size(); ++k) {
      if (r.tangents[k]) {
        outs.push_back(*r.tangents[k]);
      } else if (instantiate[k] && is_float(outs[k].dtype())) {
        outs.push_back(zeros_for(r.primals[k]));
      } else {
        continue;
      }
      result.out_nonzero[k] = true;
    }
    return outs;
  });
  if (!traced.captures.empty()) LANES_FAIL("jvp_graph: the JVP graph captured values");
  result.graph = traced.graph;
  return result;
}

Graph jvp_full_graph(const Graph& g, std::span<const AbstractValue> tangent_avals) {
  std::vector<AbstractValue> avals = g.input_avals();
  const std::size_t n = avals.size();
  if (tangent_avals.size() != n) {
    LANES_FAIL("jvp_full_graph: " + std::to_string(tangent_avals.size()) + " tangent avals for " +
               std::to_string(n) + " inputs");
  }
  avals.insert(avals.end(), tangent_avals.begin(), tangent_avals.end());
  TracedGraph traced = trace_graph(avals, [&](std::span<const Value> ins) {
    std::vector<Tangent> tangents(ins.begin() + static_cast<std::ptrdiff_t>(n), ins.end());
    JvpValues r = jvp_inline(g, ins.subspan(0, n), tangents);
    std::vector<Value> outs = r.primals;
    for (std::size_t k = 0; k < r.primals.size(); ++k) {
      outs.push_back(instantiate(r.tangents[k], r.primals[k]));
    }
    return outs;
  });
  if (!traced.captures.empty()) LANES_FAIL("jvp_full_graph: the graph captured values");
  return *traced.graph;
}

}  // namespace lanes::internal
