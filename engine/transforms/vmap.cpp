// The vmap pass (see vmap.h): a batching interpreter over a graph, emitting into a trace.
#include "engine/transforms/vmap.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "engine/ir/graph_identity.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/trace.h"
#include "runtime/check.h"
#include "runtime/nesting_guard.h"

namespace lanes::internal {

namespace {

thread_local std::string t_batch_axis_name;

// True for a collective over the axis the current vmap binds: its batching rule runs
// even when no operand is batched (axis_index has none; psum of an unbatched value
// multiplies it by the batch size).
bool names_batch_axis(const Equation& e) {
  if (t_batch_axis_name.empty() || !e.params.has("axis_name")) return false;
  const auto* name = std::get_if<std::string>(&e.params.at("axis_name"));
  return name != nullptr && *name == t_batch_axis_name;
}

AbstractValue with_batch_axis(AbstractValue a, std::int64_t dim, std::int64_t batch_size) {
  if (dim >= 0) a.shape.insert(a.shape.begin() + dim, batch_size);
  return a;
}

// Checks a rule's result against the primitive's unbatched shape rule: a rule that
// returns the wrong shape is a bug in Lanes, and is reported naming the primitive.
void check_rule_result(const Equation& e, const Graph& g, const BatchResult& r,
                       std::int64_t batch_size) {
  if (r.outputs.size() != e.outputs.size() || r.out_batch_dims.size() != e.outputs.size()) {
    LANES_FAIL("vmap: the batching rule of " + e.prim->name + " returned " +
               std::to_string(r.outputs.size()) + " outputs, expected " +
               std::to_string(e.outputs.size()));
  }
  for (std::size_t k = 0; k < e.outputs.size(); ++k) {
    AbstractValue want = with_batch_axis(g.aval(e.outputs[k]), r.out_batch_dims[k], batch_size);
    AbstractValue have = aval_of(r.outputs[k]);
    if (have.dtype != want.dtype || have.shape != want.shape) {
      LANES_FAIL("vmap: the batching rule of " + e.prim->name + " returned " + have.to_string() +
                 " for output " + std::to_string(k) + ", expected " + want.to_string() +
                 " (batch axis " + std::to_string(r.out_batch_dims[k]) + ")");
    }
  }
}

// Batched sub-graphs remembered while the outermost batching call on this thread runs.
// Loop rules batch a body several times with the same axes (batched_outputs for the carry
// fixed point, then vmap_graph), and each time the nested loops' rules do the same: without
// this, a loop nest of depth d is batched 2^d times. Entries are keyed by structure
// (graph_identity.h) and hold a copy of the graph they describe (its sub-graphs shared), so
// a freed graph whose address is reused never matches; the outermost call (the user's
// graph, possibly still changing) is not remembered.
struct MemoEntry {
  Graph graph;
  std::vector<std::int64_t> in_dims;
  std::int64_t batch_size = 0;
  std::string axis_name;
  std::optional<std::vector<std::int64_t>> out_dims;  // nullopt: a batched_outputs entry
  GraphRef batched;                                   // vmap_graph's result
  std::vector<bool> outputs_batched;                  // batched_outputs' result
};

struct Memo {
  int depth = 0;
  std::unordered_multimap<std::size_t, MemoEntry> entries;  // by structural hash
};
thread_local Memo t_memo;

class MemoScope {
 public:
  MemoScope() : outermost_(t_memo.depth++ == 0) {}
  ~MemoScope() {
    if (--t_memo.depth == 0) t_memo.entries.clear();
  }
  MemoScope(const MemoScope&) = delete;
  MemoScope& operator=(const MemoScope&) = delete;
  bool outermost() const { return outermost_; }

 private:
  bool outermost_;
};

const MemoEntry* memo_find(const Graph& g, std::span<const std::int64_t> in_dims,
                           std::int64_t batch_size,
                           const std::optional<std::vector<std::int64_t>>& out_dims) {
  auto [lo, hi] = t_memo.entries.equal_range(structural_hash(g));
  for (auto it = lo; it != hi; ++it) {
    const MemoEntry& m = it->second;
    if (m.batch_size == batch_size && m.out_dims == out_dims && m.axis_name == t_batch_axis_name &&
        std::equal(m.in_dims.begin(), m.in_dims.end(), in_dims.begin(), in_dims.end()) &&
        structural_equal(m.graph, g)) {
      return &m;
    }
  }
  return nullptr;
}

MemoEntry& memo_add(const Graph& g, std::span<const std::int64_t> in_dims, std::int64_t batch_size,
                    std::optional<std::vector<std::int64_t>> out_dims) {
  MemoEntry m;
  m.graph = g;
  m.in_dims.assign(in_dims.begin(), in_dims.end());
  m.batch_size = batch_size;
  m.axis_name = t_batch_axis_name;
  m.out_dims = std::move(out_dims);
  return t_memo.entries.emplace(structural_hash(g), std::move(m))->second;
}

Graph vmap_graph_uncached(const Graph& g, std::span<const std::int64_t> in_dims,
                          std::int64_t batch_size, std::span<const std::int64_t> out_dims,
                          const std::string& what);
std::vector<bool> batched_outputs_uncached(const Graph& g, std::span<const std::int64_t> in_dims,
                                           std::int64_t batch_size);

}  // namespace

BatchedValues batch_inline(const Graph& g, std::span<const Value> inputs,
                           std::span<const std::int64_t> in_dims, std::int64_t batch_size) {
  NestingGuard guard("vmap");  // control-flow rules batch sub-graphs through here
  if (inputs.size() != g.inputs.size() || in_dims.size() != g.inputs.size()) {
    LANES_FAIL("vmap: graph takes " + std::to_string(g.inputs.size()) + " inputs, got " +
               std::to_string(inputs.size()) + " values and " + std::to_string(in_dims.size()) +
               " batch axes");
  }
  std::vector<std::optional<Value>> env(g.vars.size());
  std::vector<std::int64_t> dim(g.vars.size(), -1);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto v = static_cast<std::size_t>(g.inputs[i]);
    env[v] = inputs[i];
    dim[v] = in_dims[i];
  }
  auto read = [&](const Atom& a) -> Value {
    if (a.is_literal()) return Value::from_literal(a.literal);
    return *env[static_cast<std::size_t>(a.var)];
  };
  auto read_dim = [&](const Atom& a) -> std::int64_t {
    return a.is_literal() ? -1 : dim[static_cast<std::size_t>(a.var)];
  };
  Tracer& t = current_tracer("vmap");
  MemoScope memo_scope;
  std::vector<Value> args;
  std::vector<std::int64_t> arg_dims;
  for (const Equation& e : g.eqns) {
    args.clear();
    arg_dims.clear();
    bool any = false;
    for (const Atom& a : e.inputs) {
      args.push_back(read(a));
      arg_dims.push_back(read_dim(a));
      any = any || arg_dims.back() >= 0;
    }
    BatchResult r;
    if (!any && !names_batch_axis(e)) {
      r.outputs = t.bind(*e.prim, args, e.params);
      r.out_batch_dims.assign(r.outputs.size(), -1);
    } else {
      if (!e.prim->batch.is_defined()) {
        throw UnsupportedError("vmap: " + e.prim->name + " has no batching rule (" +
                               e.prim->batch.reason + ")");
      }
      r = e.prim->batch.fn(args, arg_dims, batch_size, e.params);
      check_rule_result(e, g, r, batch_size);
    }
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      auto v = static_cast<std::size_t>(e.outputs[k]);
      env[v] = r.outputs[k];
      dim[v] = r.out_batch_dims[k];
    }
  }
  BatchedValues out;
  for (const Atom& a : g.outputs) {
    out.values.push_back(read(a));
    out.dims.push_back(read_dim(a));
  }
  return out;
}

Graph vmap_graph(const Graph& g, std::span<const std::int64_t> in_dims, std::int64_t batch_size,
                 std::span<const std::int64_t> out_dims, const std::string& what) {
  MemoScope scope;
  if (scope.outermost()) return vmap_graph_uncached(g, in_dims, batch_size, out_dims, what);
  std::optional<std::vector<std::int64_t>> key(std::in_place, out_dims.begin(), out_dims.end());
  if (const MemoEntry* m = memo_find(g, in_dims, batch_size, key)) return *m->batched;
  GraphRef r =
      std::make_shared<const Graph>(vmap_graph_uncached(g, in_dims, batch_size, out_dims, what));
  memo_add(g, in_dims, batch_size, std::move(key)).batched = r;
  return *r;
}

std::vector<bool> batched_outputs(const Graph& g, std::span<const std::int64_t> in_dims,
                                  std::int64_t batch_size) {
  MemoScope scope;
  if (scope.outermost()) return batched_outputs_uncached(g, in_dims, batch_size);
  if (const MemoEntry* m = memo_find(g, in_dims, batch_size, std::nullopt)) {
    return m->outputs_batched;
  }
  std::vector<bool> r = batched_outputs_uncached(g, in_dims, batch_size);
  memo_add(g, in_dims, batch_size, std::nullopt).outputs_batched = r;
  return r;
}

namespace {

Graph vmap_graph_uncached(const Graph& g, std::span<const std::int64_t> in_dims,
                          std::int64_t batch_size, std::span<const std::int64_t> out_dims,
                          const std::string& what) {
  if (out_dims.size() != g.outputs.size()) {
    LANES_FAIL("vmap_graph: " + std::to_string(out_dims.size()) + " out_dims for " +
               std::to_string(g.outputs.size()) + " outputs");
  }
  if (in_dims.size() != g.inputs.size()) {
    LANES_FAIL("vmap_graph: " + std::to_string(in_dims.size()) + " in_dims for " +
               std::to_string(g.inputs.size()) + " inputs");
  }
  std::vector<AbstractValue> avals;
  for (std::size_t i = 0; i < g.inputs.size(); ++i) {
    avals.push_back(with_batch_axis(g.aval(g.inputs[i]), in_dims[i], batch_size));
  }
  TracedGraph t = trace_graph(avals, [&](std::span<const Value> ins) {
    BatchedValues r = batch_inline(g, ins, in_dims, batch_size);
    std::vector<Value> outs;
    for (std::size_t k = 0; k < r.values.size(); ++k) {
      if (out_dims[k] < 0) {
        if (r.dims[k] >= 0) {
          throw ArgumentError(what + ": output " + std::to_string(k) +
                              " depends on a mapped argument (its per-element shape is " +
                              shape_to_string(per_element_shape(r.values[k], r.dims[k])) +
                              "), so out_axes[" + std::to_string(k) + "] cannot be none");
        }
        outs.push_back(r.values[k]);
      } else {
        outs.push_back(batch_at(r.values[k], r.dims[k], batch_size, out_dims[k]));
      }
    }
    return outs;
  });
  if (!t.captures.empty()) LANES_FAIL("vmap_graph: the batched graph captured values");
  return *t.graph;
}

std::vector<bool> batched_outputs_uncached(const Graph& g, std::span<const std::int64_t> in_dims,
                                           std::int64_t batch_size) {
  std::vector<AbstractValue> avals;
  for (std::size_t i = 0; i < g.inputs.size(); ++i) {
    avals.push_back(with_batch_axis(g.aval(g.inputs[i]), in_dims[i], batch_size));
  }
  std::vector<bool> result;
  trace_graph(avals, [&](std::span<const Value> ins) {
    BatchedValues r = batch_inline(g, ins, in_dims, batch_size);
    for (std::int64_t d : r.dims) result.push_back(d >= 0);
    return std::vector<Value>{};
  });
  return result;
}

}  // namespace

BatchAxisScope::BatchAxisScope(std::string name) : saved_(std::move(t_batch_axis_name)) {
  t_batch_axis_name = std::move(name);
}

BatchAxisScope::~BatchAxisScope() { t_batch_axis_name = std::move(saved_); }

const std::string& batch_axis_name() { return t_batch_axis_name; }

}  // namespace lanes::internal
