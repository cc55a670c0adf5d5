// The shape_ops family: reshape, transpose, slice, concatenate, iota and rev, with lax
// semantics. They only move (or, for iota, make) elements, so the reference
// implementations copy element bytes by index and work for every dtype alike.
#include <lanes/ops.h>

#include <cstring>

#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/index_math.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "runtime/owned_array.h"

namespace lanes::internal {

namespace {

using Ints = std::vector<std::int64_t>;

void check_arity(const std::string& prim, std::span<const AbstractValue> in, std::size_t n) {
  if (in.size() != n) {
    throw ArgumentError(prim + ": takes " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") +
                        ", got " + std::to_string(in.size()));
  }
}

// Copies element `from` of `src` to element `to` of `dst` (same dtype).
inline void copy_element(const Array& src, std::int64_t from, Array& dst, std::int64_t to) {
  std::size_t n = dtype_size(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw()) + static_cast<std::size_t>(to) * n,
              static_cast<const char*>(src.raw()) + static_cast<std::size_t>(from) * n, n);
}

Primitive structural(const char* name, LoweringKind lowering) {
  Primitive p;
  p.name = name;
  p.family = "shape_ops";
  p.lowering = lowering;
  return p;
}

using loop::AffineIndex;
using Coords = std::vector<AffineIndex>;

// --- batching rules (vmap) ------------------------------------------------------------
using BatchIn = std::span<const Value>;
using BatchDims = std::span<const std::int64_t>;

BatchResult reshape_batch(BatchIn in, BatchDims dims, std::int64_t batch_size,
                          const Params& params) {
  Ints sizes = params.get_ints("new_sizes");
  sizes.insert(sizes.begin(), batch_size);
  return {{lanes::reshape(move_batch_axis(in[0], dims[0], 0), sizes)}, {0}};
}

// The batch axis goes first; the permutation maps per-element axes to batched ones.
BatchResult transpose_batch(BatchIn in, BatchDims dims, std::int64_t, const Params& params) {
  Ints perm{dims[0]};
  for (std::int64_t a : params.get_ints("permutation")) perm.push_back(batched_axis(a, dims[0]));
  return {{lanes::transpose(in[0], perm)}, {0}};
}

// The batch axis is sliced whole, in place.
BatchResult slice_batch(BatchIn in, BatchDims dims, std::int64_t batch_size, const Params& params) {
  auto d = dims[0];
  Ints start = params.get_ints("start_indices"), limit = params.get_ints("limit_indices");
  Ints strides = params.has("strides") ? params.get_ints("strides") : Ints{};
  if (strides.empty()) strides.assign(start.size(), 1);
  start.insert(start.begin() + d, 0);
  limit.insert(limit.begin() + d, batch_size);
  strides.insert(strides.begin() + d, 1);
  return {{lanes::slice(in[0], start, limit, strides)}, {d}};
}

BatchResult concatenate_batch(BatchIn in, BatchDims dims, std::int64_t batch_size,
                              const Params& params) {
  std::vector<Value> ops;
  for (std::size_t i = 0; i < in.size(); ++i)
    ops.push_back(batch_at(in[i], dims[i], batch_size, 0));
  return {{bind1(primitive("concatenate"), ops,
                 Params{{"dimension", params.get_int("dimension") + 1}})},
          {0}};
}

// iota has no operands, so vmap never batches it; re-binding it is all there is.
BatchResult iota_batch(BatchIn in, BatchDims, std::int64_t, const Params& params) {
  return {{bind1(primitive("iota"), in, params)}, {-1}};
}

// --- slice specs ---------------------------------------------------------------------
struct SliceSpec {
  Ints start, limit, strides;
};

SliceSpec slice_spec(const Params& params, const Shape& shape) {
  SliceSpec s{params.get_ints("start_indices"), params.get_ints("limit_indices"), {}};
  if (params.has("strides")) s.strides = params.get_ints("strides");
  if (s.strides.empty()) s.strides.assign(shape.size(), 1);  // lax: strides default to 1
  return s;
}

Shape slice_shape(const SliceSpec& s, const Shape& shape) {
  auto where = [&] {
    return " (start_indices " + ints_to_string(s.start) + ", limit_indices " +
           ints_to_string(s.limit) + ", strides " + ints_to_string(s.strides) + ", operand shape " +
           shape_to_string(shape) + ")";
  };
  if (s.start.size() != shape.size() || s.limit.size() != shape.size() ||
      s.strides.size() != shape.size()) {
    throw ShapeError(
        "slice: start_indices, limit_indices and strides must each have one entry "
        "per operand axis" +
        where());
  }
  Shape out;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    std::string axis = "axis " + std::to_string(k);
    if (s.start[k] < 0 || s.limit[k] > shape[k] || s.start[k] > s.limit[k]) {
      throw ShapeError("slice: " + axis + ": [" + std::to_string(s.start[k]) + ", " +
                       std::to_string(s.limit[k]) + ") is out of bounds for extent " +
                       std::to_string(shape[k]) + where());
    }
    if (s.strides[k] < 1) {
      throw ShapeError("slice: " + axis + ": stride " + std::to_string(s.strides[k]) +
                       " must be positive" + where());
    }
    out.push_back((s.limit[k] - s.start[k] + s.strides[k] - 1) / s.strides[k]);
  }
  return out;
}

// --- transposes (VJP) and JVP rules -------------------------------------------------
// reshape and transpose move the cotangent back; concatenate slices it into pieces;
// slice pads it with zeros back to the operand's shape. There is no pad primitive: the
// padding is built from concatenate with zeros (and, for strides > 1, an interleave of
// zeros by concatenating along a new axis and reshaping), so jit and vmap need nothing new.
using VjpIn = std::span<const Value>;
using VjpCts = std::span<const Cotangent>;

Value reshape_transpose(const Value& ct, const Value& x, const Params&) {
  return lanes::reshape(ct, x.shape());
}

Value transpose_transpose(const Value& ct, const Value&, const Params& params) {
  const Ints& perm = params.get_ints("permutation");
  Ints inverse(perm.size());
  for (std::size_t k = 0; k < perm.size(); ++k) {
    inverse[static_cast<std::size_t>(perm[k])] = static_cast<std::int64_t>(k);
  }
  return lanes::transpose(ct, inverse);
}

// x with `before` zeros ahead of it and `after` zeros behind it along `axis`.
Value pad_axis(const Value& x, std::size_t axis, std::int64_t before, std::int64_t after) {
  std::vector<Value> parts;
  auto zeros = [&](std::int64_t n) {
    Shape s = x.shape();
    s[axis] = n;
    return lanes::full(x.dtype(), s, 0.0);
  };
  if (before > 0) parts.push_back(zeros(before));
  parts.push_back(x);
  if (after > 0) parts.push_back(zeros(after));
  if (parts.size() == 1) return x;
  return lanes::concatenate(parts, static_cast<std::int64_t>(axis));
}

// x with stride-1 zeros between consecutive elements along `axis` (n -> (n-1)*stride+1).
Value interleave_zeros(const Value& x, std::size_t axis, std::int64_t stride) {
  Shape s = x.shape();
  const std::int64_t n = s[axis];
  Value e = lanes::expand_dims(x, static_cast<std::int64_t>(axis) + 1);  // [.., n, 1, ..]
  Shape zs = e.shape();
  zs[axis + 1] = stride - 1;
  Value spread = lanes::concatenate({e, lanes::full(x.dtype(), zs, 0.0)},
                                    static_cast<std::int64_t>(axis) + 1);  // [.., n, s, ..]
  s[axis] = n * stride;
  Value flat = lanes::reshape(spread, s);
  Ints start(s.size(), 0), limit = s;
  limit[axis] = (n - 1) * stride + 1;
  return lanes::slice(flat, start, limit);
}

Value slice_transpose(const Value& ct, const Value& x, const Params& params) {
  const Shape x_shape = x.shape();
  SliceSpec s = slice_spec(params, x_shape);
  Value g = ct;
  if (g.rank() > 0 && shape_size(g.shape()) == 0) return lanes::full(g.dtype(), x_shape, 0.0);
  for (std::size_t k = 0; k < x_shape.size(); ++k) {
    std::int64_t n = g.shape()[k];
    if (s.strides[k] > 1 && n > 1) g = interleave_zeros(g, k, s.strides[k]);
    std::int64_t used = g.shape()[k];
    g = pad_axis(g, k, s.start[k], x_shape[k] - s.start[k] - used);
  }
  return g;
}

std::vector<Cotangent> concatenate_vjp(VjpIn in, VjpIn, VjpCts ct, const Params& params) {
  auto dim = static_cast<std::size_t>(params.get_int("dimension"));
  const Value& g = *ct[0];
  std::vector<Cotangent> r;
  std::int64_t offset = 0;
  for (const Value& x : in) {
    Ints start(static_cast<std::size_t>(g.rank()), 0), limit = g.shape();
    start[dim] = offset;
    offset += x.shape()[dim];
    limit[dim] = offset;
    r.push_back(lanes::slice(g, start, limit));
  }
  return r;
}

// iota has no operands, so no cotangents.
std::vector<Cotangent> iota_vjp(VjpIn, VjpIn, VjpCts, const Params&) { return {}; }

// Every shape op is linear; concatenate materializes the zero tangents of its operands.
JvpResult concatenate_jvp(std::span<const Value> x, std::span<const Tangent> t,
                          const Params& params) {
  const Primitive& p = primitive("concatenate");
  std::vector<Value> ts;
  for (std::size_t i = 0; i < x.size(); ++i) ts.push_back(instantiate(t[i], x[i]));
  return {{bind1(p, x, params)}, {bind1(p, ts, params)}};
}

// --- reshape ------------------------------------------------------------------------
void register_reshape() {
  Primitive p = structural("reshape", LoweringKind::Reshape);
  p.batch = Rule<BatchFn>::defined(reshape_batch);
  set_linear(p, reshape_transpose);
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("reshape", in, 1);
    const Ints& sizes = params.get_ints("new_sizes");
    for (std::int64_t d : sizes) {
      if (d < 0) {
        throw ShapeError("reshape: new_sizes " + ints_to_string(sizes) +
                         " has a negative extent (operand shape " + shape_to_string(in[0].shape) +
                         ")");
      }
    }
    if (shape_size(sizes) != in[0].size()) {
      throw ShapeError("reshape: cannot reshape operand of shape " + shape_to_string(in[0].shape) +
                       " (" + std::to_string(in[0].size()) + " elements) to " +
                       shape_to_string(sizes) + " (" + std::to_string(shape_size(sizes)) +
                       " elements)");
    }
    return {{in[0].dtype, sizes, in[0].weak}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    // Shares an owning operand's storage; a view of the caller's memory is copied
    // (runtime/owned_array.h).
    return {owned(in[0]).reshaped(params.get_ints("new_sizes"))};
  };
  register_primitive(std::move(p));
}

// --- transpose ----------------------------------------------------------------------
void check_permutation(const Ints& perm, const Shape& shape) {
  if (perm.size() != shape.size()) {
    throw ShapeError("transpose: permutation " + ints_to_string(perm) + " has " +
                     std::to_string(perm.size()) + " entries, the operand shape " +
                     shape_to_string(shape) + " has rank " + std::to_string(shape.size()));
  }
  check_axis_list("transpose", "permutation", perm, shape);
}

void register_transpose() {
  Primitive p = structural("transpose", LoweringKind::IndexMap);
  p.batch = Rule<BatchFn>::defined(transpose_batch);
  set_linear(p, transpose_transpose);
  // Operand axis perm[d] is result axis d.
  p.index_map = [](std::span<const AffineIndex> out, const AbstractValue&, const AbstractValue&,
                   const Params& params) {
    const Ints& perm = params.get_ints("permutation");
    Coords c(out.size());
    for (std::size_t d = 0; d < perm.size(); ++d) c[static_cast<std::size_t>(perm[d])] = out[d];
    return c;
  };
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("transpose", in, 1);
    const Ints& perm = params.get_ints("permutation");
    check_permutation(perm, in[0].shape);
    Shape out;
    for (std::int64_t a : perm) out.push_back(in[0].shape[static_cast<std::size_t>(a)]);
    return {{in[0].dtype, out, in[0].weak}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    const Ints& perm = params.get_ints("permutation");
    const Array& x = in[0];
    Shape out_shape;
    for (std::int64_t a : perm) out_shape.push_back(x.shape()[static_cast<std::size_t>(a)]);
    Array out = Array::empty(x.dtype(), out_shape);
    if (out.size() == 0) return {out};
    Ints in_strides = row_major_strides(x.shape());
    Ints idx(out_shape.size(), 0);
    std::int64_t flat = 0;
    do {
      std::int64_t from = 0;
      for (std::size_t k = 0; k < perm.size(); ++k) {
        from += idx[k] * in_strides[static_cast<std::size_t>(perm[k])];
      }
      copy_element(x, from, out, flat++);
    } while (next_index(idx, out_shape));
    return {out};
  };
  register_primitive(std::move(p));
}

// --- slice --------------------------------------------------------------------------
void register_slice() {
  Primitive p = structural("slice", LoweringKind::IndexMap);
  p.batch = Rule<BatchFn>::defined(slice_batch);
  set_linear(p, slice_transpose);
  p.index_map = [](std::span<const AffineIndex> out, const AbstractValue& operand,
                   const AbstractValue&, const Params& params) {
    SliceSpec s = slice_spec(params, operand.shape);
    Coords c;
    for (std::size_t d = 0; d < out.size(); ++d) {
      c.push_back(loop::scaled_add(out[d], s.strides[d], loop::affine_const(s.start[d])));
    }
    return c;
  };
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("slice", in, 1);
    return {{in[0].dtype, slice_shape(slice_spec(params, in[0].shape), in[0].shape), in[0].weak}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    const Array& x = in[0];
    SliceSpec s = slice_spec(params, x.shape());
    Shape out_shape = slice_shape(s, x.shape());
    Array out = Array::empty(x.dtype(), out_shape);
    if (out.size() == 0) return {out};
    Ints in_strides = row_major_strides(x.shape());
    Ints idx(out_shape.size(), 0);
    std::int64_t flat = 0;
    do {
      std::int64_t from = 0;
      for (std::size_t k = 0; k < idx.size(); ++k) {
        from += (s.start[k] + idx[k] * s.strides[k]) * in_strides[k];
      }
      copy_element(x, from, out, flat++);
    } while (next_index(idx, out_shape));
    return {out};
  };
  register_primitive(std::move(p));
}

// --- concatenate --------------------------------------------------------------------
void register_concatenate() {
  Primitive p = structural("concatenate", LoweringKind::Concatenate);
  p.batch = Rule<BatchFn>::defined(concatenate_batch);
  p.jvp = Rule<JvpFn>::defined(concatenate_jvp);
  p.vjp = Rule<VjpFn>::defined(concatenate_vjp);
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    if (in.empty()) throw ArgumentError("concatenate: needs at least one operand");
    std::int64_t dim = params.get_int("dimension");
    std::string shapes;
    for (const AbstractValue& a : in) shapes += (shapes.empty() ? "" : ", ") + a.to_string();
    const AbstractValue& first = in[0];
    if (dim < 0 || dim >= first.rank()) {
      throw ShapeError("concatenate: dimension " + std::to_string(dim) +
                       " is out of range for operands " + shapes);
    }
    AbstractValue out = first;
    for (std::size_t i = 1; i < in.size(); ++i) {
      const AbstractValue& a = in[i];
      if (a.dtype != first.dtype) {
        throw DTypeError("concatenate: operands must have one dtype, got " + shapes);
      }
      if (a.rank() != first.rank()) {
        throw ShapeError("concatenate: operands must have equal ranks, got " + shapes);
      }
      for (int k = 0; k < a.rank(); ++k) {
        if (k != dim &&
            a.shape[static_cast<std::size_t>(k)] != first.shape[static_cast<std::size_t>(k)]) {
          throw ShapeError("concatenate: operand " + std::to_string(i) +
                           " differs from operand 0 "
                           "in axis " +
                           std::to_string(k) + " (concatenating along dimension " +
                           std::to_string(dim) + "), got " + shapes);
        }
      }
      out.shape[static_cast<std::size_t>(dim)] += a.shape[static_cast<std::size_t>(dim)];
      out.weak = out.weak && a.weak;
    }
    return {out};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    auto dim = static_cast<std::size_t>(params.get_int("dimension"));
    Shape out_shape = in[0].shape();
    out_shape[dim] = 0;
    for (const Array& a : in) out_shape[dim] += a.shape()[dim];
    Array out = Array::empty(in[0].dtype(), out_shape);
    // Row-major: every operand contributes a contiguous run of `inner` elements per
    // outer index, where inner spans its axes from `dim` on.
    std::int64_t outer = 1;
    for (std::size_t k = 0; k < dim; ++k) outer *= out_shape[k];
    std::int64_t flat = 0;
    for (std::int64_t o = 0; o < outer; ++o) {
      for (const Array& a : in) {
        std::int64_t inner = outer == 0 ? 0 : a.size() / outer;
        for (std::int64_t j = 0; j < inner; ++j) copy_element(a, o * inner + j, out, flat++);
      }
    }
    return {out};
  };
  register_primitive(std::move(p));
}

// --- rev ----------------------------------------------------------------------------
// lax.rev(operand, dimensions): reverses the operand along each listed axis. It moves
// elements only, so it is linear and its own transpose.
Value rev_transpose(const Value& ct, const Value&, const Params& params) {
  return lanes::rev(ct, params.get_ints("dimensions"));
}

// The batch axis is not reversed: the reversed axes shift past it.
BatchResult rev_batch(BatchIn in, BatchDims dims, std::int64_t, const Params& params) {
  Ints axes;
  for (std::int64_t a : params.get_ints("dimensions")) axes.push_back(batched_axis(a, dims[0]));
  return {{lanes::rev(in[0], axes)}, {dims[0]}};
}

void register_rev() {
  Primitive p = structural("rev", LoweringKind::IndexMap);
  p.batch = Rule<BatchFn>::defined(rev_batch);
  set_linear(p, rev_transpose);
  // Result coordinate c along a reversed axis of extent n reads operand coordinate n - 1 - c.
  p.index_map = [](std::span<const AffineIndex> out, const AbstractValue& operand,
                   const AbstractValue&, const Params& params) {
    Coords c(out.begin(), out.end());
    for (std::int64_t a : params.get_ints("dimensions")) {
      auto d = static_cast<std::size_t>(a);
      c[d] = loop::scaled_add(out[d], -1, loop::affine_const(operand.shape[d] - 1));
    }
    return c;
  };
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("rev", in, 1);
    check_axis_list("rev", "dimensions", params.get_ints("dimensions"), in[0].shape);
    return {in[0]};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    const Array& x = in[0];
    std::vector<bool> reversed(x.shape().size(), false);
    for (std::int64_t a : params.get_ints("dimensions"))
      reversed[static_cast<std::size_t>(a)] = true;
    Array out = Array::empty(x.dtype(), x.shape());
    if (out.size() == 0) return {out};
    Ints in_strides = row_major_strides(x.shape());
    Ints idx(x.shape().size(), 0);
    std::int64_t flat = 0;
    do {
      std::int64_t from = 0;
      for (std::size_t k = 0; k < idx.size(); ++k) {
        from += (reversed[k] ? x.shape()[k] - 1 - idx[k] : idx[k]) * in_strides[k];
      }
      copy_element(x, from, out, flat++);
    } while (next_index(idx, x.shape()));
    return {out};
  };
  register_primitive(std::move(p));
}

// --- iota ---------------------------------------------------------------------------
void register_iota() {
  Primitive p = structural("iota", LoweringKind::Iota);
  p.batch = Rule<BatchFn>::defined(iota_batch);
  p.jvp = zero_jvp_rule("iota");  // no operands: never called
  p.vjp = Rule<VjpFn>::defined(iota_vjp);
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("iota", in, 0);
    DType dtype = params.get<DType>("dtype");
    const Shape& shape = params.get_ints("shape");
    std::int64_t dim = params.get_int("dimension");
    if (dtype == DType::Bool) throw DTypeError("iota: dtype bool is not supported");
    for (std::int64_t d : shape) {
      if (d < 0)
        throw ShapeError("iota: shape " + shape_to_string(shape) + " has a negative extent");
    }
    if (dim < 0 || dim >= static_cast<std::int64_t>(shape.size())) {
      throw ShapeError("iota: dimension " + std::to_string(dim) + " is out of range for shape " +
                       shape_to_string(shape));
    }
    return {{dtype, shape, false}};
  };
  p.impl = [](std::span<const Array>, const Params& params) -> std::vector<Array> {
    DType dtype = params.get<DType>("dtype");
    const Shape& shape = params.get_ints("shape");
    auto dim = static_cast<std::size_t>(params.get_int("dimension"));
    Array out = Array::empty(dtype, shape);
    Ints strides = row_major_strides(shape);
    visit_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      T* o = static_cast<T*>(out.raw());
      for (std::int64_t i = 0; i < out.size(); ++i) {
        o[i] = static_cast<T>((i / strides[dim]) % shape[dim]);
      }
    });
    return {out};
  };
  register_primitive(std::move(p));
}

}  // namespace

void register_shape_ops() {
  register_reshape();
  register_transpose();
  register_slice();
  register_concatenate();
  register_iota();
  register_rev();
}

}  // namespace lanes::internal
