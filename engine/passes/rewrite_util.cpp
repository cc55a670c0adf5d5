// Helpers shared by the graph passes.
#include "engine/passes/rewrite_util.h"

namespace lanes::internal {

Params map_subgraphs(const Params& params, const std::function<Graph(const Graph&)>& pass) {
  Params out = params;
  for (const auto& [name, value] : params.entries()) {
    if (const auto* g = std::get_if<GraphRef>(&value)) {
      if (*g) out.set(name, std::make_shared<const Graph>(pass(**g)));
    } else if (const auto* gs = std::get_if<std::vector<GraphRef>>(&value)) {
      std::vector<GraphRef> mapped;
      for (const GraphRef& s : *gs) {
        mapped.push_back(s ? std::make_shared<const Graph>(pass(*s)) : s);
      }
      out.set(name, std::move(mapped));
    }
  }
  return out;
}

Graph renumber(const Graph& g) {
  Graph out;
  std::vector<int> new_id(g.vars.size(), -1);
  auto define = [&](int v) {
    new_id[static_cast<std::size_t>(v)] = out.new_var(g.aval(v));
    return new_id[static_cast<std::size_t>(v)];
  };
  auto map_atom = [&](const Atom& a) {
    return a.is_literal() ? a : Atom::of_var(new_id[static_cast<std::size_t>(a.var)]);
  };
  for (int v : g.inputs) out.inputs.push_back(define(v));
  for (const Equation& e : g.eqns) {
    Equation ne;
    ne.prim = e.prim;
    ne.params = e.params;
    for (const Atom& a : e.inputs) ne.inputs.push_back(map_atom(a));
    for (int v : e.outputs) ne.outputs.push_back(define(v));
    out.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : g.outputs) out.outputs.push_back(map_atom(a));
  return out;
}

}  // namespace lanes::internal
