// Reverse-mode autodiff (vjp) as a Graph -> Graph pass, and its building block for the
// VJP rules of control flow.
//
// From f: (x...) -> (y...) the pass builds (x..., ct_y...) -> (y..., ct_x...): it re-binds
// the forward equations (their outputs are the residuals), then walks the equations
// backwards calling each primitive's VJP rule (engine/primitive.h, VjpFn), accumulating
// cotangents with add. Cotangents are symbolic zeros (nullopt) until something flows in,
// and are only materialized where a graph output needs a value. An equation whose
// outputs carry no cotangent, or none of whose inputs leads to a differentiated input,
// is skipped; only float values carry cotangents. Rules emit ordinary equations through
// bind(), so the result is an ordinary graph: vjp of it (grad of grad), vmap and jit all
// apply.
//
//   // g: (x:f64[3]) -> sum(sin(x))
//   Graph b = vjp_graph(g, /*wants=*/{true});
//   // b: (x:f64[3], ct:f64[]) -> (sum(sin(x)), ct * cos(x))
#pragma once

#include <lanes/value.h>

#include <optional>
#include <span>
#include <vector>

#include "engine/ir/graph.h"
#include "engine/primitive.h"

namespace lanes::internal {

// Evaluates `g` on `primals` into the current trace and pulls `out_cts` (one per output of
// g, nullopt for a zero) back to its inputs. `wants[i]` says whether input i needs a
// cotangent (empty: all float inputs). Returns the outputs and one cotangent per input
// (nullopt: zero, or not wanted).
struct VjpValues {
  std::vector<Value> outputs;
  std::vector<Cotangent> input_cts;
};
VjpValues vjp_inline(const Graph& g, std::span<const Value> primals,
                     std::span<const Cotangent> out_cts, const std::vector<bool>& wants = {});

// The reverse graph: inputs (x..., ct_y...), one cotangent input per output of `g` with
// that output's dtype and shape (ignored for non-float outputs); outputs (y..., ct_x...)
// with a cotangent (zeros where nothing flows) for each input i with wants[i], in order.
// With `with_primal_outputs` false the y... are left out (a pullback).
Graph vjp_graph(const Graph& g, const std::vector<bool>& wants, bool with_primal_outputs = true);

// Zeros with the dtype and shape of `like` (a materialized symbolic zero).
Value zeros_of(const AbstractValue& like);

}  // namespace lanes::internal
