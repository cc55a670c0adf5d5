// Helpers for VJP rules (reverse mode, engine/transforms/vjp.h): setting a rule on an
// already registered primitive, the one-line forms of elementwise rules, and reducing a
// cotangent back to an operand that elementwise primitives broadcast implicitly.
//
// Conventions: rules receive the primal inputs, the primal outputs and one cotangent per
// output (nullopt: a symbolic zero) and return one cotangent per input (nullopt: zero or
// not differentiable). They are written with the DSL's ops, so they are differentiable
// again (grad of grad).
#pragma once

#include <lanes/ops.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"

namespace lanes::internal {

inline void set_vjp(std::string_view prim, Rule<VjpFn> rule) {
  primitive_for_registration(prim).vjp = std::move(rule);
}

// A cotangent of the result's shape reduced to an operand that was implicitly broadcast
// (a rank-0 operand of an elementwise primitive with shaped operands).
inline Value unbroadcast(const Value& ct, const Value& operand) {
  if (operand.rank() == 0 && ct.rank() > 0) return lanes::sum(ct);
  return ct;
}

// reduce_sum over `axes` (sorted); x itself for no axes.
inline Value sum_axes(const Value& x, const std::vector<std::int64_t>& axes) {
  if (axes.empty()) return x;
  return bind1(primitive("reduce_sum"), std::vector<Value>{x}, Params{{"axes", axes}});
}

// Every input gets a zero cotangent: comparisons, rounding, integer and logical ops.
inline Rule<VjpFn> zero_vjp() {
  return Rule<VjpFn>::defined(
      [](std::span<const Value> in, std::span<const Value>, std::span<const Cotangent>,
         const Params&) { return std::vector<Cotangent>(in.size(), std::nullopt); });
}

// Unary: ct_x = f(x, y, ct) with y the primal output.
template <class F>
Rule<VjpFn> unary_vjp(F f) {
  return Rule<VjpFn>::defined(
      [f](std::span<const Value> in, std::span<const Value> out, std::span<const Cotangent> ct,
          const Params&) { return std::vector<Cotangent>{f(in[0], out[0], *ct[0])}; });
}

// Binary: ct_a = fa(a, b, y, ct), ct_b = fb(a, b, y, ct), reduced to rank-0 operands.
template <class FA, class FB>
Rule<VjpFn> binary_vjp(FA fa, FB fb) {
  return Rule<VjpFn>::defined([fa, fb](std::span<const Value> in, std::span<const Value> out,
                                       std::span<const Cotangent> ct, const Params&) {
    const Value& a = in[0];
    const Value& b = in[1];
    const Value& g = *ct[0];
    return std::vector<Cotangent>{unbroadcast(fa(a, b, out[0], g), a),
                                  unbroadcast(fb(a, b, out[0], g), b)};
  });
}

}  // namespace lanes::internal
