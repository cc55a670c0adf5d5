// inline_autodiff (see inline_autodiff.h): the graph is re-traced equation by equation,
// with the two autodiff primitives replaced by what they evaluate to.
#include "engine/passes/inline_autodiff.h"

#include <optional>

#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {

bool mentions_autodiff(const Graph& g);

bool params_mention_autodiff(const Params& params) {
  for (const auto& [name, value] : params.entries()) {
    if (const auto* g = std::get_if<GraphRef>(&value)) {
      if (*g && mentions_autodiff(**g)) return true;
    } else if (const auto* gs = std::get_if<std::vector<GraphRef>>(&value)) {
      for (const GraphRef& s : *gs) {
        if (s && mentions_autodiff(*s)) return true;
      }
    }
  }
  return false;
}

bool mentions_autodiff(const Graph& g) {
  for (const Equation& e : g.eqns) {
    if (e.prim->name == "stop_gradient" || e.prim->name == "custom_jvp" ||
        e.prim->name == "custom_vjp") {
      return true;
    }
    if (params_mention_autodiff(e.params)) return true;
  }
  return false;
}

}  // namespace

Graph inline_autodiff(const Graph& g) {
  if (!mentions_autodiff(g)) return g;
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
      if (e.prim->name == "stop_gradient") {
        outs = args;
      } else if (e.prim->name == "custom_jvp" || e.prim->name == "custom_vjp") {
        outs = inline_graph(inline_autodiff(*e.params.get_graph("fun")), args);
      } else {
        outs = internal::bind(*e.prim, args, map_subgraphs(e.params, inline_autodiff));
      }
      for (std::size_t k = 0; k < outs.size(); ++k)
        env[static_cast<std::size_t>(e.outputs[k])] = outs[k];
    }
    std::vector<Value> result;
    for (const Atom& a : g.outputs) result.push_back(read(a));
    return result;
  });
  if (!t.captures.empty()) throw InternalError("inline_autodiff: the graph captured values");
  return *t.graph;
}

}  // namespace lanes::internal
