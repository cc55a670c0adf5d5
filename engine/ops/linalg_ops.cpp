// The DSL's linear algebra: dot_general, dot (jnp.dot), matmul (jnp.matmul, with
// broadcast batch dims) and outer. Operands are promoted to a common dtype first;
// bool operands are contracted in i64 and the result converted back to bool (x != 0),
// which is the logical or-of-ands numpy gives for bool dot products.
#include <lanes/ops.h>

#include "engine/ops/axes.h"
#include "engine/ops/promotion.h"
#include "engine/trace.h"

namespace lanes {

namespace {

using internal::Params;

struct Promoted {
  Value a, b;
  bool was_bool;
};

Promoted promote_pair(const Value& a, const Value& b) {
  internal::AbstractValue avals[] = {internal::aval_of(a), internal::aval_of(b)};
  internal::AbstractValue t = internal::promote_types(avals);
  DType compute = t.dtype == DType::Bool ? DType::I64 : t.dtype;
  return {internal::cast_to(a, compute, t.weak), internal::cast_to(b, compute, t.weak),
          t.dtype == DType::Bool};
}

// dot_general on already promoted operands with normalized axes.
Value bind_dot(const Promoted& p, const Axes& lc, const Axes& rc, const Axes& lb, const Axes& rb) {
  Value r = internal::bind1(
      "dot_general", {p.a, p.b},
      Params{
          {"lhs_contracting", lc}, {"rhs_contracting", rc}, {"lhs_batch", lb}, {"rhs_batch", rb}});
  return p.was_bool ? astype(r, DType::Bool) : r;
}

void check_contracting(const char* fn, const Shape& a, std::int64_t ax, const Shape& b,
                       std::int64_t bx) {
  if (a[static_cast<std::size_t>(ax)] != b[static_cast<std::size_t>(bx)]) {
    throw ShapeError(std::string(fn) + ": contracting axis " + std::to_string(ax) + " of " +
                     shape_to_string(a) + " (extent " +
                     std::to_string(a[static_cast<std::size_t>(ax)]) + ") does not match axis " +
                     std::to_string(bx) + " of " + shape_to_string(b) + " (extent " +
                     std::to_string(b[static_cast<std::size_t>(bx)]) + ")");
  }
}

Axes normalized(const char* fn, const Axes& axes, const Shape& shape) {
  Axes r;
  for (std::int64_t a : axes) {
    r.push_back(internal::normalize_axis(fn, a, static_cast<std::int64_t>(shape.size()), shape));
  }
  return r;
}

Axes range(std::int64_t from, std::int64_t to) {
  Axes r;
  for (std::int64_t k = from; k < to; ++k) r.push_back(k);
  return r;
}

}  // namespace

Value dot_general(const Value& lhs, const Value& rhs, const Axes& lhs_contracting,
                  const Axes& rhs_contracting, const Axes& lhs_batch, const Axes& rhs_batch) {
  Shape ls = lhs.shape(), rs = rhs.shape();
  Promoted p = promote_pair(lhs, rhs);
  return bind_dot(p, normalized("dot_general", lhs_contracting, ls),
                  normalized("dot_general", rhs_contracting, rs),
                  normalized("dot_general", lhs_batch, ls),
                  normalized("dot_general", rhs_batch, rs));
}

Value dot(const Value& a, const Value& b) {
  Shape as = a.shape(), bs = b.shape();
  if (as.empty() || bs.empty()) return mul(a, b);  // jnp.dot of a scalar is a product
  // a's last axis against b's second-to-last (its only axis when b is a vector).
  auto ax = static_cast<std::int64_t>(as.size()) - 1;
  std::int64_t bx = bs.size() >= 2 ? static_cast<std::int64_t>(bs.size()) - 2 : 0;
  check_contracting("dot", as, ax, bs, bx);
  return bind_dot(promote_pair(a, b), {ax}, {bx}, {}, {});
}

Value matmul(const Value& a, const Value& b) {
  Shape as = a.shape(), bs = b.shape();
  if (as.empty() || bs.empty()) {
    throw ShapeError("matmul: operands must have rank >= 1, got " + shape_to_string(as) + " and " +
                     shape_to_string(bs));
  }
  auto ra = static_cast<std::int64_t>(as.size()), rb = static_cast<std::int64_t>(bs.size());
  std::int64_t bx = rb >= 2 ? rb - 2 : 0;
  check_contracting("matmul", as, ra - 1, bs, bx);
  Promoted p = promote_pair(a, b);
  // A vector operand has no batch dims: dot_general's (lhs free, rhs free) order is
  // already matmul's, with the vector's axis contracted away.
  if (ra == 1 || rb == 1 || rb == 2) return bind_dot(p, {ra - 1}, {bx}, {}, {});
  if (ra == 2) {
    // Result (M, batch..., N): move M next to N.
    Value r = bind_dot(p, {1}, {rb - 2}, {}, {});
    Axes perm = range(1, rb - 1);
    perm.push_back(0);
    perm.push_back(rb - 1);
    return transpose(r, perm);
  }
  Shape ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  if (ba != bb) {
    // Batch dims of different sizes or counts: broadcast both to the common batch shape.
    Shape shapes[] = {ba, bb};
    Shape batch = internal::broadcast_shapes("matmul", shapes);
    Shape ta = batch, tb = batch;
    ta.insert(ta.end(), as.end() - 2, as.end());
    tb.insert(tb.end(), bs.end() - 2, bs.end());
    p.a = internal::broadcast_value(p.a, ta, false);
    p.b = internal::broadcast_value(p.b, tb, false);
    ra = rb = static_cast<std::int64_t>(ta.size());
  }
  Axes batch_axes = range(0, ra - 2);
  return bind_dot(p, {ra - 1}, {rb - 2}, batch_axes, batch_axes);
}

Value outer(const Value& a, const Value& b) {
  // jnp.outer flattens its operands; no contracting axes makes each element a product.
  Value fa = reshape(a, {-1}), fb = reshape(b, {-1});
  return bind_dot(promote_pair(fa, fb), {}, {}, {}, {});
}

}  // namespace lanes
