// Small helpers shared by the graph passes: substituting atoms for variables, applying a
// pass to the sub-graphs held in an equation's params, and renumbering variables densely.
#pragma once

#include <optional>
#include <vector>

#include "engine/ir/graph.h"

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
// A sub-graph object met again during the same outermost call (transforms share
// sub-graphs: grad's branches hold the primal's nested graphs too) is mapped once and its
// result shared, so a pass over nested control flow takes time linear in the number of
// distinct sub-graphs, not in the size of the tree they unfold to. The sub-graphs are
// mapped innermost first by an explicit walk, so a pass built on this uses no stack per
// level of nesting.
using GraphPass = Graph (*)(const Graph&);
Params map_subgraphs(const Params& params, GraphPass pass);

// The same graph with variables renumbered 0.. in order of definition, unused ones dropped.
Graph renumber(const Graph& g);

}  // namespace lanes::internal
