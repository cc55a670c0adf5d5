// Constant folding: an equation whose inputs are all scalar literals and whose outputs
// are all scalars is evaluated once, with the primitive's reference implementation, and
// its outputs become literals. Non-scalar results (iota, a broadcast literal) are left
// alone: materializing them would defeat fusion.
#include "engine/passes/fold_constants.h"

#include "engine/interpreter.h"
#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"

namespace lanes::internal {

namespace {
bool foldable(const Graph& g, const Equation& e) {
  if (e.prim->lowering == LoweringKind::ControlFlow || e.prim->lowering == LoweringKind::Host ||
      e.prim->lowering == LoweringKind::Composite) {
    return false;
  }
  if (e.inputs.empty()) return false;  // constants, iota: nothing to fold from
  for (const Atom& a : e.inputs) {
    if (!a.is_literal()) return false;
  }
  for (int v : e.outputs) {
    if (!g.aval(v).shape.empty()) return false;
  }
  return true;
}

Literal literal_of(const Array& a, bool weak) { return make_literal(a.element(0), weak); }
}  // namespace

Graph fold_constants(const Graph& g) {
  Graph out;
  out.vars = g.vars;
  out.inputs = g.inputs;
  Substitution subst(g.vars.size());
  std::vector<Array> args;
  for (const Equation& e : g.eqns) {
    Equation ne = e;
    for (Atom& a : ne.inputs) a = subst.apply(a);
    if (foldable(g, ne)) {
      args.clear();
      for (const Atom& a : ne.inputs) args.push_back(literal_array(a.literal));
      std::vector<Array> results;
      try {
        results = ne.prim->impl(args, ne.params);
      } catch (const Error&) {
        results.clear();  // leave it to run time, where the error will name the call
      }
      if (results.size() == ne.outputs.size()) {
        for (std::size_t k = 0; k < results.size(); ++k) {
          subst.set(ne.outputs[k], Atom::of_literal(literal_of(results[k], g.aval(ne.outputs[k]).weak)));
        }
        continue;
      }
    }
    ne.params = map_subgraphs(ne.params, fold_constants);
    out.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : g.outputs) out.outputs.push_back(subst.apply(a));
  return out;
}

}  // namespace lanes::internal
