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
#pragma once

#include <lanes/fn.h>

#include <initializer_list>
#include <vector>

namespace lanes {

// --- reverse mode: vjp, grad, value_and_grad, jacrev, hessian ---------------------------
// (custom_vjp is not implemented yet.)

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

// --- end of reverse mode -----------------------------------------------------------------

}  // namespace lanes
