// Graph: the typed SSA IR of Lanes (like a jaxpr).
//
// A graph has input variables, equations `outs = prim[params](ins)` in order, and output
// atoms. An atom is a variable or a scalar literal. Variables are numbered densely and
// their abstract values live in `vars`. Graphs are immutable once built (passes make new
// ones); control-flow primitives hold sub-graphs in their params.
//
//   { lambda a:f64[3] b:f64[]~ .
//     c:f64[3] = sin a
//     d:f64[3] = mul c b
//     in (d) }
#pragma once

#include "engine/ir/abstract_value.h"
#include "engine/ir/params.h"

#include <lanes/value.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

namespace lanes::internal {

struct Primitive;

// A scalar literal: used for C++ scalars in user code and constants made by passes.
using Literal = Value::Literal;

struct Atom {
  int var = -1;  // >= 0: a variable of the graph; -1: the literal below
  Literal literal;

  static Atom of_var(int v) {
    Atom a;
    a.var = v;
    return a;
  }
  static Atom of_literal(Literal l) {
    Atom a;
    a.literal = l;
    return a;
  }
  bool is_literal() const { return var < 0; }
  bool operator==(const Atom& o) const;
};

// Literal constructors and helpers. The value is a Scalar, exact in every dtype; a pass
// that needs the number reads it with Scalar's accessors, never through a double.
Literal make_literal(Scalar value, bool weak = false);
AbstractValue literal_aval(const Literal& l);
Literal convert_literal(const Literal& l, DType dtype, bool weak);

struct Equation {
  const Primitive* prim = nullptr;
  std::vector<Atom> inputs;
  std::vector<int> outputs;
  Params params;
};

// The structural hash of a graph, computed once (graph_identity.h). A copy or a move starts
// empty, so a copied graph that is then changed never carries a stale hash; a graph must
// not change after it was hashed (graphs behind a GraphRef never do).
class HashSlot {
 public:
  HashSlot() = default;
  HashSlot(const HashSlot&) noexcept {}
  HashSlot& operator=(const HashSlot&) noexcept {
    value_.store(0, std::memory_order_relaxed);
    return *this;
  }
  std::size_t get() const { return value_.load(std::memory_order_relaxed); }  // 0: not yet
  void set(std::size_t h) const { value_.store(h, std::memory_order_relaxed); }

 private:
  mutable std::atomic<std::size_t> value_{0};
};

struct Graph {
  std::vector<AbstractValue> vars;  // indexed by variable number
  std::vector<int> inputs;
  std::vector<Equation> eqns;
  std::vector<Atom> outputs;
  HashSlot hash_slot;  // read through structural_hash (graph_identity.h)

  const AbstractValue& aval(int var) const { return vars.at(static_cast<std::size_t>(var)); }
  AbstractValue aval(const Atom& a) const;
  std::vector<AbstractValue> input_avals() const;
  std::vector<AbstractValue> output_avals() const;
  int new_var(AbstractValue aval);

  std::string to_string() const;  // the readable text form
};

// Calls f(const Graph&) on `root` and on each distinct sub-graph reachable from it, once
// each, by a worklist (no recursion on nesting depth); stops early when f returns true,
// and returns whether it did.
template <class F>
bool any_graph_in(const Graph& root, F&& f) {
  std::vector<const Graph*> work{&root};
  std::unordered_set<const Graph*> seen{&root};
  while (!work.empty()) {
    const Graph* g = work.back();
    work.pop_back();
    if (f(*g)) return true;
    for (const Equation& e : g->eqns) {
      e.params.for_each_graph([&](const GraphRef& s) {
        if (seen.insert(s.get()).second) work.push_back(s.get());
      });
    }
  }
  return false;
}

// Checks the SSA and typing invariants: every variable defined once before use, each
// equation's output avals equal to what its primitive's shape rule gives; each distinct
// sub-graph once, by a worklist. Throws InternalError naming the equation on failure.
void verify(const Graph& g);

}  // namespace lanes::internal
