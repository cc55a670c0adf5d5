// The collectives family: psum, pmean, pmax, pmin, all_gather, ppermute and axis_index,
// each with an `axis_name` param naming the mapped axis it works across.
//
// Reference implementations run through the replica context of the calling thread
// (runtime/replica_context.h): under pmap they call the Communicator of the replica's
// axis; with no binding of the name they throw AxisNameError. jit lowers them as host
// steps (LoweringKind::Host), so a collective is a kernel boundary and the compiled
// per-replica program calls the same implementation.
//
// Under vmap(f, ..., axis_name) a collective over that name is batched by its rule into
// a reduction over the batch axis (JAX semantics); over another name it stays a
// collective acting on the batched value. Autodiff: psum, pmean, all_gather and ppermute
// are linear; their transposes are psum, pmean, "psum then take this replica's block"
// and ppermute by the inverse permutation. pmax/pmin pass the tangent (cotangent) of the
// replicas holding the extreme, split equally between ties (as reduce_max).
#include <lanes/ops.h>

#include <algorithm>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/primitives/vjp_helpers.h"
#include "engine/trace.h"
#include "engine/transforms/vmap.h"
#include "runtime/replica_context.h"

namespace lanes::internal {

namespace {

using Ints = std::vector<std::int64_t>;

const std::string& axis_name_of(const Params& p) { return p.get<std::string>("axis_name"); }

const AxisBinding& bound_axis(const std::string& prim, const Params& p) {
  const AxisBinding* b = find_replica_axis(axis_name_of(p));
  if (b == nullptr) {
    throw AxisNameError(prim + ": unbound axis name '" + axis_name_of(p) +
                        "' (no enclosing pmap or vmap binds it)");
  }
  return *b;
}

Value bind_like(const std::string& prim, const Value& x, const Params& p) {
  return bind1(primitive(prim), std::span<const Value>(&x, 1), p);
}

// --- shape rules ---------------------------------------------------------------------

AbstractEvalFn same_aval_rule(std::string prim, DTypeSet accepted) {
  return [prim, accepted](std::span<const AbstractValue> in, const Params&) -> AvalList {
    check_arity(prim, in, 1);
    check_dtype_in(prim, in, 0, accepted);
    return {in[0]};
  };
}

// The shape of all_gather's result: n inserted at `axis`, or axis multiplied by n (tiled).
Shape gathered_shape(const Shape& s, std::int64_t axis, bool tiled, std::int64_t n) {
  Shape out = s;
  if (tiled) {
    out[static_cast<std::size_t>(axis)] *= n;
  } else {
    out.insert(out.begin() + axis, n);
  }
  return out;
}

AvalList all_gather_eval(std::span<const AbstractValue> in, const Params& p) {
  check_arity("all_gather", in, 1);
  check_dtype_in("all_gather", in, 0, kAnyTypes);
  const std::int64_t axis = p.get_int("axis"), n = p.get_int("axis_size");
  const bool tiled = p.get<bool>("tiled");
  const std::int64_t limit = tiled ? in[0].rank() - 1 : in[0].rank();
  if (axis < 0 || axis > limit) {
    throw ShapeError("all_gather: axis " + std::to_string(axis) + " is out of range for operand " +
                     in[0].to_string() + (tiled ? " (tiled)" : ""));
  }
  return {{in[0].dtype, gathered_shape(in[0].shape, axis, tiled, n), in[0].weak}};
}

// --- reference implementations ------------------------------------------------------

ImplFn reduce_impl(std::string prim, ReduceOp op, bool mean) {
  return [prim, op, mean](std::span<const Array> in, const Params& p) -> std::vector<Array> {
    const AxisBinding& b = bound_axis(prim, p);
    Array out = Array::empty(in[0].dtype(), in[0].shape());
    b.comm->all_reduce(b.rank, in[0].dtype(), op, in[0].raw(), out.raw(),
                       static_cast<std::size_t>(in[0].size()), prim.c_str());
    if (mean) {
      visit_dtype(out.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T>) {
          for (T& v : out.mutable_data<T>()) v = v / static_cast<T>(b.size);
        }
      });
    }
    return {out};
  };
}

std::vector<Array> all_gather_impl(std::span<const Array> in, const Params& p) {
  const AxisBinding& b = bound_axis("all_gather", p);
  const Array& x = in[0];
  Shape stacked = x.shape();
  stacked.insert(stacked.begin(), b.size);
  Array g = Array::empty(x.dtype(), stacked);
  b.comm->all_gather(b.rank, x.dtype(), x.raw(), g.raw(), static_cast<std::size_t>(x.size()),
                     "all_gather");
  const std::int64_t axis = p.get_int("axis");
  g = move_array_axis(g, 0, axis);
  if (p.get<bool>("tiled")) g = g.reshaped(gathered_shape(x.shape(), axis, true, b.size));
  return {g};
}

std::vector<std::pair<int, int>> perm_pairs(const Params& p) {
  const Ints& flat = p.get_ints("perm");
  std::vector<std::pair<int, int>> pairs;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
    pairs.emplace_back(static_cast<int>(flat[i]), static_cast<int>(flat[i + 1]));
  }
  return pairs;
}

std::vector<Array> ppermute_impl(std::span<const Array> in, const Params& p) {
  const AxisBinding& b = bound_axis("ppermute", p);
  Array out = Array::empty(in[0].dtype(), in[0].shape());
  b.comm->ppermute(b.rank, in[0].dtype(), in[0].raw(), out.raw(),
                   static_cast<std::size_t>(in[0].size()), perm_pairs(p), "ppermute");
  return {out};
}

std::vector<Array> axis_index_impl(std::span<const Array>, const Params& p) {
  return {Array::scalar(static_cast<std::int32_t>(bound_axis("axis_index", p).rank))};
}

// --- batching rules -----------------------------------------------------------------

bool over_batch(const Params& p) {
  return !batch_axis_name().empty() && axis_name_of(p) == batch_axis_name();
}

// x with its batch at axis 0 (broadcast there when unbatched).
Value batch_first(const Value& x, std::int64_t bdim, std::int64_t n) {
  return batch_at(x, bdim, n, 0);
}

Rule<BatchFn> reduce_batch_rule(std::string prim, const char* reduction, bool mean) {
  return Rule<BatchFn>::defined([prim, reduction, mean](std::span<const Value> in,
                                                        std::span<const std::int64_t> dims,
                                                        std::int64_t n, const Params& p) {
    if (!over_batch(p)) return BatchResult{{bind_like(prim, in[0], p)}, {dims[0]}};
    Value x = batch_first(in[0], dims[0], n);
    Value r = bind1(primitive(reduction), std::span<const Value>(&x, 1), Params{{"axes", Ints{0}}});
    if (mean) r = r / static_cast<double>(n);
    return BatchResult{{r}, {-1}};
  });
}

Rule<BatchFn> all_gather_batch_rule() {
  return Rule<BatchFn>::defined([](std::span<const Value> in, std::span<const std::int64_t> dims,
                                   std::int64_t n, const Params& p) {
    Value x = batch_first(in[0], dims[0], n);
    const std::int64_t axis = p.get_int("axis");
    if (!over_batch(p)) {
      Params q = p;
      q.set("axis", axis + 1);
      return BatchResult{{bind_like("all_gather", x, q)}, {0}};
    }
    // The batch is the gathered axis: put it where the result has it.
    Shape per_element = x.shape();
    per_element.erase(per_element.begin());
    Value g = move_batch_axis(x, 0, axis);
    if (p.get<bool>("tiled")) g = lanes::reshape(g, gathered_shape(per_element, axis, true, n));
    return BatchResult{{g}, {-1}};
  });
}

Rule<BatchFn> ppermute_batch_rule() {
  return Rule<BatchFn>::defined([](std::span<const Value> in, std::span<const std::int64_t> dims,
                                   std::int64_t n, const Params& p) {
    if (!over_batch(p)) return BatchResult{{bind_like("ppermute", in[0], p)}, {dims[0]}};
    Value x = batch_first(in[0], dims[0], n);
    Shape s = x.shape();
    Shape one = s;
    one[0] = 1;
    std::vector<Value> rows;
    auto pairs = perm_pairs(p);
    for (std::int64_t d = 0; d < n; ++d) {
      auto it = std::find_if(pairs.begin(), pairs.end(), [&](auto& sd) { return sd.second == d; });
      if (it == pairs.end()) {
        rows.push_back(lanes::full(x.dtype(), one, 0.0));
      } else {
        Ints lo(s.size(), 0), hi = s;
        lo[0] = it->first;
        hi[0] = it->first + 1;
        rows.push_back(lanes::slice(x, lo, hi));
      }
    }
    return BatchResult{{lanes::concatenate(rows, 0)}, {0}};
  });
}

Rule<BatchFn> axis_index_batch_rule() {
  return Rule<BatchFn>::defined(
      [](std::span<const Value>, std::span<const std::int64_t>, std::int64_t n, const Params& p) {
        if (!over_batch(p)) {
          return BatchResult{{bind1(primitive("axis_index"), std::span<const Value>(), p)}, {-1}};
        }
        return BatchResult{{lanes::iota(DType::I32, {n}, 0)}, {0}};
      });
}

// --- autodiff rules -----------------------------------------------------------------

Params axis_params(const Params& p) { return Params{{"axis_name", axis_name_of(p)}}; }

// The replicas holding the extreme y of x, as 0/1 of x's dtype, and how many there are.
std::pair<Value, Value> extreme_mask(const Value& x, const Value& y, const Params& p) {
  Value mask = lanes::astype(lanes::eq(x, y), x.dtype());
  return {mask, bind_like("psum", mask, axis_params(p))};
}

Rule<JvpFn> extreme_jvp(std::string prim) {
  return Rule<JvpFn>::defined(
      [prim](std::span<const Value> x, std::span<const Tangent> t, const Params& p) {
        Value y = bind_like(prim, x[0], p);
        auto [mask, count] = extreme_mask(x[0], y, p);
        Value ty = bind_like("psum", instantiate(t[0], x[0]) * mask, axis_params(p)) / count;
        return JvpResult{{y}, {ty}};
      });
}

Rule<VjpFn> extreme_vjp() {
  return Rule<VjpFn>::defined([](std::span<const Value> x, std::span<const Value> y,
                                 std::span<const Cotangent> ct, const Params& p) {
    auto [mask, count] = extreme_mask(x[0], y[0], p);
    Value total = bind_like("psum", *ct[0], axis_params(p));
    return std::vector<Cotangent>{total * mask / count};
  });
}

Rule<VjpFn> self_transpose_vjp(std::string prim) {
  return Rule<VjpFn>::defined(
      [prim](std::span<const Value>, std::span<const Value>, std::span<const Cotangent> ct,
             const Params& p) { return std::vector<Cotangent>{bind_like(prim, *ct[0], p)}; });
}

Rule<VjpFn> ppermute_vjp() {
  return Rule<VjpFn>::defined([](std::span<const Value>, std::span<const Value>,
                                 std::span<const Cotangent> ct, const Params& p) {
    Ints inverse;
    const Ints& flat = p.get_ints("perm");
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
      inverse.push_back(flat[i + 1]);
      inverse.push_back(flat[i]);
    }
    Params q = p;
    q.set("perm", inverse);
    return std::vector<Cotangent>{bind_like("ppermute", *ct[0], q)};
  });
}

// all_gather's transpose (a psum-scatter): every replica's cotangent for the gathered
// block of replica r is summed, and replica r keeps block r.
Rule<VjpFn> all_gather_vjp() {
  return Rule<VjpFn>::defined([](std::span<const Value> x, std::span<const Value>,
                                 std::span<const Cotangent> ct, const Params& p) {
    const std::int64_t axis = p.get_int("axis"), n = p.get_int("axis_size");
    Value total = bind_like("psum", *ct[0], axis_params(p));
    Shape split = x[0].shape();
    split.insert(split.begin() + axis, n);  // the tiled form splits axis into [n, extent]
    total = lanes::reshape(total, split);
    Value me = bind1(primitive("axis_index"), std::span<const Value>(), axis_params(p));
    Value onehot = lanes::astype(lanes::eq(lanes::iota(DType::I32, {n}, 0), me), x[0].dtype());
    Value picked = total * lanes::broadcast_in_dim(onehot, split, {axis});
    return std::vector<Cotangent>{lanes::sum(picked, {axis})};
  });
}

Primitive collective(std::string name, AbstractEvalFn eval, ImplFn impl) {
  Primitive p;
  p.name = std::move(name);
  p.family = "collectives";
  p.abstract_eval = std::move(eval);
  p.impl = std::move(impl);
  p.lowering = LoweringKind::Host;
  return p;
}

}  // namespace

void register_collectives() {
  struct Reduction {
    const char* name;
    ReduceOp op;
    bool mean;
    const char* reduction;
    DTypeSet accepted;
  };
  const Reduction reductions[] = {
      {"psum", ReduceOp::Sum, false, "reduce_sum", kNumericTypes},
      {"pmean", ReduceOp::Sum, true, "reduce_sum", kFloatTypes},
      {"pmax", ReduceOp::Max, false, "reduce_max", kNumericTypes},
      {"pmin", ReduceOp::Min, false, "reduce_min", kNumericTypes},
  };
  for (const Reduction& r : reductions) {
    Primitive p =
        collective(r.name, same_aval_rule(r.name, r.accepted), reduce_impl(r.name, r.op, r.mean));
    p.batch = reduce_batch_rule(r.name, r.reduction, r.mean);
    const bool linear = r.op == ReduceOp::Sum;
    p.jvp = linear ? linear_jvp_rule(r.name) : extreme_jvp(r.name);
    p.vjp = linear ? self_transpose_vjp(r.name) : extreme_vjp();
    register_primitive(std::move(p));
  }

  Primitive gather = collective("all_gather", all_gather_eval, all_gather_impl);
  gather.batch = all_gather_batch_rule();
  gather.jvp = linear_jvp_rule("all_gather");
  gather.vjp = all_gather_vjp();
  register_primitive(std::move(gather));

  Primitive perm = collective("ppermute", same_aval_rule("ppermute", kAnyTypes), ppermute_impl);
  perm.batch = ppermute_batch_rule();
  perm.jvp = linear_jvp_rule("ppermute");
  perm.vjp = ppermute_vjp();
  register_primitive(std::move(perm));

  Primitive index = collective(
      "axis_index",
      [](std::span<const AbstractValue> in, const Params&) -> AvalList {
        check_arity("axis_index", in, 0);
        return {{DType::I32, {}, false}};
      },
      axis_index_impl);
  index.batch = axis_index_batch_rule();
  index.jvp = zero_jvp_rule("axis_index");
  index.vjp = zero_vjp();
  register_primitive(std::move(index));
}

}  // namespace lanes::internal
