// Structural hashing and equality of graphs (see graph_identity.h): explicit stacks over
// the sub-graph DAG, each graph hashed once and its hash kept in its HashSlot.
#include "engine/ir/graph_identity.h"

#include <functional>
#include <set>
#include <utility>
#include <vector>

namespace lanes::internal {

namespace {

template <class F>
void for_each_subgraph(const Graph& g, F&& f) {
  for (const Equation& e : g.eqns) e.params.for_each_graph([&](const GraphRef& s) { f(*s); });
}

std::size_t aval_hash(const AbstractValue& a) {
  std::size_t h = hash_mix(static_cast<std::size_t>(a.dtype), a.weak ? 1 : 2);
  for (std::int64_t d : a.shape) h = hash_mix(h, std::hash<std::int64_t>{}(d));
  return h;
}

std::size_t atom_hash(const Atom& a) {
  if (!a.is_literal()) return std::hash<int>{}(a.var);
  return hash_mix(a.literal.value.hash(), a.literal.weak ? 3 : 4);
}

// The hash of `g` given that every sub-graph of it is hashed already.
std::size_t shallow_hash(const Graph& g) {
  std::size_t h = hash_mix(g.vars.size(), g.eqns.size());
  for (const AbstractValue& a : g.vars) h = hash_mix(h, aval_hash(a));
  for (int v : g.inputs) h = hash_mix(h, std::hash<int>{}(v));
  for (const Equation& e : g.eqns) {
    h = hash_mix(h, std::hash<const void*>{}(e.prim));
    h = hash_mix(h, e.inputs.size());
    for (const Atom& a : e.inputs) h = hash_mix(h, atom_hash(a));
    for (int v : e.outputs) h = hash_mix(h, std::hash<int>{}(v));
    h = hash_mix(h, e.params.hash());
  }
  h = hash_mix(h, g.outputs.size());
  for (const Atom& a : g.outputs) h = hash_mix(h, atom_hash(a));
  return h == 0 ? 1 : h;
}

// Everything but the contents of sub-graphs equal; pairs of sub-graphs that may differ
// are queued on `pending`.
bool shallow_equal(const Graph& a, const Graph& b,
                   std::vector<std::pair<const Graph*, const Graph*>>& pending) {
  if (a.vars != b.vars || a.inputs != b.inputs || a.outputs != b.outputs ||
      a.eqns.size() != b.eqns.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.eqns.size(); ++i) {
    const Equation& x = a.eqns[i];
    const Equation& y = b.eqns[i];
    if (x.prim != y.prim || x.inputs != y.inputs || x.outputs != y.outputs ||
        !x.params.equal_deferring_graphs(y.params, pending)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::size_t structural_hash(const Graph& root) {
  if (std::size_t h = root.hash_slot.get()) return h;
  // Post-order over the graphs not hashed yet: a graph is hashed after its sub-graphs.
  struct Frame {
    const Graph* g;
    bool expanded;
  };
  std::vector<Frame> stack{{&root, false}};
  while (!stack.empty()) {
    const Graph* g = stack.back().g;
    if (g->hash_slot.get()) {
      stack.pop_back();
    } else if (!stack.back().expanded) {
      stack.back().expanded = true;
      for_each_subgraph(*g, [&](const Graph& s) {
        if (!s.hash_slot.get()) stack.push_back({&s, false});
      });
    } else {
      g->hash_slot.set(shallow_hash(*g));
      stack.pop_back();
    }
  }
  return root.hash_slot.get();
}

bool structural_equal(const Graph& a, const Graph& b) {
  std::vector<std::pair<const Graph*, const Graph*>> pending{{&a, &b}};
  std::set<std::pair<const Graph*, const Graph*>> done;  // pairs found equal (shared sub-graphs)
  while (!pending.empty()) {
    const auto [x, y] = pending.back();
    pending.pop_back();
    if (x == y || done.count({x, y})) continue;
    if (structural_hash(*x) != structural_hash(*y)) return false;
    if (!shallow_equal(*x, *y, pending)) return false;
    done.insert({x, y});
  }
  return true;
}

}  // namespace lanes::internal
