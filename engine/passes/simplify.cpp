// Algebraic simplification of identities that hold exactly in IEEE arithmetic:
//   x - 0, x * 1, x / 1, x + 0 (integers only: -0.0 + 0.0 is +0.0), neg(neg(x)),
//   convert / broadcast_in_dim / reshape / transpose that change nothing.
// The rules read the primitive's lowering data (its ScalarOp; an index map that is the
// identity), never its name.
// An equation is replaced by an operand only when that operand's dtype and shape equal
// the equation's output (a scalar operand never stands in for an array result).
#include "engine/passes/simplify.h"

#include "engine/passes/rewrite_util.h"
#include "engine/primitive.h"

namespace lanes::internal {

namespace {
bool is_literal_value(const Atom& a, std::int64_t v) {
  return a.is_literal() && a.literal.value.equals(v);
}

// The atom that can replace the equation's single output, if any.
// `producer[v]` is the index in `done` of the equation defining v, or -1.
std::optional<Atom> replacement(const Graph& g, const Equation& e, const std::vector<int>& producer,
                                const std::vector<Equation>& done) {
  if (e.outputs.size() != 1) return std::nullopt;
  const AbstractValue& out = g.aval(e.outputs[0]);
  auto fits = [&](const Atom& a) {
    AbstractValue av = g.aval(a);
    // Weakness only steers promotion while tracing; the traced graph's types are fixed.
    return av.dtype == out.dtype && av.shape == out.shape;
  };
  const Primitive& p = *e.prim;
  const auto& in = e.inputs;
  auto candidate = [&](const Atom& a) -> std::optional<Atom> {
    if (fits(a)) return a;
    return std::nullopt;
  };
  switch (p.lowering) {
    case LoweringKind::IndexMap:
      if (fits(in[0]) && is_identity_index_map(p, g.aval(in[0]), out, e.params)) return in[0];
      return std::nullopt;
    case LoweringKind::Reshape:
      return candidate(in[0]);
    case LoweringKind::Elementwise:
      break;
    default:
      return std::nullopt;
  }
  const ScalarOp op = p.scalar_op;
  if (op == ScalarOp::Add && in.size() == 2 && !is_float(out.dtype)) {
    if (is_literal_value(in[1], 0)) return candidate(in[0]);
    if (is_literal_value(in[0], 0)) return candidate(in[1]);
  } else if (op == ScalarOp::Sub && in.size() == 2 && is_literal_value(in[1], 0)) {
    return candidate(in[0]);
  } else if (op == ScalarOp::Mul && in.size() == 2) {
    if (is_literal_value(in[1], 1)) return candidate(in[0]);
    if (is_literal_value(in[0], 1)) return candidate(in[1]);
  } else if (op == ScalarOp::Div && in.size() == 2 && is_literal_value(in[1], 1)) {
    return candidate(in[0]);
  } else if (op == ScalarOp::Neg && !in[0].is_literal()) {
    int q = producer[static_cast<std::size_t>(in[0].var)];
    if (q >= 0 && done[static_cast<std::size_t>(q)].prim == e.prim) {
      return candidate(done[static_cast<std::size_t>(q)].inputs[0]);
    }
  } else if (op == ScalarOp::Convert) {
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
