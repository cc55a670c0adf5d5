// The DSL's elementwise operations (include/lanes/ops.h): jnp-style dtype handling on
// top of the elementwise primitives.
//
// Conventions (docs/semantics.md): binary operations promote (engine/ops/promotion.h) and
// broadcast numpy-style; float functions (sqrt, exp, sin, atan2, ...) promote int and bool
// operands to f64, keeping weakness; floor/ceil/round return ints and bools unchanged;
// logical ops act on bools (logically) and ints (bitwise); on bools add/mul/min/max act as
// or/and/and/or as in jnp.
#include <lanes/ops.h>

#include <string>

#include "engine/ops/promotion.h"
#include "engine/trace.h"

namespace lanes {

using internal::bind1;
using internal::cast_to;
using internal::prepare_elementwise;

namespace {
// Int and bool operands of float functions become f64 (weak stays weak).
Value to_float(const Value& x) {
  return is_float(x.dtype()) ? x : cast_to(x, DType::F64, x.weak_type());
}

Value float_unary(const char* prim, const Value& x) { return bind1(prim, {to_float(x)}); }

// floor/ceil/round: integers are already integral.
Value rounding_unary(const char* prim, const Value& x) {
  internal::require_trace(prim);
  return is_float(x.dtype()) ? bind1(prim, {x}) : x;
}

std::vector<Value> prepare2(const char* op, const Value& a, const Value& b) {
  return prepare_elementwise(op, {a, b});
}

Value binary(const char* op, const char* prim, const Value& a, const Value& b) {
  std::vector<Value> v = prepare2(op, a, b);
  return bind1(prim, {v[0], v[1]});
}

// A numeric binary op that on bools means a logical one (jnp: True + True is True).
Value numeric_or_logical(const char* op, const char* prim, const char* bool_prim, const Value& a,
                         const Value& b) {
  std::vector<Value> v = prepare2(op, a, b);
  return bind1(v[0].dtype() == DType::Bool ? bool_prim : prim, {v[0], v[1]});
}

Value float_binary(const char* op, const char* prim, const Value& a, const Value& b) {
  std::vector<Value> v = prepare2(op, a, b);
  return bind1(prim, {to_float(v[0]), to_float(v[1])});
}

void reject_bool(const char* op, const Value& a, const Value& b) {
  if (a.dtype() == DType::Bool && b.dtype() == DType::Bool) {
    throw DTypeError(std::string(op) + ": operands bool, bool are not supported (" + op +
                     " is numeric; use logical_xor / astype)");
  }
}
}  // namespace

Value neg(const Value& x) { return bind1("neg", {x}); }
Value abs(const Value& x) { return bind1("abs", {x}); }
Value sign(const Value& x) { return bind1("sign", {x}); }
Value sqrt(const Value& x) { return float_unary("sqrt", x); }
Value rsqrt(const Value& x) { return float_unary("rsqrt", x); }
Value cbrt(const Value& x) { return float_unary("cbrt", x); }
Value exp(const Value& x) { return float_unary("exp", x); }
Value exp2(const Value& x) { return float_unary("exp2", x); }
Value expm1(const Value& x) { return float_unary("expm1", x); }
Value log(const Value& x) { return float_unary("log", x); }
Value log2(const Value& x) { return float_unary("log2", x); }
Value log10(const Value& x) { return float_unary("log10", x); }
Value log1p(const Value& x) { return float_unary("log1p", x); }
Value sin(const Value& x) { return float_unary("sin", x); }
Value cos(const Value& x) { return float_unary("cos", x); }
Value tan(const Value& x) { return float_unary("tan", x); }
Value asin(const Value& x) { return float_unary("asin", x); }
Value acos(const Value& x) { return float_unary("acos", x); }
Value atan(const Value& x) { return float_unary("atan", x); }
Value sinh(const Value& x) { return float_unary("sinh", x); }
Value cosh(const Value& x) { return float_unary("cosh", x); }
Value tanh(const Value& x) { return float_unary("tanh", x); }
Value asinh(const Value& x) { return float_unary("asinh", x); }
Value acosh(const Value& x) { return float_unary("acosh", x); }
Value atanh(const Value& x) { return float_unary("atanh", x); }
Value erf(const Value& x) { return float_unary("erf", x); }
Value erfc(const Value& x) { return float_unary("erfc", x); }
Value floor(const Value& x) { return rounding_unary("floor", x); }
Value ceil(const Value& x) { return rounding_unary("ceil", x); }
Value round(const Value& x) { return rounding_unary("round", x); }
Value logical_not(const Value& x) { return bind1("not", {x}); }
Value square(const Value& x) { return mul(x, x); }

Value add(const Value& a, const Value& b) { return numeric_or_logical("add", "add", "or", a, b); }
Value sub(const Value& a, const Value& b) {
  reject_bool("sub", a, b);
  return binary("sub", "sub", a, b);
}
Value mul(const Value& a, const Value& b) { return numeric_or_logical("mul", "mul", "and", a, b); }
Value div(const Value& a, const Value& b) {
  reject_bool("div", a, b);
  return binary("div", "div", a, b);
}
Value rem(const Value& a, const Value& b) {
  reject_bool("rem", a, b);
  return binary("rem", "rem", a, b);
}
Value pow(const Value& a, const Value& b) {
  reject_bool("pow", a, b);
  return binary("pow", "pow", a, b);
}
Value atan2(const Value& y, const Value& x) { return float_binary("atan2", "atan2", y, x); }
Value minimum(const Value& a, const Value& b) {
  return numeric_or_logical("minimum", "min", "and", a, b);
}
Value maximum(const Value& a, const Value& b) {
  return numeric_or_logical("maximum", "max", "or", a, b);
}
Value lt(const Value& a, const Value& b) { return binary("lt", "lt", a, b); }
Value le(const Value& a, const Value& b) { return binary("le", "le", a, b); }
Value gt(const Value& a, const Value& b) { return binary("gt", "gt", a, b); }
Value ge(const Value& a, const Value& b) { return binary("ge", "ge", a, b); }
Value eq(const Value& a, const Value& b) { return binary("eq", "eq", a, b); }
Value ne(const Value& a, const Value& b) { return binary("ne", "ne", a, b); }
Value logical_and(const Value& a, const Value& b) { return binary("logical_and", "and", a, b); }
Value logical_or(const Value& a, const Value& b) { return binary("logical_or", "or", a, b); }
Value logical_xor(const Value& a, const Value& b) { return binary("logical_xor", "xor", a, b); }

Value where(const Value& pred, const Value& a, const Value& b) {
  if (pred.dtype() != DType::Bool) {
    throw DTypeError("where: the predicate (operand 0) must be bool, got " +
                     std::string(dtype_name(pred.dtype())) + shape_to_string(pred.shape()) +
                     "; compare it first, e.g. where(x != 0, ...)");
  }
  const bool skip[] = {true, false, false};
  std::vector<Value> v = prepare_elementwise("where", {pred, a, b}, skip);
  return bind1("select", {v[0], v[1], v[2]});
}

Value astype(const Value& x, DType dtype) {
  internal::require_trace("astype");
  return cast_to(x, dtype, /*weak=*/false);
}

}  // namespace lanes
