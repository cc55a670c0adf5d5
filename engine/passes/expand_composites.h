// Expands composite primitives before lowering: each equation whose primitive has
// LoweringKind::Composite is replaced by what its `expand` rule traces (in sub-graphs
// too), so lowering and every backend see only the primitives it expands to. The
// autodiff markers are composites (stop_gradient is its operand; custom_jvp and
// custom_vjp are their primal graph), and so are functions that JAX also lowers as
// their definition (logistic): jit fuses straight through them.
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph expand_composites(const Graph& g);

// Whether `g` (or a sub-graph of it) binds a composite, i.e. whether expand_composites would
// change it.
bool has_composites(const Graph& g);

}  // namespace lanes::internal
