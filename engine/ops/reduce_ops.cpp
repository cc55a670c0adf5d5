// The DSL's reductions: sum prod max min mean argmax argmin, with numpy conventions
// (negative axes, no axes = all, bool sums and products counted in i64, integer means
// in f64) resolved before the reduce primitives are bound.
#include <lanes/ops.h>

#include "engine/ops/axes.h"
#include "engine/ops/promotion.h"
#include "engine/trace.h"

namespace lanes {

namespace {

using internal::Params;

Axes all_axes(const Value& x) {
  Axes a;
  for (int k = 0; k < x.rank(); ++k) a.push_back(k);
  return a;
}

Value reduce(const char* fn, const char* prim, const Value& x, const Axes& axes, bool bool_to_int) {
  internal::require_trace(fn);
  Axes norm = internal::normalize_axes(fn, axes, x.shape());
  // numpy counts bools as integers in sums and products.
  Value v = bool_to_int && x.dtype() == DType::Bool ? internal::cast_to(x, DType::I64) : x;
  if (norm.empty()) return v;
  return internal::bind1(prim, {v}, Params{{"axes", norm}});
}

Value arg_reduce(const char* fn, const char* prim, const Value& x, std::int64_t axis) {
  Shape s = x.shape();
  std::int64_t a = internal::normalize_axis(fn, axis, static_cast<std::int64_t>(s.size()), s);
  return internal::bind1(prim, {x}, Params{{"axis", a}, {"index_dtype", DType::I64}});
}

}  // namespace

Value sum(const Value& x) { return sum(x, all_axes(x)); }
Value sum(const Value& x, const Axes& axes) {
  return reduce("sum", "reduce_sum", x, axes.empty() ? all_axes(x) : axes, true);
}
Value prod(const Value& x) { return prod(x, all_axes(x)); }
Value prod(const Value& x, const Axes& axes) {
  return reduce("prod", "reduce_prod", x, axes.empty() ? all_axes(x) : axes, true);
}
Value max(const Value& x) { return max(x, all_axes(x)); }
Value max(const Value& x, const Axes& axes) {
  return reduce("max", "reduce_max", x, axes.empty() ? all_axes(x) : axes, false);
}
Value min(const Value& x) { return min(x, all_axes(x)); }
Value min(const Value& x, const Axes& axes) {
  return reduce("min", "reduce_min", x, axes.empty() ? all_axes(x) : axes, false);
}

Value mean(const Value& x) { return mean(x, all_axes(x)); }
Value mean(const Value& x, const Axes& axes) {
  Shape s = x.shape();
  Axes norm = internal::normalize_axes("mean", axes.empty() ? all_axes(x) : axes, s);
  std::int64_t count = 1;
  for (std::int64_t a : norm) count *= s[static_cast<std::size_t>(a)];
  // As jnp.mean: integers and bools average in f64 (floats keep their dtype).
  Value v = is_float(x.dtype()) ? x : internal::cast_to(x, DType::F64);
  Value total = norm.empty() ? v : internal::bind1("reduce_sum", {v}, Params{{"axes", norm}});
  // A weakly typed divisor keeps the sum's dtype (f32 stays f32). An empty mean is
  // 0/0 = NaN, as in numpy.
  return div(total, Value(static_cast<double>(count)));
}

Value argmax(const Value& x, std::int64_t axis) { return arg_reduce("argmax", "argmax", x, axis); }
Value argmin(const Value& x, std::int64_t axis) { return arg_reduce("argmin", "argmin", x, axis); }

}  // namespace lanes
