// Automatic differentiation of lanes::Fn: forward mode (jvp, jacfwd), stop_gradient and
// custom JVP rules — as jax.jvp, jax.jacfwd, lax.stop_gradient and jax.custom_jvp.
//
// Derivatives are graph transformations: jvp(f) is an ordinary Fn whose graph computes f
// and its directional derivative together, so it composes with jit, vmap and itself
// (jvp of jvp gives second derivatives). Only float values carry tangents; integer and
// bool values have zero tangents (their tangent arguments are ignored, their output
// tangents are zeros), and piecewise-constant operations (comparisons, floor, round,
// sign, argmax, ...) have zero derivatives, as in JAX.
//
//   Fn f = fn([](Value x) { return sin(x) * x; });
//   auto [y, dy] = lanes::jvp(f, {Array::scalar(1.0)}, {Array::scalar(1.0)});
//   // y = sin(1), dy = cos(1) + sin(1)
//   Fn J = lanes::jacfwd(fn([](Value v) { return v * v; }));   // J(v) = diag(2v)
#pragma once

#include <lanes/fn.h>

#include <initializer_list>
#include <utility>
#include <vector>

namespace lanes {

// The outputs of f at `primals` and their directional derivatives along `tangents` (one
// tangent per primal, of the primal's dtype and shape). Returns (outputs, output tangents).
//
// Errors: ArgumentError if the number of tangents differs from the number of primals;
// DTypeError / ShapeError naming the argument if a tangent's dtype / shape differs from
// its primal's.
//
//   auto [y, dy] = lanes::jvp(f, {x}, {t});                 // on arrays
//   auto [v, dv] = lanes::jvp(f, {xv}, {tv});               // on Values, inside a trace
std::pair<Outputs, Outputs> jvp(const Fn& f, std::initializer_list<Arg> primals,
                                std::initializer_list<Arg> tangents);
std::pair<Outputs, Outputs> jvp(const Fn& f, const std::vector<Arg>& primals,
                                const std::vector<Arg>& tangents);
std::pair<Values, Values> jvp(const Fn& f, const std::vector<Value>& primals,
                              const std::vector<Value>& tangents);

// The function (primals..., tangents...) -> (outputs..., output tangents...): jvp as a
// Fn, to compose with jit and vmap.
//
//   Fn df = lanes::jit(lanes::jvp_fn(f));   Outputs r = df(x, t);   // r[0] = f(x), r[1] = f'(x) t
Fn jvp_fn(const Fn& f);

// The Jacobian of f with respect to argument `argnums` (a float array of shape S), by
// forward mode: vmap of jvp over the standard basis, as jax.jacfwd. For each output of
// shape O the result has shape O + S. ArgumentError if argnums is out of range, DTypeError
// if that argument is not a float.
//
//   Fn J = lanes::jacfwd(fn([](Value x) { return sin(x); }));   // J(x) = diag(cos(x))
Fn jacfwd(const Fn& f, int argnums = 0);

// The identity whose derivative is zero: derivatives (forward and reverse) do not flow
// through it, as lax.stop_gradient.
//
//   Value y = x * lanes::stop_gradient(x);   // dy/dx = x, not 2x
Value stop_gradient(const Value& x);

// f with a user-supplied JVP rule, as jax.custom_jvp: `rule` takes (primals...,
// tangents...) and returns (outputs..., output tangents...) with the dtypes and shapes of
// f's outputs. Evaluating (and jit, which inlines f) uses f; forward-mode differentiation
// uses `rule` (and differentiates `rule` itself for higher orders). Errors (ArgumentError,
// ShapeError, DTypeError) when the rule does not return one tangent per output of the
// output's type.
//
//   // log(1 + e^x), with a derivative that stays finite for large x
//   Fn softplus = lanes::custom_jvp(
//       fn([](Value x) { return log1p(exp(x)); }),
//       fn([](Value x, Value t) {
//         return std::make_tuple(log1p(exp(x)), t / (1.0 + exp(-x)));
//       }));
Fn custom_jvp(const Fn& f, const Fn& rule);

}  // namespace lanes
