// Common-subexpression elimination: an equation with the same primitive, params and
// (already substituted) inputs as an earlier one reuses the earlier outputs.
#include "engine/passes/cse.h"

#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"

#include <unordered_map>

namespace lanes::internal {

namespace {
std::size_t equation_key(const Equation& e) {
  std::size_t h = std::hash<const void*>{}(e.prim) ^ (e.params.hash() * 31);
  for (const Atom& a : e.inputs) {
    h = h * 1000003 ^
        (a.is_literal() ? a.literal.value.hash() + 7 : static_cast<std::size_t>(a.var));
  }
  return h;
}

bool same_equation(const Equation& a, const Equation& b) {
  return a.prim == b.prim && a.inputs == b.inputs && a.params == b.params;
}
}  // namespace

Graph eliminate_common_subexpressions(const Graph& g) {
  Graph out;
  out.vars = g.vars;
  out.inputs = g.inputs;
  Substitution subst(g.vars.size());
  std::unordered_multimap<std::size_t, std::size_t> seen;  // key -> index in out.eqns
  for (const Equation& e : g.eqns) {
    Equation ne = e;
    for (Atom& a : ne.inputs) a = subst.apply(a);
    ne.params = map_subgraphs(ne.params, eliminate_common_subexpressions);
    std::size_t key = equation_key(ne);
    bool merged = false;
    auto [lo, hi] = seen.equal_range(key);
    for (auto it = lo; it != hi; ++it) {
      const Equation& prev = out.eqns[it->second];
      if (!same_equation(prev, ne)) continue;
      for (std::size_t k = 0; k < ne.outputs.size(); ++k) {
        subst.set(ne.outputs[k], Atom::of_var(prev.outputs[k]));
      }
      merged = true;
      break;
    }
    if (merged) continue;
    seen.emplace(key, out.eqns.size());
    out.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : g.outputs) out.outputs.push_back(subst.apply(a));
  return out;
}

}  // namespace lanes::internal
