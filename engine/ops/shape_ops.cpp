// The DSL's shape ops: reshape, transpose, slice, concatenate, iota, expand_dims, squeeze.
// numpy conveniences (a -1 extent, negative axes, dtype promotion across concatenated
// operands) are resolved here; the primitives see only lax-style explicit parameters.
#include <lanes/ops.h>

#include "engine/ops/axes.h"
#include "engine/ops/promotion.h"
#include "engine/trace.h"
#include "runtime/dtype_check.h"

namespace lanes {

using internal::Params;

Value reshape(const Value& x, const Shape& shape) {
  Shape in = x.shape();
  Shape out = shape;
  int inferred = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && inferred < 0) {
      inferred = static_cast<int>(i);
    } else if (shape[i] == -1) {
      throw ShapeError("reshape: only one extent may be -1, got " + shape_to_string(shape) +
                       " for operand shape " + shape_to_string(in));
    } else if (shape[i] < 0) {
      throw ShapeError("reshape: negative extent in " + shape_to_string(shape) +
                       " for operand shape " + shape_to_string(in));
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    std::int64_t size = shape_size(in);
    if (known == 0 || size % known != 0) {
      throw ShapeError("reshape: cannot reshape operand of shape " + shape_to_string(in) + " (" +
                       std::to_string(size) + " elements) to " + shape_to_string(shape));
    }
    out[static_cast<std::size_t>(inferred)] = size / known;
  }
  internal::require_trace("reshape");
  if (out == in) return x;
  return internal::bind1("reshape", {x}, Params{{"new_sizes", out}});
}

Value transpose(const Value& x, const Axes& permutation) {
  Shape in = x.shape();
  auto rank = static_cast<std::int64_t>(in.size());
  if (static_cast<std::int64_t>(permutation.size()) != rank) {
    throw ShapeError("transpose: permutation has " + std::to_string(permutation.size()) +
                     " entries, the operand shape " + shape_to_string(in) + " has rank " +
                     std::to_string(rank));
  }
  Axes perm;
  bool identity = true;
  for (std::size_t i = 0; i < permutation.size(); ++i) {
    perm.push_back(internal::normalize_axis("transpose", permutation[i], rank, in));
    identity = identity && perm.back() == static_cast<std::int64_t>(i);
  }
  // Duplicates are reported by the primitive's shape rule.
  internal::require_trace("transpose");
  if (identity) return x;
  return internal::bind1("transpose", {x}, Params{{"permutation", perm}});
}

Value transpose(const Value& x) {
  Axes perm;
  for (int k = x.rank(); k-- > 0;) perm.push_back(k);
  return transpose(x, perm);
}

Value slice(const Value& x, const Axes& start, const Axes& limit, const Axes& strides) {
  Axes s = strides.empty() ? Axes(start.size(), 1) : strides;
  return internal::bind1(
      "slice", {x}, Params{{"start_indices", start}, {"limit_indices", limit}, {"strides", s}});
}

Value rev(const Value& x, const Axes& dimensions) {
  internal::require_trace("rev");
  Axes dims = internal::normalize_axes("rev", dimensions, x.shape());
  if (dims.empty()) return x;
  return internal::bind1("rev", {x}, Params{{"dimensions", dims}});
}

Value concatenate(const std::vector<Value>& xs, std::int64_t axis) {
  if (xs.empty()) throw ArgumentError("concatenate: needs at least one operand");
  std::vector<internal::AbstractValue> avals;
  for (const Value& v : xs) avals.push_back(internal::aval_of(v));
  Shape first = avals[0].shape;
  if (first.empty()) {
    throw ShapeError("concatenate: zero-dimensional operands (shape []) cannot be concatenated");
  }
  std::int64_t dim =
      internal::normalize_axis("concatenate", axis, static_cast<std::int64_t>(first.size()), first);
  internal::AbstractValue target = internal::promote_types(avals);
  std::vector<Value> ops;
  for (const Value& v : xs) ops.push_back(internal::cast_to(v, target.dtype, target.weak));
  if (ops.size() == 1) return ops[0];
  return internal::bind1(internal::primitive("concatenate"), ops, Params{{"dimension", dim}});
}

Value iota(DType dtype, const Shape& shape, std::int64_t dimension) {
  internal::check_dtype_arg(dtype, "iota");
  auto rank = static_cast<std::int64_t>(shape.size());
  std::int64_t dim = internal::normalize_axis("iota", dimension, rank, shape);
  return internal::bind1("iota", {},
                         Params{{"dtype", dtype}, {"shape", shape}, {"dimension", dim}});
}

Value expand_dims(const Value& x, std::int64_t axis) {
  Shape s = x.shape();
  std::int64_t a =
      internal::normalize_axis("expand_dims", axis, static_cast<std::int64_t>(s.size()) + 1, s);
  s.insert(s.begin() + a, 1);
  return reshape(x, s);
}

Value squeeze(const Value& x, const Axes& axes) {
  internal::require_trace("squeeze");
  Shape in = x.shape();
  std::vector<bool> drop(in.size(), false);
  if (axes.empty()) {
    // As jnp.squeeze(x) with axis=None: every extent-1 axis goes.
    for (std::size_t k = 0; k < in.size(); ++k) drop[k] = in[k] == 1;
  } else {
    for (std::int64_t a : internal::normalize_axes("squeeze", axes, in)) {
      if (in[static_cast<std::size_t>(a)] != 1) {
        throw ShapeError("squeeze: axis " + std::to_string(a) + " of operand shape " +
                         shape_to_string(in) + " has extent " +
                         std::to_string(in[static_cast<std::size_t>(a)]) + ", not 1");
      }
      drop[static_cast<std::size_t>(a)] = true;
    }
  }
  Shape out;
  for (std::size_t k = 0; k < in.size(); ++k) {
    if (!drop[k]) out.push_back(in[k]);
  }
  return reshape(x, out);
}

}  // namespace lanes
