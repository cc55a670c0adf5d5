// The operations of the Lanes DSL, named as in jax.numpy / jax.lax.
//
// Binary operations broadcast like numpy and promote dtypes like JAX (see docs/dtypes.md):
// C++ scalar literals are weakly typed, so `x * 2.0` keeps the dtype of x.
//
//   Value y = lanes::sin(x) * w + lanes::exp(-x * x);
//   Value s = lanes::sum(y, {1});                  // reduce axis 1
//   Value m = lanes::where(x > 0.0, x, 0.0);       // relu
#pragma once

#include <lanes/scalar.h>
#include <lanes/value.h>

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

using Axes = std::vector<std::int64_t>;

// --- elementwise, one operand ------------------------------------------------
Value neg(const Value& x);
Value abs(const Value& x);
Value sign(const Value& x);
Value sqrt(const Value& x);
Value rsqrt(const Value& x);
Value cbrt(const Value& x);
Value exp(const Value& x);
Value exp2(const Value& x);
Value expm1(const Value& x);
Value log(const Value& x);
Value log2(const Value& x);
Value log10(const Value& x);
Value log1p(const Value& x);
Value sin(const Value& x);
Value cos(const Value& x);
Value tan(const Value& x);
Value asin(const Value& x);
Value acos(const Value& x);
Value atan(const Value& x);
Value sinh(const Value& x);
Value cosh(const Value& x);
Value tanh(const Value& x);
Value asinh(const Value& x);
Value acosh(const Value& x);
Value atanh(const Value& x);
Value erf(const Value& x);
Value erfc(const Value& x);
Value logistic(const Value& x);  // 1 / (1 + exp(-x)), the sigmoid
Value floor(const Value& x);
Value ceil(const Value& x);
Value round(const Value& x);        // halves away from zero, as std::round
Value logical_not(const Value& x);  // bool: logical; integers: bitwise not
Value square(const Value& x);       // x * x

// The functions above by name, in this order, for front ends that call them by name (the
// REPL's builtins).
struct NamedUnary {
  const char* name;
  Value (*fn)(const Value&);
};
std::span<const NamedUnary> elementwise_unary_functions();

// --- elementwise, two operands (numpy broadcasting, JAX promotion) -----------
Value add(const Value& a, const Value& b);
Value sub(const Value& a, const Value& b);
Value mul(const Value& a, const Value& b);
Value div(const Value& a, const Value& b);  // integers: truncating, as C++
Value rem(const Value& a, const Value& b);  // sign of the dividend, as std::fmod / C++ %
Value pow(const Value& a, const Value& b);
Value atan2(const Value& y, const Value& x);
Value minimum(const Value& a, const Value& b);  // NaN-propagating
Value maximum(const Value& a, const Value& b);  // NaN-propagating
Value lt(const Value& a, const Value& b);
Value le(const Value& a, const Value& b);
Value gt(const Value& a, const Value& b);
Value ge(const Value& a, const Value& b);
Value eq(const Value& a, const Value& b);
Value ne(const Value& a, const Value& b);
Value logical_and(const Value& a, const Value& b);  // bool: logical; integers: bitwise
Value logical_or(const Value& a, const Value& b);
Value logical_xor(const Value& a, const Value& b);

// pred ? a : b elementwise; pred must be bool. The three operands broadcast together.
Value where(const Value& pred, const Value& a, const Value& b);
// Cast to another dtype (float -> int truncates toward zero; to bool: x != 0).
Value astype(const Value& x, DType dtype);
// An array constant in the active trace.
Value constant(const Array& a);
// Full arrays of a dtype and shape: `value` converted to `dtype` exactly as astype would
// (an integer argument is never rounded through a double: full(DType::I64, s, INT64_MAX)).
Value full(DType dtype, const Shape& shape, Scalar value);
template <class T>
requires std::is_arithmetic_v<T> Value full(DType dtype, const Shape& shape, T value) {
  return full(dtype, shape, Scalar::of_value(dtype, value));
}
Value zeros_like(const Value& x);
Value ones_like(const Value& x);

// --- shapes ------------------------------------------------------------------
// lax.broadcast_in_dim: operand dim i becomes result dim broadcast_dimensions[i].
Value broadcast_in_dim(const Value& x, const Shape& shape, const Axes& broadcast_dimensions);
Value broadcast_to(const Value& x, const Shape& shape);  // numpy rules
Value reshape(const Value& x, const Shape& shape);       // one extent may be -1
Value transpose(const Value& x, const Axes& permutation);
Value transpose(const Value& x);  // reverse the axes
Value slice(const Value& x, const Axes& start, const Axes& limit, const Axes& strides = {});
Value rev(const Value& x, const Axes& dimensions);  // reverse along each axis listed
Value concatenate(const std::vector<Value>& xs, std::int64_t axis);
Value iota(DType dtype, const Shape& shape, std::int64_t dimension = 0);
Value expand_dims(const Value& x, std::int64_t axis);
Value squeeze(const Value& x, const Axes& axes);

// --- reductions (negative axes count from the end; no axes = all) -------------
Value sum(const Value& x);
Value sum(const Value& x, const Axes& axes);
Value prod(const Value& x);
Value prod(const Value& x, const Axes& axes);
Value max(const Value& x);
Value max(const Value& x, const Axes& axes);
Value min(const Value& x);
Value min(const Value& x, const Axes& axes);
Value mean(const Value& x);
Value mean(const Value& x, const Axes& axes);
Value argmax(const Value& x, std::int64_t axis);  // i64 indices; first of equal maxima
Value argmin(const Value& x, std::int64_t axis);

// --- linear algebra ------------------------------------------------------------
// lax.dot_general: contract lhs_contracting[i] with rhs_contracting[i]; batch dims pair up.
// Result: batch dims, then lhs free dims, then rhs free dims.
Value dot_general(const Value& lhs, const Value& rhs, const Axes& lhs_contracting,
                  const Axes& rhs_contracting, const Axes& lhs_batch = {},
                  const Axes& rhs_batch = {});
Value dot(const Value& a, const Value& b);     // jnp.dot (vector·vector, matvec, matmul)
Value matmul(const Value& a, const Value& b);  // jnp.matmul, with batch dims
Value outer(const Value& a, const Value& b);   // rank-1 × rank-1 -> rank-2

// --- operators -------------------------------------------------------------------
inline Value operator+(const Value& a, const Value& b) { return add(a, b); }
inline Value operator-(const Value& a, const Value& b) { return sub(a, b); }
inline Value operator*(const Value& a, const Value& b) { return mul(a, b); }
inline Value operator/(const Value& a, const Value& b) { return div(a, b); }
inline Value operator%(const Value& a, const Value& b) { return rem(a, b); }
inline Value operator-(const Value& a) { return neg(a); }
inline Value operator<(const Value& a, const Value& b) { return lt(a, b); }
inline Value operator<=(const Value& a, const Value& b) { return le(a, b); }
inline Value operator>(const Value& a, const Value& b) { return gt(a, b); }
inline Value operator>=(const Value& a, const Value& b) { return ge(a, b); }
inline Value operator==(const Value& a, const Value& b) { return eq(a, b); }
inline Value operator!=(const Value& a, const Value& b) { return ne(a, b); }
inline Value operator&&(const Value& a, const Value& b) { return logical_and(a, b); }
inline Value operator||(const Value& a, const Value& b) { return logical_or(a, b); }
inline Value operator&(const Value& a, const Value& b) { return logical_and(a, b); }
inline Value operator|(const Value& a, const Value& b) { return logical_or(a, b); }
inline Value operator^(const Value& a, const Value& b) { return logical_xor(a, b); }
inline Value operator!(const Value& a) { return logical_not(a); }
inline Value operator~(const Value& a) { return logical_not(a); }

}  // namespace lanes
#pragma GCC visibility pop
