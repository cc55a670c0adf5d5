// Automatic differentiation of lanes::Fn, as in JAX.
//
// Every transformation here rewrites the graph of f (reverse mode: engine/transforms/vjp.h),
// so it composes with jit, vmap and itself in any order: jit(grad(f)), grad(jit(f)),
// vmap(grad(loss), {none, 0, 0}) (per-example gradients), grad(grad(f)).
//
//   lanes::Fn f = lanes::fn([](lanes::Value x) { return lanes::sum(lanes::sin(x) * x); });
//   lanes::Array g = lanes::grad(f)(xs);                // cos(x) * x + sin(x)
//   auto vg = lanes::value_and_grad(f)(xs);             // vg[0] = f(xs), vg[1] = grad
//   lanes::Fn d2 = lanes::grad(lanes::grad(scalar_f));  // second derivative
//
// Forward mode (jvp, jacfwd), stop_gradient and custom JVP rules are as jax.jvp,
// jax.jacfwd, lax.stop_gradient and jax.custom_jvp. Derivatives are graph transformations: jvp(f) is an ordinary Fn whose graph computes f
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

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// --- reverse mode: vjp, grad, value_and_grad, jacrev, hessian; custom_vjp -------------

// Which arguments to differentiate with respect to: one index, or a list (the results
// then have one gradient per listed argument, in the list's order). Negative indices
// are not accepted; indices must be distinct.
class Argnums {
 public:
  Argnums(int index) : indices_{index} {}  // NOLINT(google-explicit-constructor)
  Argnums(std::initializer_list<int> indices) : indices_(indices) {}
  Argnums(std::vector<int> indices) : indices_(std::move(indices)) {}  // NOLINT
  const std::vector<int>& indices() const { return indices_; }

 private:
  std::vector<int> indices_;
};

// The outputs of f at `primals` and its pullback: a Fn taking one cotangent per output
// of f (its dtype and shape) and returning one cotangent per argument of f (zeros for
// integer and bool arguments).
//
//   auto [y, pullback] = lanes::vjp(f, {x});
//   lanes::Array ct_x = pullback(lanes::Array::ones(...));  // ct_y^T * df/dx
struct VjpResult {
  Outputs outputs;
  Fn pullback;
};
VjpResult vjp(const Fn& f, const std::vector<Arg>& primals);

// The gradient of f, which must return one real (float) scalar, with respect to the
// arguments in argnums (which must be float). Errors (ArgumentError): f returns several
// values, a non-scalar or a non-float value (the message names its dtype and shape);
// argnums out of range or repeated. DTypeError: a differentiated argument is not float.
//
//   Fn loss = fn([](Value w, Value x, Value y) { return lanes::sum(lanes::square(x * w - y)); });
//   Array dw = grad(loss)(w, x, y);                  // d loss / d w
//   Outputs both = grad(loss, {0, 1})(w, x, y);      // (d/dw, d/dx)
Fn grad(const Fn& f, Argnums argnums = 0);

// (f(args...), grad(f, argnums)(args...)) in one pass: outputs are the value followed
// by the gradients. The same errors as grad.
Fn value_and_grad(const Fn& f, Argnums argnums = 0);

// The Jacobian of f by reverse mode: the pullback mapped (vmap) over the basis of each
// output. For output k (shape O_k, float) and argument j (shape I_j) in argnums, the
// result is an array of shape O_k ++ I_j; results are ordered output-major (output 0's
// Jacobians for every argnum, then output 1's, ...).
Fn jacrev(const Fn& f, Argnums argnums = 0);

// The Hessian of a real scalar function: jacrev(jacrev(f, argnums), argnums). For a
// single argument of shape S the result has shape S ++ S; with several argnums the
// blocks are ordered (i, j) row-major over the listed arguments.
Fn hessian(const Fn& f, Argnums argnums = 0);

// f with a user-supplied reverse-mode rule, as jax.custom_vjp. With f: (args...) ->
// (outs...):
//   fwd: (args...) -> (outs..., residuals...)   the outputs of f, then any number of
//                                                 residuals (values bwd needs);
//   bwd: (residuals..., cts...) -> (ct_args...)  one cotangent per output of f in,
//                                                 one cotangent per argument of f out, of
//                                                 the argument's dtype and shape (ignored,
//                                                 any value, for integer/bool arguments).
// Evaluating, jit and vmap use f (jit inlines it, so it fuses like any code); reverse
// mode (vjp, grad, value_and_grad, jacrev, hessian) evaluates fwd and bwd instead of
// differentiating f, and differentiates fwd and bwd as ordinary functions for higher
// orders (grad(grad(f)) needs a differentiable bwd). Forward mode (jvp, jvp_fn, jacfwd)
// of a custom_vjp function raises UnsupportedError ("can't apply forward-mode autodiff
// (jvp) to a custom_vjp function"), as in JAX. vmap batches f, fwd and bwd.
// Errors (ArgumentError, DTypeError, ShapeError, naming custom_vjp(<f's name>)): fwd's
// first outputs are not f's outputs, bwd returns the wrong number of cotangents, or a
// float argument's cotangent has another dtype or shape than the argument.
//
//   // log(1 + e^x) whose gradient sigmoid(x) stays exact for large x
//   Fn softplus = lanes::custom_vjp(
//       fn([](Value x) { return log1p(exp(x)); }),
//       fn([](Value x) { return std::make_tuple(log1p(exp(x)), x); }),  // residual: x
//       fn([](Value x, Value g) { return g / (1.0 + exp(-x)); }));
//   Array d = grad(fn([&](Value x) { return sum(softplus(x)); }))(xs);   // sigmoid(xs)
//
//   // identity whose gradient is clipped to [-1, 1]
//   Fn clip_grad = lanes::custom_vjp(fn([](Value x) { return x; }),
//                                    fn([](Value x) { return std::make_tuple(x); }),
//                                    fn([](Value g) { return minimum(maximum(g, -1.0), 1.0); }));
Fn custom_vjp(const Fn& f, const Fn& fwd, const Fn& bwd);

// --- forward mode: jvp, jvp_fn, jacfwd; stop_gradient; custom_jvp -----------------------

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
#pragma GCC visibility pop
