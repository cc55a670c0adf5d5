// The DSL's elementwise operations (include/lanes/ops.h): jnp-style dtype handling on
// top of the elementwise primitives.
//
// Conventions (docs/semantics.md): binary operations promote (engine/ops/promotion.h) and
// broadcast numpy-style; float functions (sqrt, exp, sin, atan2, ...) promote int and bool
// operands to f64, keeping weakness; floor/ceil/round return ints and bools unchanged;
// logical ops act on bools (logically) and ints (bitwise); on bools add/mul/min/max act as
// or/and/and/or as in jnp.
#include <lanes/ops.h>

#include <span>
#include <string>

#include "engine/ops/promotion.h"
#include "engine/trace.h"
#include "runtime/dtype_check.h"

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

// The float functions of one operand: each is its primitive of the same name, on floats.
// clang-format off
#define LANES_FLOAT_UNARY(X)                                                          \
  X(sqrt) X(rsqrt) X(cbrt) X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p)   \
  X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(asinh)       \
  X(acosh) X(atanh) X(erf) X(erfc) X(logistic)
// clang-format on
#define LANES_DEFINE_FLOAT_UNARY(name) \
  Value name(const Value& x) { return float_unary(#name, x); }
LANES_FLOAT_UNARY(LANES_DEFINE_FLOAT_UNARY)
#undef LANES_DEFINE_FLOAT_UNARY

Value floor(const Value& x) { return rounding_unary("floor", x); }
Value ceil(const Value& x) { return rounding_unary("ceil", x); }
Value round(const Value& x) { return rounding_unary("round", x); }
Value logical_not(const Value& x) { return bind1("not", {x}); }
Value square(const Value& x) { return mul(x, x); }

std::span<const NamedUnary> elementwise_unary_functions() {
#define LANES_NAMED(name) NamedUnary{#name, name},
  static constexpr NamedUnary kTable[] = {{"neg", neg},
                                          {"abs", abs},
                                          {"sign", sign},
                                          LANES_FLOAT_UNARY(LANES_NAMED){"floor", floor},
                                          {"ceil", ceil},
                                          {"round", round},
                                          {"logical_not", logical_not},
                                          {"square", square}};
#undef LANES_NAMED
  return kTable;
}
#undef LANES_FLOAT_UNARY

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
  internal::check_dtype_arg(dtype, "astype");
  return cast_to(x, dtype, /*weak=*/false);
}

}  // namespace lanes
