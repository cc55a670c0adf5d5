// Structural identity of graphs: a hash and an equality that read a graph's variables,
// equations (primitive, operands, results, params) and outputs, and compare sub-graphs
// by their structure, not by address or printed text. CSE merges equations whose
// sub-graphs are structurally equal, and memo tables key sub-graphs by it.
//
// Both take time linear in the size of the graph (sub-graphs included) and use no
// recursion on its nesting depth. The hash is computed once per graph object and kept in
// it (Graph::hash_slot); equality short-circuits on identical objects and differing
// hashes, so comparing two unequal graphs is usually O(1) once both are hashed.
#pragma once

#include <cstddef>

#include "engine/ir/graph.h"

namespace lanes::internal {

// Mixes `value` into `seed` (boost's hash_combine with a 64-bit multiplier).
inline std::size_t hash_mix(std::size_t seed, std::size_t value) {
  return seed ^ (value * 0x9e3779b97f4a7c15ULL + 0x7f4a7c15ULL + (seed << 12) + (seed >> 4));
}

// Never 0. Equal graphs have equal hashes.
std::size_t structural_hash(const Graph& g);

// The same variables (avals, numbering), inputs, equations and outputs, sub-graphs
// compared in the same way.
bool structural_equal(const Graph& a, const Graph& b);

}  // namespace lanes::internal
