// Forward-mode autodiff (JVP) as a Graph -> Graph pass, and its building blocks for the
// JVP rules of control flow.
//
// The pass walks the graph like an interpreter whose values carry a tangent, which may be
// a symbolic zero (std::nullopt: nothing is materialized for it). An equation whose inputs
// all have zero tangents is re-bound unchanged with zero output tangents; any other calls
// its primitive's JVP rule (engine/primitive.h), which emits ordinary equations through
// bind(). So the result is an ordinary graph that jit, vmap and jvp itself accept.
// Integer and bool values always have zero tangents.
//
//   // g: (x:f64[3]) -> sum(sin(x))
//   Graph d = jvp_full_graph(g, g.input_avals());
//   // d: (x:f64[3], t:f64[3]) -> (sum(sin(x)), sum(cos(x) * t))
#pragma once

#include <lanes/value.h>

#include <span>
#include <vector>

#include "engine/ir/graph.h"
#include "engine/primitive.h"

namespace lanes::internal {

// Differentiates `g` into the current trace: `tangents[i]` is the tangent of `primals[i]`
// (nullopt: zero; ignored for integer and bool inputs). Returns the outputs and their
// tangents (nullopt: zero).
struct JvpValues {
  std::vector<Value> primals;
  std::vector<Tangent> tangents;
};
JvpValues jvp_inline(const Graph& g, std::span<const Value> primals,
                     std::span<const Tangent> tangents);

// The JVP graph of `g` for a pattern of nonzero input tangents, as control-flow rules need
// it. Inputs: g's inputs, then a tangent for each input i with nonzero[i] (which must be a
// float input). Outputs: g's outputs, then a tangent for each output k with out_nonzero[k]
// — the outputs with a nonzero tangent, plus the float outputs in `instantiate` (their
// zero tangents materialized).
struct JvpGraph {
  GraphRef graph;
  std::vector<bool> out_nonzero;
};
JvpGraph jvp_graph(const Graph& g, const std::vector<bool>& nonzero,
                   const std::vector<bool>& instantiate);

// The JVP of `g` with every tangent explicit: inputs (x..., tx...) where tx_i has the
// aval tangent_avals[i] (dtype and shape of x_i; integer tangents are ignored), outputs
// (y..., ty...) with zero tangents materialized (integer outputs get integer zeros).
Graph jvp_full_graph(const Graph& g, std::span<const AbstractValue> tangent_avals);

}  // namespace lanes::internal
