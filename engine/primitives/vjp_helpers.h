// Helpers for VJP rules (reverse mode, engine/transforms/vjp.h): reducing a cotangent back
// to an operand that elementwise primitives broadcast implicitly, summing over axes, and
// the zero rule. Elementwise primitives get their VJP from their derivative (jvp_rules.h).
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

}  // namespace lanes::internal
