// dot_general: lax.dot_general. lhs_contracting[i] contracts with rhs_contracting[i],
// lhs_batch[i] pairs with rhs_batch[i]; the result has the batch dims (in lhs_batch
// order), then lhs's remaining (free) dims, then rhs's free dims, each in operand order.
//
// Operands share one dtype, integer or float. The reference accumulates floats in double
// and rounds once at the end, so its f32 result is a good oracle for any summation order
// jit chooses; integers wrap as two's complement.
#include <lanes/ops.h>

#include <algorithm>
#include <type_traits>

#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/index_math.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {

using Ints = std::vector<std::int64_t>;

struct DotDims {
  Ints lhs_contracting, rhs_contracting, lhs_batch, rhs_batch;
  Ints lhs_free, rhs_free;
};

Ints free_axes(int rank, const Ints& a, const Ints& b) {
  std::vector<bool> used(static_cast<std::size_t>(rank), false);
  for (std::int64_t x : a) used[static_cast<std::size_t>(x)] = true;
  for (std::int64_t x : b) used[static_cast<std::size_t>(x)] = true;
  Ints r;
  for (int k = 0; k < rank; ++k) {
    if (!used[static_cast<std::size_t>(k)]) r.push_back(k);
  }
  return r;
}

// Validates the dimension numbers against the operand shapes; throws ShapeError.
DotDims dot_dims(const Params& params, const Shape& lhs, const Shape& rhs) {
  DotDims d{params.get_ints("lhs_contracting"),
            params.get_ints("rhs_contracting"),
            params.get_ints("lhs_batch"),
            params.get_ints("rhs_batch"),
            {},
            {}};
  auto where = [&] {
    return " (lhs " + shape_to_string(lhs) + ", rhs " + shape_to_string(rhs) +
           ", lhs_contracting " + ints_to_string(d.lhs_contracting) + ", rhs_contracting " +
           ints_to_string(d.rhs_contracting) + ", lhs_batch " + ints_to_string(d.lhs_batch) +
           ", rhs_batch " + ints_to_string(d.rhs_batch) + ")";
  };
  if (d.lhs_contracting.size() != d.rhs_contracting.size()) {
    throw ShapeError("dot_general: lhs_contracting and rhs_contracting differ in length" + where());
  }
  if (d.lhs_batch.size() != d.rhs_batch.size()) {
    throw ShapeError("dot_general: lhs_batch and rhs_batch differ in length" + where());
  }
  // Each side's contracting and batch axes together must be distinct, in-range axes.
  Ints lhs_all = d.lhs_batch, rhs_all = d.rhs_batch;
  lhs_all.insert(lhs_all.end(), d.lhs_contracting.begin(), d.lhs_contracting.end());
  rhs_all.insert(rhs_all.end(), d.rhs_contracting.begin(), d.rhs_contracting.end());
  try {
    check_axis_list("dot_general", "lhs batch+contracting axes", lhs_all, lhs);
    check_axis_list("dot_general", "rhs batch+contracting axes", rhs_all, rhs);
  } catch (const ShapeError& e) {
    throw ShapeError(e.what() + where());
  }
  auto check_pairs = [&](const Ints& l, const Ints& r, const char* what) {
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::int64_t le = lhs[static_cast<std::size_t>(l[i])],
                   re = rhs[static_cast<std::size_t>(r[i])];
      if (le != re) {
        throw ShapeError("dot_general: " + std::string(what) + " dimension " + std::to_string(i) +
                         " has extent " + std::to_string(le) + " in lhs axis " +
                         std::to_string(l[i]) + " but " + std::to_string(re) + " in rhs axis " +
                         std::to_string(r[i]) + where());
      }
    }
  };
  check_pairs(d.lhs_contracting, d.rhs_contracting, "contracting");
  check_pairs(d.lhs_batch, d.rhs_batch, "batch");
  d.lhs_free = free_axes(static_cast<int>(lhs.size()), d.lhs_batch, d.lhs_contracting);
  d.rhs_free = free_axes(static_cast<int>(rhs.size()), d.rhs_batch, d.rhs_contracting);
  return d;
}

Shape result_shape(const DotDims& d, const Shape& lhs, const Shape& rhs) {
  Shape out;
  for (std::int64_t a : d.lhs_batch) out.push_back(lhs[static_cast<std::size_t>(a)]);
  for (std::int64_t a : d.lhs_free) out.push_back(lhs[static_cast<std::size_t>(a)]);
  for (std::int64_t a : d.rhs_free) out.push_back(rhs[static_cast<std::size_t>(a)]);
  return out;
}

// Floats accumulate in double; integers in their unsigned twin (wraps without UB).
template <class T>
auto acc_tag() {
  if constexpr (std::is_floating_point_v<T>) {
    return double{};
  } else {
    return std::make_unsigned_t<T>{};
  }
}

template <class T>
Array dot_impl(const Array& lhs, const Array& rhs, const DotDims& d) {
  Shape out_shape = result_shape(d, lhs.shape(), rhs.shape());
  Array out = Array::empty(lhs.dtype(), out_shape);
  if (out.size() == 0) return out;
  Ints ls = row_major_strides(lhs.shape()), rs = row_major_strides(rhs.shape());
  // For every output axis, and every contracting position, the strides it moves by in
  // lhs and rhs.
  Ints out_l, out_r;
  for (std::size_t i = 0; i < d.lhs_batch.size(); ++i) {
    out_l.push_back(ls[static_cast<std::size_t>(d.lhs_batch[i])]);
    out_r.push_back(rs[static_cast<std::size_t>(d.rhs_batch[i])]);
  }
  for (std::int64_t a : d.lhs_free) {
    out_l.push_back(ls[static_cast<std::size_t>(a)]);
    out_r.push_back(0);
  }
  for (std::int64_t a : d.rhs_free) {
    out_l.push_back(0);
    out_r.push_back(rs[static_cast<std::size_t>(a)]);
  }
  Shape k_shape;
  Ints k_l, k_r;
  for (std::size_t i = 0; i < d.lhs_contracting.size(); ++i) {
    k_shape.push_back(lhs.shape()[static_cast<std::size_t>(d.lhs_contracting[i])]);
    k_l.push_back(ls[static_cast<std::size_t>(d.lhs_contracting[i])]);
    k_r.push_back(rs[static_cast<std::size_t>(d.rhs_contracting[i])]);
  }
  using Acc = decltype(acc_tag<T>());
  const T* a = static_cast<const T*>(lhs.raw());
  const T* b = static_cast<const T*>(rhs.raw());
  T* o = static_cast<T*>(out.raw());
  bool empty_k = shape_size(k_shape) == 0;
  Ints idx(out_shape.size(), 0);
  std::int64_t flat = 0;
  do {
    std::int64_t l0 = 0, r0 = 0;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      l0 += idx[k] * out_l[k];
      r0 += idx[k] * out_r[k];
    }
    Acc acc = 0;
    if (k_shape.empty()) {
      // No contracting dimension: a plain product, as XLA computes it (0 + x would turn
      // a -0 product into +0). The jit's lowering does the same.
      acc = static_cast<Acc>(a[l0]) * static_cast<Acc>(b[r0]);
    } else if (!empty_k) {
      Ints kidx(k_shape.size(), 0);
      do {
        std::int64_t li = l0, ri = r0;
        for (std::size_t k = 0; k < kidx.size(); ++k) {
          li += kidx[k] * k_l[k];
          ri += kidx[k] * k_r[k];
        }
        acc += static_cast<Acc>(a[li]) * static_cast<Acc>(b[ri]);
      } while (next_index(kidx, k_shape));
    }
    o[flat++] = static_cast<T>(acc);
  } while (next_index(idx, out_shape));
  return out;
}

// vmap: with both operands batched the batch axes pair up as a new leading dot batch
// dimension; with one batched, its batch axis is a free axis and the result's batch axis
// is where that free axis lands.
BatchResult dot_general_batch(std::span<const Value> in, std::span<const std::int64_t> dims,
                              std::int64_t, const Params& params) {
  std::int64_t dl = dims[0], dr = dims[1];
  auto shift = [](const Ints& axes, std::int64_t bdim) {
    Ints r;
    for (std::int64_t a : axes) r.push_back(batched_axis(a, bdim));
    return r;
  };
  Ints lc = shift(params.get_ints("lhs_contracting"), dl);
  Ints rc = shift(params.get_ints("rhs_contracting"), dr);
  Ints lb = shift(params.get_ints("lhs_batch"), dl);
  Ints rb = shift(params.get_ints("rhs_batch"), dr);
  std::int64_t out = 0;
  if (dl >= 0 && dr >= 0) {
    lb.insert(lb.begin(), dl);
    rb.insert(rb.begin(), dr);
  } else if (dl >= 0) {
    Ints lfree = free_axes(in[0].rank(), lb, lc);
    out = static_cast<std::int64_t>(lb.size());
    for (std::int64_t a : lfree) out += a < dl ? 1 : 0;
  } else {
    Ints lfree = free_axes(in[0].rank(), lb, lc);
    Ints rfree = free_axes(in[1].rank(), rb, rc);
    out = static_cast<std::int64_t>(lb.size() + lfree.size());
    for (std::int64_t a : rfree) out += a < dr ? 1 : 0;
  }
  Params p{{"lhs_contracting", lc}, {"rhs_contracting", rc}, {"lhs_batch", lb}, {"rhs_batch", rb}};
  return {{bind1(primitive("dot_general"), in, std::move(p))}, {out}};
}

// --- VJP rules ---
// The cotangent g has axes [batch..., lhs free..., rhs free...]. The lhs cotangent
// contracts g's rhs-free axes with rhs's free axes (batch axes pairing up), which gives
// [batch..., lhs free..., rhs contracting (in rhs axis order)...]; a transpose puts those
// axes back where lhs had them. The rhs cotangent is the mirror image.

// Cotangent of `self` (one operand) from g and the `other` operand.
Value dot_transpose(const Value& g, const Value& other, const Ints& self_batch,
                    const Ints& self_contracting, const Ints& self_free, const Ints& other_batch,
                    const Ints& other_contracting, const Ints& other_free,
                    std::size_t g_other_free_start, int self_rank) {
  const std::size_t nb = self_batch.size();
  Ints g_batch, g_contract;
  for (std::size_t i = 0; i < nb; ++i) g_batch.push_back(static_cast<std::int64_t>(i));
  for (std::size_t i = 0; i < other_free.size(); ++i) {
    g_contract.push_back(static_cast<std::int64_t>(g_other_free_start + i));
  }
  Params p{{"lhs_contracting", g_contract},
           {"rhs_contracting", other_free},
           {"lhs_batch", g_batch},
           {"rhs_batch", other_batch}};
  Value r = bind1(primitive("dot_general"), std::vector<Value>{g, other}, std::move(p));
  // r's axes: batch, g's self-free axes (= self_free in order), then other's remaining
  // axes in ascending order, which are other_contracting sorted.
  Ints sorted = other_contracting;
  std::sort(sorted.begin(), sorted.end());
  Ints where(static_cast<std::size_t>(self_rank));
  for (std::size_t i = 0; i < nb; ++i)
    where[static_cast<std::size_t>(self_batch[i])] = static_cast<std::int64_t>(i);
  for (std::size_t k = 0; k < self_free.size(); ++k) {
    where[static_cast<std::size_t>(self_free[k])] = static_cast<std::int64_t>(nb + k);
  }
  for (std::size_t j = 0; j < self_contracting.size(); ++j) {
    auto pos = std::find(sorted.begin(), sorted.end(), other_contracting[j]) - sorted.begin();
    where[static_cast<std::size_t>(self_contracting[j])] =
        static_cast<std::int64_t>(nb + self_free.size()) + pos;
  }
  bool identity = true;
  for (std::size_t a = 0; a < where.size(); ++a) {
    identity = identity && where[a] == static_cast<std::int64_t>(a);
  }
  return identity ? r : lanes::transpose(r, where);
}

std::vector<Cotangent> dot_general_vjp(std::span<const Value> in, std::span<const Value>,
                                       std::span<const Cotangent> ct, const Params& params) {
  const Value& lhs = in[0];
  const Value& rhs = in[1];
  DotDims d = dot_dims(params, lhs.shape(), rhs.shape());
  const Value& g = *ct[0];
  const std::size_t nb = d.lhs_batch.size();
  Value cl = dot_transpose(g, rhs, d.lhs_batch, d.lhs_contracting, d.lhs_free, d.rhs_batch,
                           d.rhs_contracting, d.rhs_free, nb + d.lhs_free.size(), lhs.rank());
  Value cr = dot_transpose(g, lhs, d.rhs_batch, d.rhs_contracting, d.rhs_free, d.lhs_batch,
                           d.lhs_contracting, d.lhs_free, nb, rhs.rank());
  return {cl, cr};
}

// --- JVP rules ---
// Bilinear: d(a . b) = ta . b + a . tb, skipping symbolic zeros.
JvpResult dot_general_jvp(std::span<const Value> x, std::span<const Tangent> t,
                          const Params& params) {
  const Primitive& dot = primitive("dot_general");
  Value y = bind1(dot, x, params);
  std::optional<Value> ty;
  if (t[0]) ty = bind1("dot_general", {*t[0], x[1]}, params);
  if (t[1]) {
    Value c = bind1("dot_general", {x[0], *t[1]}, params);
    ty = ty ? bind1("add", {*ty, c}) : c;
  }
  return {{y}, {ty}};
}

}  // namespace

void register_dot_general() {
  Primitive p;
  p.name = "dot_general";
  p.family = "dot_general";
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    if (in.size() != 2) {
      throw ArgumentError("dot_general: takes 2 operands, got " + std::to_string(in.size()));
    }
    if (in[0].dtype != in[1].dtype) {
      throw DTypeError("dot_general: operands must have one dtype, got lhs " + in[0].to_string() +
                       " and rhs " + in[1].to_string());
    }
    if (in[0].dtype == DType::Bool) {
      throw DTypeError("dot_general: bool operands are not supported (lhs " + in[0].to_string() +
                       ", rhs " + in[1].to_string() + ")");
    }
    DotDims d = dot_dims(params, in[0].shape, in[1].shape);
    return {{in[0].dtype, result_shape(d, in[0].shape, in[1].shape), in[0].weak && in[1].weak}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    DotDims d = dot_dims(params, in[0].shape(), in[1].shape());
    return {visit_dtype(in[0].dtype(), [&](auto t) -> Array {
      using T = decltype(t);
      if constexpr (std::is_same_v<T, bool>) {
        throw DTypeError("dot_general: bool operands are not supported");
      } else {
        return dot_impl<T>(in[0], in[1], d);
      }
    })};
  };
  p.batch = Rule<BatchFn>::defined(dot_general_batch);
  p.jvp = Rule<JvpFn>::defined(dot_general_jvp);
  p.vjp = Rule<VjpFn>::defined(dot_general_vjp);
  p.lowering = LoweringKind::Contraction;
  register_primitive(std::move(p));
}

}  // namespace lanes::internal
