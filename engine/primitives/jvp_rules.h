// Helpers for JVP rules (forward-mode autodiff, engine/transforms/jvp.h): materializing
// symbolic zero tangents only where a rule needs them, and the rule shapes most primitives
// share (zero tangents, linear structural ops, elementwise chain rule). The families give a
// derivative once and get both rules from it: `set_elementwise_derivative` (JVP and VJP
// from one partial per operand), `set_linear` (JVP is the primitive itself, VJP its
// transpose) and `set_zero_derivative`.
//
// Rules emit equations with the DSL's op functions and bind(), on the current trace, so
// the JVP of a JVP, vmap of a JVP and jit of both compose.
#pragma once

#include <lanes/value.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/primitive.h"

namespace lanes::internal {

// A rank-0 zero literal of `dtype` (elementwise primitives broadcast rank-0 operands).
Value zero_scalar(DType dtype);
// Zeros with the primal's dtype and shape.
Value zeros_for(const Value& primal);
// The tangent, or zeros shaped like its primal when it is a symbolic zero.
Value instantiate(const Tangent& t, const Value& primal);
// `t` broadcast to `shape` when it is rank 0 (a rank-0 operand of an elementwise op).
Value fit_shape(const Value& t, const Shape& shape);

// Re-binds the primitive; every output tangent is zero (comparisons, floor, argmax, ...).
Rule<JvpFn> zero_jvp_rule(std::string prim);
// A primitive with one operand that is linear in it (reshape, transpose, slice,
// broadcast_in_dim, reduce_sum): the tangent is the primitive applied to the tangent.
Rule<JvpFn> linear_jvp_rule(std::string prim);

// The contribution of operand i's tangent `t` to the output tangent of an elementwise
// primitive with operands `x` and output `y` (the chain rule: dy/dx_i * t).
using Partial = std::function<Value(std::span<const Value> x, const Value& y, const Value& t)>;
// The elementwise chain rule: the output tangent is the sum of the partials of the
// operands with nonzero tangents, broadcast to the output's shape.
Rule<JvpFn> elementwise_jvp_rule(std::string prim, std::vector<Partial> partials);

// --- a derivative given once, both rules derived --------------------------------------
// An elementwise primitive's derivative is diagonal, so one function per operand serves
// both modes: partial_i(x, y, t) = dy/dx_i * t, applied to a tangent (JVP: the sum over
// operands) and to the cotangent (VJP: operand i's cotangent, summed back to a rank-0
// operand that was broadcast implicitly).
// One partial per operand; none at all for a piecewise-constant or integer-valued
// primitive (zero tangents and cotangents, as in JAX).
using Derivative = std::vector<Partial>;
inline const Derivative kPiecewiseConstant{};
// A unary primitive's derivative from dy/dx as a function of x and y: the partial t * dydx.
Derivative dydx(std::function<Value(const Value& x, const Value& y)> f);
void set_elementwise_derivative(Primitive& p, Derivative partials);
// Piecewise constant or integer-valued: zero tangents and zero cotangents (as in JAX).
void set_zero_derivative(Primitive& p);
// A primitive linear in its one operand: the JVP applies the primitive to the tangent
// and the VJP is its transpose (JAX: linearize, then transpose). `transpose(ct, x,
// params)` maps a cotangent of the result to one of operand x.
using TransposeFn = std::function<Value(const Value& ct, const Value& x, const Params& params)>;
void set_linear(Primitive& p, TransposeFn transpose);

}  // namespace lanes::internal
