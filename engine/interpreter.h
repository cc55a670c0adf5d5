// The reference interpreter: evaluates a Graph on concrete Arrays, equation by equation,
// with each primitive's reference implementation. It is the oracle every other path
// (jit, transformations) is tested against.
#pragma once

#include "engine/ir/graph.h"

#include <span>
#include <vector>

namespace lanes::internal {

// Evaluates `g` on `inputs` (dtypes and shapes must match the graph's inputs; checked).
std::vector<Array> interpret(const Graph& g, std::span<const Array> inputs);

// A literal as a 0-d array.
Array literal_array(const Literal& l);

}  // namespace lanes::internal
