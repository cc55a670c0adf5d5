// Test helpers for tests that look at traced graphs: the graph of a Fn at given arguments,
// and how many equations of a primitive a graph holds (sub-graphs not included).
#pragma once

#include <lanes/lanes.h>

#include <string>
#include <vector>

#include "engine/ir/graph.h"
#include "engine/primitive.h"
#include "frontend/fn_impl.h"

namespace lanes::testing {

inline internal::Graph traced_graph(const Fn& f, const std::vector<Array>& args) {
  internal::Signature sig;
  for (const Array& a : args) sig.push_back(internal::aval_of(a));
  return *f.impl()->graph_for(sig);
}

inline int count_prim(const internal::Graph& g, const std::string& prim) {
  int n = 0;
  for (const auto& e : g.eqns) n += e.prim->name == prim;
  return n;
}

}  // namespace lanes::testing
