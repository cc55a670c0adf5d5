// Dead-code elimination. Every primitive is pure, so an equation none of whose outputs
// is used can go. Sub-graphs are cleaned inside; their inputs stay (they are operands of
// the enclosing control-flow equation).
#include "engine/passes/dce.h"

#include "engine/passes/rewrite_util.h"

namespace lanes::internal {

Graph eliminate_dead_code(const Graph& g) {
  std::vector<bool> live(g.vars.size(), false);
  auto mark = [&](const Atom& a) {
    if (!a.is_literal()) live[static_cast<std::size_t>(a.var)] = true;
  };
  for (const Atom& a : g.outputs) mark(a);
  std::vector<bool> keep(g.eqns.size(), false);
  for (std::size_t i = g.eqns.size(); i-- > 0;) {
    const Equation& e = g.eqns[i];
    for (int v : e.outputs) {
      if (live[static_cast<std::size_t>(v)]) keep[i] = true;
    }
    if (keep[i]) {
      for (const Atom& a : e.inputs) mark(a);
    }
  }
  Graph out;
  out.vars = g.vars;
  out.inputs = g.inputs;
  out.outputs = g.outputs;
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    if (!keep[i]) continue;
    Equation e = g.eqns[i];
    e.params = map_subgraphs(e.params, eliminate_dead_code);
    out.eqns.push_back(std::move(e));
  }
  return renumber(out);
}

}  // namespace lanes::internal
