// The broadcast family: broadcast_in_dim, with lax semantics. Operand dimension i becomes
// result dimension broadcast_dimensions[i] (strictly increasing); its extent must be 1
// (repeated along that result dimension) or equal to the result's. Result dimensions that
// no operand dimension maps to repeat the operand.
#include <lanes/ops.h>

#include <cstring>

#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/vjp_helpers.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {
std::string ints_to_string(const std::vector<std::int64_t>& v) { return shape_to_string(v); }

AvalList broadcast_in_dim_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  check_arity("broadcast_in_dim", in, 1);
  const AbstractValue& x = in[0];
  const Shape& shape = params.get_ints("shape");
  const std::vector<std::int64_t>& dims = params.get_ints("broadcast_dimensions");
  const std::string what = "broadcast_in_dim: operand " + x.to_string() + " to shape " +
                           shape_to_string(shape) + " with broadcast_dimensions " +
                           ints_to_string(dims);
  for (std::int64_t d : shape) {
    if (d < 0) throw ShapeError(what + ": the shape has a negative extent");
  }
  if (dims.size() != x.shape.size()) {
    throw ShapeError(what + ": broadcast_dimensions must have one entry per operand dimension (" +
                     std::to_string(x.rank()) + ")");
  }
  const auto rank = static_cast<std::int64_t>(shape.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= rank) {
      throw ShapeError(what + ": broadcast_dimensions[" + std::to_string(i) +
                       "] = " + std::to_string(dims[i]) + " is out of range for a rank-" +
                       std::to_string(rank) + " result");
    }
    if (i > 0 && dims[i] <= dims[i - 1]) {
      throw ShapeError(what + ": broadcast_dimensions must be strictly increasing");
    }
    std::int64_t have = x.shape[i], want = shape[static_cast<std::size_t>(dims[i])];
    if (have != 1 && have != want) {
      throw ShapeError(what + ": operand dimension " + std::to_string(i) + " has extent " +
                       std::to_string(have) + ", which is neither 1 nor the result extent " +
                       std::to_string(want));
    }
  }
  return {AbstractValue{x.dtype, shape, x.weak}};
}

std::vector<Array> broadcast_in_dim_impl(std::span<const Array> in, const Params& params) {
  const Array& x = in[0];
  const Shape& shape = params.get_ints("shape");
  const std::vector<std::int64_t>& dims = params.get_ints("broadcast_dimensions");
  const std::size_t rank = shape.size();
  // The operand's stride along each result dimension: 0 where the operand repeats.
  std::vector<std::int64_t> stride(rank, 0);
  std::int64_t s = 1;
  for (std::size_t i = x.shape().size(); i-- > 0;) {
    if (x.shape()[i] != 1) stride[static_cast<std::size_t>(dims[i])] = s;
    s *= x.shape()[i];
  }
  Array out = Array::empty(x.dtype(), shape);
  const std::size_t esize = dtype_size(x.dtype());
  const auto* src = static_cast<const unsigned char*>(x.raw());
  auto* dst = static_cast<unsigned char*>(out.raw());
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;  // operand element of `index`
  for (std::int64_t k = 0; k < out.size(); ++k) {
    std::memcpy(dst + static_cast<std::size_t>(k) * esize,
                src + static_cast<std::size_t>(offset) * esize, esize);
    // Advance the row-major index (odometer) and the operand offset with it.
    for (std::size_t d = rank; d-- > 0;) {
      offset += stride[d];
      if (++index[d] < shape[d]) break;
      offset -= stride[d] * index[d];
      index[d] = 0;
    }
  }
  return {out};
}
// vmap: the batch axis goes first in the result and maps from the operand's axis 0.
BatchResult broadcast_in_dim_batch(std::span<const Value> in, std::span<const std::int64_t> dims,
                                   std::int64_t batch_size, const Params& params) {
  Value x = move_batch_axis(in[0], dims[0], 0);
  Shape shape = params.get_ints("shape");
  shape.insert(shape.begin(), batch_size);
  std::vector<std::int64_t> bdims{0};
  for (std::int64_t d : params.get_ints("broadcast_dimensions")) bdims.push_back(d + 1);
  return {{lanes::broadcast_in_dim(x, shape, bdims)}, {0}};
}

// --- transpose (VJP) ---
// The cotangent is summed over the result axes that the operand was repeated along (new
// axes, and operand axes of extent 1 that were stretched), then reshaped to the operand.
Value broadcast_in_dim_transpose(const Value& ct, const Value& x, const Params& params) {
  const Shape x_shape = x.shape();
  const Shape& shape = params.get_ints("shape");
  const std::vector<std::int64_t>& dims = params.get_ints("broadcast_dimensions");
  std::vector<bool> keep(shape.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto d = static_cast<std::size_t>(dims[i]);
    keep[d] = x_shape[i] == shape[d];
  }
  std::vector<std::int64_t> axes;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (!keep[d]) axes.push_back(static_cast<std::int64_t>(d));
  }
  Value r = sum_axes(ct, axes);
  if (r.shape() != x_shape) r = lanes::reshape(r, x_shape);
  return r;
}
}  // namespace

void register_broadcast() {
  Primitive p;
  p.name = "broadcast_in_dim";
  p.family = "broadcast";
  p.abstract_eval = broadcast_in_dim_abstract_eval;
  p.impl = broadcast_in_dim_impl;
  p.batch = Rule<BatchFn>::defined(broadcast_in_dim_batch);
  set_linear(p, broadcast_in_dim_transpose);
  p.lowering = LoweringKind::IndexMap;
  // Operand axis d is result axis broadcast_dimensions[d], or 0 where it is broadcast.
  p.index_map = [](std::span<const loop::AffineIndex> out, const AbstractValue& operand,
                   const AbstractValue& result, const Params& params) {
    const auto& bdims = params.get_ints("broadcast_dimensions");
    std::vector<loop::AffineIndex> c;
    for (std::size_t d = 0; d < operand.shape.size(); ++d) {
      const auto od = static_cast<std::size_t>(bdims.at(d));
      c.push_back(operand.shape[d] == 1 && result.shape[od] != 1 ? loop::affine_const(0)
                                                                 : out[od]);
    }
    return c;
  };
  register_primitive(std::move(p));
}

}  // namespace lanes::internal
