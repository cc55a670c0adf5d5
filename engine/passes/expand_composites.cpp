// expand_composites (see expand_composites.h): the graph is re-traced equation by
// equation, with each composite replaced by the values its `expand` rule binds.
#include "engine/passes/expand_composites.h"

#include <optional>

#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"
#include "engine/trace.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {

// One round: the composites of `g` expanded once (an expansion may bind composites again,
// e.g. custom_vjp's primal graph holding a stop_gradient; the caller repeats).
Graph expand_once(const Graph& g) {
  TracedGraph t = trace_graph(g.input_avals(), [&](std::span<const Value> ins) {
    std::vector<std::optional<Value>> env(g.vars.size());
    for (std::size_t i = 0; i < ins.size(); ++i)
      env[static_cast<std::size_t>(g.inputs[i])] = ins[i];
    auto read = [&](const Atom& a) -> Value {
      if (a.is_literal()) return Value::from_literal(a.literal);
      return *env[static_cast<std::size_t>(a.var)];
    };
    std::vector<Value> args;
    for (const Equation& e : g.eqns) {
      args.clear();
      for (const Atom& a : e.inputs) args.push_back(read(a));
      std::vector<Value> outs;
      if (e.prim->lowering == LoweringKind::Composite) {
        if (!e.prim->expand) {
          LANES_FAIL("expand_composites: " + e.prim->name + " has no expand rule");
        }
        outs = e.prim->expand(args, e.params);
      } else {
        outs = internal::bind(*e.prim, args, map_subgraphs(e.params, expand_composites));
      }
      for (std::size_t k = 0; k < outs.size(); ++k)
        env[static_cast<std::size_t>(e.outputs[k])] = outs[k];
    }
    std::vector<Value> result;
    for (const Atom& a : g.outputs) result.push_back(read(a));
    return result;
  });
  if (!t.captures.empty()) LANES_FAIL("expand_composites: the graph captured values");
  return *t.graph;
}

}  // namespace

bool has_composites(const Graph& g) {
  return any_graph_in(g, [](const Graph& s) {
    for (const Equation& e : s.eqns) {
      if (e.prim->lowering == LoweringKind::Composite) return true;
    }
    return false;
  });
}

Graph expand_composites(const Graph& g) {
  // Expansions nest only as deep as composites are written in terms of each other.
  constexpr int kMaxRounds = 64;
  Graph r = g;
  for (int round = 0; has_composites(r); ++round) {
    if (round == kMaxRounds) {
      LANES_FAIL("expand_composites: composites still present after " + std::to_string(kMaxRounds) +
                 " rounds");
    }
    r = expand_once(r);
  }
  return r;
}

}  // namespace lanes::internal
