// vmap as a Graph -> Graph pass, and its building block for batching rules.
//
// The pass walks the graph like an interpreter whose values carry a batch axis (-1 for
// unbatched): an equation whose inputs are all unbatched is re-bound unchanged; any other
// calls its primitive's batching rule, which emits ordinary equations through bind(). So
// the result is an ordinary graph that every other pass (and vmap itself) accepts.
//
//   // g: (x:f64[3]) -> sum(sin(x));  vmap over a leading axis of 8:
//   Graph b = vmap_graph(g, /*in_dims=*/{0}, /*batch_size=*/8, /*out_dims=*/{0});
//   // b: (x:f64[8,3]) -> f64[8]
#pragma once

#include <lanes/value.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/ir/graph.h"

namespace lanes::internal {

// Batches `g` into the current trace: `inputs[i]` is batched along `in_dims[i]` (or
// unbatched for -1) with `batch_size` elements. Returns the outputs and their batch axes.
struct BatchedValues {
  std::vector<Value> values;
  std::vector<std::int64_t> dims;
};
BatchedValues batch_inline(const Graph& g, std::span<const Value> inputs,
                           std::span<const std::int64_t> in_dims, std::int64_t batch_size);

// The batched graph: input i of `g` gains an axis of `batch_size` at in_dims[i] (or stays
// as it is for -1); output i has its batch axis at out_dims[i] (non-negative), unbatched
// outputs being broadcast, or is unbatched for -1 — an ArgumentError, naming `what`, if
// that output depends on a batched input.
Graph vmap_graph(const Graph& g, std::span<const std::int64_t> in_dims, std::int64_t batch_size,
                 std::span<const std::int64_t> out_dims, const std::string& what = "vmap");

// Which outputs of `g` are batched when its inputs are batched as `in_dims` says.
std::vector<bool> batched_outputs(const Graph& g, std::span<const std::int64_t> in_dims,
                                  std::int64_t batch_size);

// The axis name of the vmap being applied on this thread ("" for none): collectives over
// it reduce over the batch (their batching rules read it), and the pass calls their rule
// even for unbatched operands. Sub-graph batching (control flow, pmap) inherits it.
class BatchAxisScope {
 public:
  explicit BatchAxisScope(std::string name);
  ~BatchAxisScope();
  BatchAxisScope(const BatchAxisScope&) = delete;
  BatchAxisScope& operator=(const BatchAxisScope&) = delete;

 private:
  std::string saved_;
};
const std::string& batch_axis_name();

}  // namespace lanes::internal
