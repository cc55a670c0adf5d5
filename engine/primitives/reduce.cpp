// The reduce family: reduce_sum, reduce_prod, reduce_max, reduce_min over a sorted list of
// axes (removed from the shape), and argmax/argmin along one axis.
//
// Reference semantics: float sums and products accumulate in double and round once at
// the end (so the f32 result is a good oracle for jit's f32 accumulation); integers wrap
// as two's complement. max/min combine as the Max/Min ScalarOps (scalar_combine): a NaN
// gives the canonical quiet NaN, and -0 < +0 (max(-0, +0) = +0, min(-0, +0) = -0 whatever
// the order). Empty reductions give the identity (sum 0, prod 1, max -inf or the lowest int,
// min +inf or the highest int). argmax and argmin return the first index of equal extremes,
// and a NaN counts as the extreme (numpy).
#include <lanes/ops.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "codegen/scalar_reference.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/index_math.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/primitives/vjp_helpers.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {

using Ints = std::vector<std::int64_t>;

enum class Monoid { Sum, Prod, Max, Min };

void check_one_operand(const std::string& prim, std::span<const AbstractValue> in) {
  if (in.size() != 1) {
    throw ArgumentError(prim + ": takes 1 operand, got " + std::to_string(in.size()));
  }
}

// `combine` folds the reduced elements; `arg`: the result is the extreme's index.
Primitive reduction(const std::string& name, ScalarOp combine, bool arg) {
  Primitive p;
  p.name = name;
  p.family = "reduce";
  p.lowering = LoweringKind::Reduction;
  p.reduction = {combine, arg};
  return p;
}

constexpr ScalarOp combine_of(Monoid m) {
  switch (m) {
    case Monoid::Sum: return ScalarOp::Add;
    case Monoid::Prod: return ScalarOp::Mul;
    case Monoid::Max: return ScalarOp::Max;
    case Monoid::Min: return ScalarOp::Min;
  }
  return ScalarOp::None;
}

// vmap: the reduced axes shift past the batch axis, which stays (moved left by the
// reduced axes before it).
Rule<BatchFn> monoid_batch_rule(const std::string& name) {
  return Rule<BatchFn>::defined([name](std::span<const Value> in,
                                       std::span<const std::int64_t> dims, std::int64_t,
                                       const Params& params) {
    std::int64_t d = dims[0], out = dims[0];
    Ints axes;
    for (std::int64_t a : params.get_ints("axes")) {
      axes.push_back(batched_axis(a, d));
      if (axes.back() < d) --out;
    }
    return BatchResult{{bind1(primitive(name), in, Params{{"axes", axes}})}, {out}};
  });
}

Rule<BatchFn> arg_batch_rule(const std::string& name) {
  return Rule<BatchFn>::defined([name](std::span<const Value> in,
                                       std::span<const std::int64_t> dims, std::int64_t,
                                       const Params& params) {
    std::int64_t d = dims[0];
    std::int64_t axis = batched_axis(params.get_int("axis"), d);
    Params p = params;
    p.set("axis", axis);
    return BatchResult{{bind1(primitive(name), in, std::move(p))}, {axis < d ? d - 1 : d}};
  });
}

// The shape with the (already validated) axes removed.
Shape reduced_shape(const Shape& shape, const Ints& axes) {
  Shape out;
  std::size_t next = 0;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (next < axes.size() && axes[next] == static_cast<std::int64_t>(k)) {
      ++next;
    } else {
      out.push_back(shape[k]);
    }
  }
  return out;
}

// The ScalarOp that combines a reduction (its semantics and identity are the table's,
// codegen/scalar_reference.h).
template <Monoid M>
constexpr ScalarOp combine_op() {
  if constexpr (M == Monoid::Sum) return ScalarOp::Add;
  if constexpr (M == Monoid::Prod) return ScalarOp::Mul;
  if constexpr (M == Monoid::Max) return ScalarOp::Max;
  return ScalarOp::Min;
}

// The accumulator of a reduction over values of type T: double for float sums and products
// (rounded at the end), T otherwise (integers wrap).
template <class T, Monoid M>
using Acc =
    std::conditional_t<(M == Monoid::Sum || M == Monoid::Prod) && std::is_floating_point_v<T>,
                       double, T>;

template <class T, Monoid M>
Acc<T, M> identity() {
  return scalar_identity<Acc<T, M>>(combine_op<M>());
}

template <class T, Monoid M>
Acc<T, M> combine(Acc<T, M> acc, T v) {
  return scalar_combine<combine_op<M>()>(acc, static_cast<Acc<T, M>>(v));
}

template <class T, Monoid M>
Array reduce_impl(const Array& x, const Ints& axes) {
  Shape out_shape = reduced_shape(x.shape(), axes);
  Array out = Array::empty(x.dtype(), out_shape);
  std::vector<Acc<T, M>> acc(static_cast<std::size_t>(out.size()), identity<T, M>());
  // Output stride of each input axis; reduced axes do not move the output position.
  Ints out_strides = row_major_strides(out_shape);
  Ints step(x.shape().size(), 0);
  for (std::size_t k = 0, o = 0, next = 0; k < step.size(); ++k) {
    if (next < axes.size() && axes[next] == static_cast<std::int64_t>(k)) {
      ++next;
    } else {
      step[k] = out_strides[o++];
    }
  }
  const T* src = static_cast<const T*>(x.raw());
  if (x.size() > 0) {
    Ints idx(x.shape().size(), 0);
    std::int64_t flat = 0;
    do {
      std::int64_t o = 0;
      for (std::size_t k = 0; k < idx.size(); ++k) o += idx[k] * step[k];
      auto i = static_cast<std::size_t>(o);
      acc[i] = combine<T, M>(acc[i], src[flat++]);
    } while (next_index(idx, x.shape()));
  }
  T* dst = static_cast<T*>(out.raw());
  for (std::size_t i = 0; i < acc.size(); ++i) dst[i] = static_cast<T>(acc[i]);
  return out;
}

template <Monoid M>
Primitive monoid_reduction(const std::string& name) {
  Primitive p = reduction(name, combine_of(M), /*arg=*/false);
  p.batch = monoid_batch_rule(name);
  p.abstract_eval = [name](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_one_operand(name, in);
    const Ints& axes = params.get_ints("axes");
    check_axis_list(name, "axes", axes, in[0].shape);
    for (std::size_t i = 1; i < axes.size(); ++i) {
      if (axes[i] < axes[i - 1]) {
        throw ShapeError(name + ": axes " + ints_to_string(axes) +
                         " must be sorted (operand shape " + shape_to_string(in[0].shape) + ")");
      }
    }
    if ((M == Monoid::Sum || M == Monoid::Prod) && in[0].dtype == DType::Bool) {
      throw DTypeError(name + ": operand " + in[0].to_string() +
                       " is bool; convert it to an integer dtype first");
    }
    return {{in[0].dtype, reduced_shape(in[0].shape, axes), in[0].weak}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    const Ints& axes = params.get_ints("axes");
    return {visit_dtype(in[0].dtype(), [&](auto t) -> Array {
      using T = decltype(t);
      if constexpr (std::is_same_v<T, bool> && (M == Monoid::Sum || M == Monoid::Prod)) {
        throw DTypeError("reduction of bool operands is not supported");
      } else {
        return reduce_impl<T, M>(in[0], axes);
      }
    })};
  };
  return p;
}

// --- argmax / argmin ----------------------------------------------------------------

// True if `v` should replace the current extreme `best` (strictly better, or the first NaN).
template <class T, bool IsMax>
bool better(T v, T best) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(best)) return false;
    if (std::isnan(v)) return true;
  }
  if constexpr (IsMax) return v > best;
  return v < best;
}

template <class T, bool IsMax>
Array arg_impl(const Array& x, std::size_t axis, DType index_dtype) {
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1, n = shape[axis];
  for (std::size_t k = 0; k < axis; ++k) outer *= shape[k];
  for (std::size_t k = axis + 1; k < shape.size(); ++k) inner *= shape[k];
  Shape out_shape = shape;
  out_shape.erase(out_shape.begin() + static_cast<std::ptrdiff_t>(axis));
  Array out = Array::empty(index_dtype, out_shape);
  const T* src = static_cast<const T*>(x.raw());
  visit_dtype(index_dtype, [&](auto it) {
    using I = decltype(it);
    I* dst = static_cast<I*>(out.raw());
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        std::int64_t best_k = 0;
        T best = src[o * n * inner + i];
        for (std::int64_t k = 1; k < n; ++k) {
          T v = src[(o * n + k) * inner + i];
          if (better<T, IsMax>(v, best)) {
            best = v;
            best_k = k;
          }
        }
        dst[o * inner + i] = static_cast<I>(best_k);
      }
    }
  });
  return out;
}

template <bool IsMax>
Primitive arg_reduction(const std::string& name) {
  Primitive p = reduction(name, IsMax ? ScalarOp::Max : ScalarOp::Min, /*arg=*/true);
  p.batch = arg_batch_rule(name);
  p.abstract_eval = [name](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_one_operand(name, in);
    std::int64_t axis = params.get_int("axis");
    DType index_dtype = params.get<DType>("index_dtype");
    const Shape& shape = in[0].shape;
    check_axis_list(name, "axis", {axis}, shape);
    if (shape[static_cast<std::size_t>(axis)] == 0) {
      throw ShapeError(name + ": axis " + std::to_string(axis) + " of operand shape " +
                       shape_to_string(shape) + " is empty; the extreme of no values is undefined");
    }
    if (!is_int(index_dtype)) {
      throw DTypeError(name + ": index_dtype must be i32 or i64, got " +
                       std::string(dtype_name(index_dtype)));
    }
    Shape out = shape;
    out.erase(out.begin() + axis);
    return {{index_dtype, out, false}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    auto axis = static_cast<std::size_t>(params.get_int("axis"));
    DType index_dtype = params.get<DType>("index_dtype");
    return {visit_dtype(in[0].dtype(), [&](auto t) {
      return arg_impl<decltype(t), IsMax>(in[0], axis, index_dtype);
    })};
  };
  return p;
}

// --- VJP rules ---
// The cotangent of a reduction is broadcast back over the reduced axes. reduce_prod is
// zero-safe: with no zero in a group the derivative is prod / x; with exactly one zero it
// is the product of the others at the zero (and 0 elsewhere); with more it is 0.
// reduce_max/min share the cotangent equally among the positions equal to the extreme
// (ties split, as JAX's reduce chooser rule). argmax/argmin have integer results and no
// cotangent to propagate.

// g (the reduced shape) broadcast back to x's shape.
Value unreduce(const Value& g, const Value& x, const Ints& axes) {
  Ints kept;
  for (std::int64_t k = 0, next = 0; k < x.rank(); ++k) {
    if (next < static_cast<std::int64_t>(axes.size()) &&
        axes[static_cast<std::size_t>(next)] == k) {
      ++next;
    } else {
      kept.push_back(k);
    }
  }
  return lanes::broadcast_in_dim(g, x.shape(), kept);
}

// sum: linear, its transpose broadcasts the cotangent back.
Value sum_transpose(const Value& ct, const Value& x, const Params& p) {
  return unreduce(ct, x, p.get_ints("axes"));
}

Rule<VjpFn> prod_vjp() {
  return Rule<VjpFn>::defined([](std::span<const Value> in, std::span<const Value>,
                                                 std::span<const Cotangent> ct, const Params& p) {
            const Value& x = in[0];
            const Ints& axes = p.get_ints("axes");
            Value is_zero = lanes::eq(x, 0.0);
            Value safe = lanes::where(is_zero, 1.0, x);
            Value prod_nz = unreduce(
                bind1(primitive("reduce_prod"), std::vector<Value>{safe}, Params{{"axes", axes}}),
                x, axes);
            Value zeros = unreduce(sum_axes(lanes::astype(is_zero, x.dtype()), axes), x, axes);
            Value d = lanes::where(lanes::eq(zeros, 0.0), prod_nz / safe,
                                   lanes::where(lanes::eq(zeros, 1.0) && is_zero, prod_nz, 0.0));
            return std::vector<Cotangent>{unreduce(*ct[0], x, axes) * d};
          });
}

// max/min: the cotangent goes to the extreme's locations, split equally over ties.
Rule<VjpFn> extreme_vjp() {
  return Rule<VjpFn>::defined([](std::span<const Value> in, std::span<const Value> out,
                                         std::span<const Cotangent> ct, const Params& p) {
    const Value& x = in[0];
    const Ints& axes = p.get_ints("axes");
    Value hit = lanes::astype(lanes::eq(x, unreduce(out[0], x, axes)), x.dtype());
    Value count = unreduce(sum_axes(hit, axes), x, axes);
    return std::vector<Cotangent>{unreduce(*ct[0], x, axes) * hit / count};
  });
}


// --- JVP rules ---

// The axes of `rank` that are not in the sorted list `axes`.
Ints kept_axes(std::int64_t rank, const Ints& axes) {
  Ints kept;
  for (std::int64_t k = 0, next = 0; k < rank; ++k) {
    if (next < static_cast<std::int64_t>(axes.size()) &&
        axes[static_cast<std::size_t>(next)] == k) {
      ++next;
    } else {
      kept.push_back(k);
    }
  }
  return kept;
}

Value reduce_over(const char* prim, const Value& x, const Ints& axes) {
  return bind1(primitive(prim), std::span<const Value>(&x, 1), Params{{"axes", axes}});
}

// max/min: the tangent at the location of the extreme, averaged over ties (as JAX).
Rule<JvpFn> extreme_jvp_rule(const char* prim) {
  return Rule<JvpFn>::defined(
      [prim](std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
        const Ints& axes = params.get_ints("axes");
        Value y = bind1(primitive(prim), x, params);
        Value at = lanes::broadcast_in_dim(y, x[0].shape(), kept_axes(x[0].rank(), axes));
        Value mask = lanes::astype(lanes::eq(x[0], at), x[0].dtype());
        Value ty =
            reduce_over("reduce_sum", *t[0] * mask, axes) / reduce_over("reduce_sum", mask, axes);
        return JvpResult{{y}, {ty}};
      });
}

// prod: sum over i of t_i times the product of the other elements. Computed without
// division (exact at zeros): the reduced axes are flattened to one axis of n, and for each
// i the product runs over an [n] row whose element i is replaced by t_i (n^2 work per
// output element, fine for the reference path).
JvpResult prod_jvp(std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
  const Ints& axes = params.get_ints("axes");
  Value y = bind1(primitive("reduce_prod"), x, params);
  const Shape& shape = x[0].shape();
  Ints perm = kept_axes(x[0].rank(), axes);
  Shape out;
  for (std::int64_t k : perm) out.push_back(shape[static_cast<std::size_t>(k)]);
  std::int64_t n = 1;
  for (std::int64_t a : axes) n *= shape[static_cast<std::size_t>(a)];
  if (n == 0) return {{y}, {std::nullopt}};
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto r = static_cast<std::int64_t>(out.size());
  Shape flat = out, square = out;
  flat.push_back(n);
  square.push_back(n);
  square.push_back(n);
  Ints lead;
  for (std::int64_t k = 0; k < r; ++k) lead.push_back(k);
  Ints row_dims = lead, eye_dims{r, r + 1};
  row_dims.push_back(r + 1);
  auto rows = [&](const Value& v) {
    return lanes::broadcast_in_dim(lanes::reshape(lanes::transpose(v, perm), flat), square,
                                   row_dims);
  };
  Value eye = lanes::eq(lanes::iota(DType::I64, {n, n}, 0), lanes::iota(DType::I64, {n, n}, 1));
  Value z = lanes::where(lanes::broadcast_in_dim(eye, square, eye_dims), rows(*t[0]), rows(x[0]));
  Value ty = reduce_over("reduce_sum", reduce_over("reduce_prod", z, {r + 1}), {r});
  return {{y}, {ty}};
}

}  // namespace

void register_reduce() {
  Primitive sum = monoid_reduction<Monoid::Sum>("reduce_sum");
  set_linear(sum, sum_transpose);
  register_primitive(std::move(sum));

  Primitive prod = monoid_reduction<Monoid::Prod>("reduce_prod");
  prod.jvp = Rule<JvpFn>::defined(prod_jvp);
  prod.vjp = prod_vjp();
  register_primitive(std::move(prod));

  Primitive max = monoid_reduction<Monoid::Max>("reduce_max");
  max.jvp = extreme_jvp_rule("reduce_max");
  max.vjp = extreme_vjp();
  register_primitive(std::move(max));

  Primitive min = monoid_reduction<Monoid::Min>("reduce_min");
  min.jvp = extreme_jvp_rule("reduce_min");
  min.vjp = extreme_vjp();
  register_primitive(std::move(min));

  for (Primitive arg : {arg_reduction<true>("argmax"), arg_reduction<false>("argmin")}) {
    set_zero_derivative(arg);
    register_primitive(std::move(arg));
  }
}

}  // namespace lanes::internal
