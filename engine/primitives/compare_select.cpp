// The compare_select primitive family: lt le gt ge eq ne (bool results), select and convert.
//
// Comparisons accept every dtype (bool orders false < true) and follow IEEE: NaN compares
// false except under ne. select(pred, on_true, on_false) takes a bool predicate. convert's
// semantics are total (docs/semantics.md): float -> int truncates toward zero, NaN -> 0 and
// out-of-range values saturate; anything -> bool is x != 0 (NaN -> true).
#include <lanes/ops.h>

#include <cmath>
#include <concepts>
#include <functional>
#include <limits>

#include "codegen/scalar_reference.h"
#include "engine/primitives/families.h"
#include "engine/primitives/family_helpers.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/primitives/vjp_helpers.h"
#include "engine/trace.h"

namespace lanes::internal {

namespace {
constexpr const char* kFamily = "compare_select";

// The comparison functors and the element conversion are the ScalarOp table's
// (codegen/scalar_reference.h).

Array convert_array(const Array& x, DType to) {
  Array out = Array::empty(to, x.shape());
  visit_dtype(x.dtype(), [&](auto s) {
    using S = decltype(s);
    visit_dtype(to, [&](auto d) {
      using D = decltype(d);
      std::span<const S> src = x.data<S>();
      std::span<D> dst = out.mutable_data<D>();
      for (std::size_t i = 0; i < dst.size(); ++i) dst[i] = scalar_convert<D>(src[i]);
    });
  });
  return out;
}

// select: the tangent is selected like the value, and the cotangent goes to the operand
// that was chosen (zeros to the other); the predicate has none.
JvpResult select_jvp(std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
  Value y = bind1(primitive("select"), x, params);
  Value ta = t[1] ? *t[1] : zero_scalar(y.dtype());
  Value tb = t[2] ? *t[2] : zero_scalar(y.dtype());
  return {{y}, {fit_shape(bind1("select", {x[0], ta, tb}), y.shape())}};
}

std::vector<Cotangent> select_vjp(std::span<const Value> in, std::span<const Value>,
                                  std::span<const Cotangent> ct, const Params&) {
  const Value& g = *ct[0];
  Value zero = lanes::zeros_like(g);
  return {std::nullopt, unbroadcast(lanes::where(in[0], g, zero), in[1]),
          unbroadcast(lanes::where(in[0], zero, g), in[2])};
}

void register_select() {
  Primitive p;
  p.name = "select";
  p.family = kFamily;
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params&) -> AvalList {
    check_arity("select", in, 3);
    check_dtype_in("select", in, 0, DTypeSet{DType::Bool});
    // The predicate takes part in the shape rule but not in the dtype and weak type.
    return {elementwise_result("select", in, /*first=*/1)};
  };
  p.impl = [](std::span<const Array> in, const Params&) -> std::vector<Array> {
    const Array& pred = in[0];
    const Array& a = in[1];
    const Array& b = in[2];
    Shape shape = elementwise_shape(in);
    Array out = Array::empty(a.dtype(), shape);
    visit_dtype(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      std::span<const bool> dp = pred.data<bool>();
      std::span<const T> da = a.data<T>();
      std::span<const T> db = b.data<T>();
      std::span<T> dst = out.mutable_data<T>();
      bool sp = pred.rank() == 0, sa = a.rank() == 0, sb = b.rank() == 0;
      for (std::int64_t i = 0; i < out.size(); ++i) {
        dst[static_cast<std::size_t>(i)] =
            element(dp, sp, i) ? element(da, sa, i) : element(db, sb, i);
      }
    });
    return {out};
  };
  p.batch = elementwise_batch_rule("select");
  p.lowering = LoweringKind::Elementwise;
  p.scalar_op = ScalarOp::Select;
  p.jvp = Rule<JvpFn>::defined(select_jvp);
  p.vjp = Rule<VjpFn>::defined(select_vjp);
  register_primitive(std::move(p));
}

// convert: float -> float converts the tangent, and the cotangent back; a conversion to
// or from integers and bool has a zero derivative (as in JAX).
JvpResult convert_jvp(std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
  Value y = bind1(primitive("convert"), x, params);
  if (!is_float(y.dtype()) || !t[0]) return {{y}, {std::nullopt}};
  return {{y}, {bind1(primitive("convert"), std::span<const Value>(&*t[0], 1), params)}};
}

std::vector<Cotangent> convert_vjp(std::span<const Value> in, std::span<const Value>,
                                   std::span<const Cotangent> ct, const Params&) {
  if (!is_float(in[0].dtype()) || !is_float(ct[0]->dtype())) return {std::nullopt};
  return {lanes::astype(*ct[0], in[0].dtype())};
}

void register_convert() {
  Primitive p;
  p.name = "convert";
  p.family = kFamily;
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params& params) -> AvalList {
    check_arity("convert", in, 1);
    return {AbstractValue{params.get<DType>("dtype"), in[0].shape, params.get<bool>("weak")}};
  };
  p.impl = [](std::span<const Array> in, const Params& params) -> std::vector<Array> {
    return {convert_array(in[0], params.get<DType>("dtype"))};
  };
  p.batch = elementwise_batch_rule("convert");
  p.lowering = LoweringKind::Elementwise;
  p.scalar_op = ScalarOp::Convert;
  p.jvp = Rule<JvpFn>::defined(convert_jvp);
  p.vjp = Rule<VjpFn>::defined(convert_vjp);
  register_primitive(std::move(p));
}

}  // namespace

void register_compare_select() {
  auto cmp = [](const char* name, ScalarOp op) {
    return ElementwiseSpec{name, op, kAnyTypes, /*bool_result=*/true};
  };
  def_elementwise_binary(kFamily, cmp("lt", ScalarOp::Lt), ScalarFn<ScalarOp::Lt>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, cmp("le", ScalarOp::Le), ScalarFn<ScalarOp::Le>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, cmp("gt", ScalarOp::Gt), ScalarFn<ScalarOp::Gt>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, cmp("ge", ScalarOp::Ge), ScalarFn<ScalarOp::Ge>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, cmp("eq", ScalarOp::Eq), ScalarFn<ScalarOp::Eq>{},
                         kPiecewiseConstant);
  def_elementwise_binary(kFamily, cmp("ne", ScalarOp::Ne), ScalarFn<ScalarOp::Ne>{},
                         kPiecewiseConstant);
  register_select();
  register_convert();
}

}  // namespace lanes::internal
