// Algebraic simplification of identities that hold exactly in IEEE arithmetic:
//   x - 0, x * 1, x / 1, x + 0 (integers only: -0.0 + 0.0 is +0.0), neg(neg(x)),
//   convert / broadcast_in_dim / reshape / transpose that change nothing.
// An equation is replaced by an operand only when that operand's dtype and shape equal
// the equation's output (a scalar operand never stands in for an array result).
#include "engine/passes/simplify.h"

#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"

namespace lanes::internal {

namespace {
bool is_literal_value(const Atom& a, double v) {
  return a.is_literal() && literal_as_double(a.literal) == v;
}

bool is_identity_permutation(const std::vector<std::int64_t>& p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != static_cast<std::int64_t>(i)) return false;
  }
  return true;
}

// The atom that can replace the equation's single output, if any.
// `producer[v]` is the index in `done` of the equation defining v, or -1.
std::optional<Atom> replacement(const Graph& g, const Equation& e, const std::vector<int>& producer,
                                const std::vector<Equation>& done) {
  if (e.outputs.size() != 1) return std::nullopt;
  const AbstractValue& out = g.aval(e.outputs[0]);
  auto fits = [&](const Atom& a) {
    AbstractValue av = g.aval(a);
    return av.dtype == out.dtype && av.shape == out.shape && av.weak == out.weak;
  };
  const std::string& name = e.prim->name;
  const auto& in = e.inputs;
  auto candidate = [&](const Atom& a) -> std::optional<Atom> {
    if (fits(a)) return a;
    return std::nullopt;
  };
  if (name == "add" && in.size() == 2 && !is_float(out.dtype)) {
    if (is_literal_value(in[1], 0)) return candidate(in[0]);
    if (is_literal_value(in[0], 0)) return candidate(in[1]);
  } else if (name == "sub" && in.size() == 2 && is_literal_value(in[1], 0)) {
    return candidate(in[0]);
  } else if (name == "mul" && in.size() == 2) {
    if (is_literal_value(in[1], 1)) return candidate(in[0]);
    if (is_literal_value(in[0], 1)) return candidate(in[1]);
  } else if (name == "div" && in.size() == 2 && is_literal_value(in[1], 1)) {
    return candidate(in[0]);
  } else if (name == "neg" && !in[0].is_literal()) {
    int p = producer[static_cast<std::size_t>(in[0].var)];
    if (p >= 0 && done[static_cast<std::size_t>(p)].prim == e.prim) {
      return candidate(done[static_cast<std::size_t>(p)].inputs[0]);
    }
  } else if (name == "convert" || name == "broadcast_in_dim" || name == "reshape") {
    return candidate(in[0]);
  } else if (name == "transpose" && is_identity_permutation(e.params.get_ints("permutation"))) {
    return candidate(in[0]);
  }
  return std::nullopt;
}
}  // namespace

Graph simplify(const Graph& g) {
  Graph out;
  out.vars = g.vars;
  out.inputs = g.inputs;
  Substitution subst(g.vars.size());
  std::vector<int> producer(g.vars.size(), -1);
  for (const Equation& e : g.eqns) {
    Equation ne = e;
    for (Atom& a : ne.inputs) a = subst.apply(a);
    ne.params = map_subgraphs(ne.params, simplify);
    if (auto r = replacement(g, ne, producer, out.eqns)) {
      subst.set(ne.outputs[0], *r);
      continue;
    }
    for (int v : ne.outputs) producer[static_cast<std::size_t>(v)] = static_cast<int>(out.eqns.size());
    out.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : g.outputs) out.outputs.push_back(subst.apply(a));
  return out;
}

}  // namespace lanes::internal
