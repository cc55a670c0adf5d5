// Small helpers shared by the graph passes: substituting atoms for variables, applying a
// pass to the sub-graphs held in an equation's params, and renumbering variables densely.
#pragma once

#include "engine/ir/graph.h"

#include <functional>
#include <optional>
#include <vector>

namespace lanes::internal {

// Maps variables of a graph to replacement atoms while a pass rebuilds it.
class Substitution {
 public:
  explicit Substitution(std::size_t num_vars) : map_(num_vars) {}
  void set(int var, const Atom& replacement) { map_[static_cast<std::size_t>(var)] = replacement; }
  Atom apply(const Atom& a) const {
    if (a.is_literal()) return a;
    const auto& r = map_[static_cast<std::size_t>(a.var)];
    return r ? *r : a;
  }

 private:
  std::vector<std::optional<Atom>> map_;
};

// Params with `pass` applied to every sub-graph (GraphRef and vector<GraphRef> entries).
Params map_subgraphs(const Params& params, const std::function<Graph(const Graph&)>& pass);

// The same graph with variables renumbered 0.. in order of definition, unused ones dropped.
Graph renumber(const Graph& g);

}  // namespace lanes::internal
