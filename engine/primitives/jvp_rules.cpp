// Helpers for JVP rules (see jvp_rules.h).
#include "engine/primitives/jvp_rules.h"

#include <lanes/ops.h>

#include "engine/primitives/vjp_helpers.h"
#include "engine/trace.h"

namespace lanes::internal {

Value zero_scalar(DType dtype) {
  return Value::from_literal(make_literal(Scalar::of_int(dtype, 0), false));
}

Value zeros_for(const Value& primal) { return lanes::full(primal.dtype(), primal.shape(), 0); }

Value instantiate(const Tangent& t, const Value& primal) { return t ? *t : zeros_for(primal); }

Value fit_shape(const Value& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  return lanes::broadcast_in_dim(t, shape, {});
}

Rule<JvpFn> zero_jvp_rule(std::string prim) {
  return Rule<JvpFn>::defined(
      [prim](std::span<const Value> x, std::span<const Tangent>, const Params& params) {
        JvpResult r;
        r.outputs = bind(primitive(prim), x, params);
        r.tangents.assign(r.outputs.size(), std::nullopt);
        return r;
      });
}

Rule<JvpFn> linear_jvp_rule(std::string prim) {
  return Rule<JvpFn>::defined(
      [prim](std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
        const Primitive& p = primitive(prim);
        JvpResult r;
        r.outputs = {bind1(p, x, params)};
        r.tangents = {bind1(p, std::span<const Value>(&*t[0], 1), params)};
        return r;
      });
}

Rule<JvpFn> elementwise_jvp_rule(std::string prim, std::vector<Partial> partials) {
  return Rule<JvpFn>::defined(
      [prim, partials](std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
        Value y = bind1(primitive(prim), x, params);
        std::optional<Value> sum;
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (!t[i]) continue;
          Value c = partials.at(i)(x, y, *t[i]);
          sum = sum ? lanes::add(*sum, c) : c;
        }
        JvpResult r;
        r.outputs = {y};
        r.tangents = {sum ? Tangent(fit_shape(*sum, y.shape())) : std::nullopt};
        return r;
      });
}

Derivative dydx(std::function<Value(const Value& x, const Value& y)> f) {
  return {[f](std::span<const Value> x, const Value& y, const Value& t) { return t * f(x[0], y); }};
}

void set_elementwise_derivative(Primitive& p, Derivative partials) {
  if (partials.empty()) {
    set_zero_derivative(p);
    return;
  }
  p.jvp = elementwise_jvp_rule(p.name, partials);
  p.vjp = Rule<VjpFn>::defined([partials](std::span<const Value> x, std::span<const Value> y,
                                          std::span<const Cotangent> ct, const Params&) {
    std::vector<Cotangent> r;
    for (std::size_t i = 0; i < x.size(); ++i) {
      r.push_back(unbroadcast(partials.at(i)(x, y[0], *ct[0]), x[i]));
    }
    return r;
  });
}

void set_zero_derivative(Primitive& p) {
  p.jvp = zero_jvp_rule(p.name);
  p.vjp = zero_vjp();
}

void set_linear(Primitive& p, TransposeFn transpose) {
  p.jvp = linear_jvp_rule(p.name);
  p.vjp = Rule<VjpFn>::defined([transpose](std::span<const Value> x, std::span<const Value>,
                                           std::span<const Cotangent> ct, const Params& params) {
    return std::vector<Cotangent>{transpose(*ct[0], x[0], params)};
  });
}

}  // namespace lanes::internal
