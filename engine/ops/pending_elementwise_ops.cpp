// PENDING: placeholders for the elementwise ops until their family lands (delete this file then).
#include <lanes/ops.h>

namespace lanes {

Value neg(const Value&) { throw UnsupportedError("neg: not implemented yet"); }
Value abs(const Value&) { throw UnsupportedError("abs: not implemented yet"); }
Value sign(const Value&) { throw UnsupportedError("sign: not implemented yet"); }
Value sqrt(const Value&) { throw UnsupportedError("sqrt: not implemented yet"); }
Value rsqrt(const Value&) { throw UnsupportedError("rsqrt: not implemented yet"); }
Value cbrt(const Value&) { throw UnsupportedError("cbrt: not implemented yet"); }
Value exp(const Value&) { throw UnsupportedError("exp: not implemented yet"); }
Value exp2(const Value&) { throw UnsupportedError("exp2: not implemented yet"); }
Value expm1(const Value&) { throw UnsupportedError("expm1: not implemented yet"); }
Value log(const Value&) { throw UnsupportedError("log: not implemented yet"); }
Value log2(const Value&) { throw UnsupportedError("log2: not implemented yet"); }
Value log10(const Value&) { throw UnsupportedError("log10: not implemented yet"); }
Value log1p(const Value&) { throw UnsupportedError("log1p: not implemented yet"); }
Value sin(const Value&) { throw UnsupportedError("sin: not implemented yet"); }
Value cos(const Value&) { throw UnsupportedError("cos: not implemented yet"); }
Value tan(const Value&) { throw UnsupportedError("tan: not implemented yet"); }
Value asin(const Value&) { throw UnsupportedError("asin: not implemented yet"); }
Value acos(const Value&) { throw UnsupportedError("acos: not implemented yet"); }
Value atan(const Value&) { throw UnsupportedError("atan: not implemented yet"); }
Value sinh(const Value&) { throw UnsupportedError("sinh: not implemented yet"); }
Value cosh(const Value&) { throw UnsupportedError("cosh: not implemented yet"); }
Value tanh(const Value&) { throw UnsupportedError("tanh: not implemented yet"); }
Value asinh(const Value&) { throw UnsupportedError("asinh: not implemented yet"); }
Value acosh(const Value&) { throw UnsupportedError("acosh: not implemented yet"); }
Value atanh(const Value&) { throw UnsupportedError("atanh: not implemented yet"); }
Value erf(const Value&) { throw UnsupportedError("erf: not implemented yet"); }
Value erfc(const Value&) { throw UnsupportedError("erfc: not implemented yet"); }
Value floor(const Value&) { throw UnsupportedError("floor: not implemented yet"); }
Value ceil(const Value&) { throw UnsupportedError("ceil: not implemented yet"); }
Value round(const Value&) { throw UnsupportedError("round: not implemented yet"); }
Value logical_not(const Value&) { throw UnsupportedError("logical_not: not implemented yet"); }
Value square(const Value&) { throw UnsupportedError("square: not implemented yet"); }
Value add(const Value&, const Value&) { throw UnsupportedError("add: not implemented yet"); }
Value sub(const Value&, const Value&) { throw UnsupportedError("sub: not implemented yet"); }
Value mul(const Value&, const Value&) { throw UnsupportedError("mul: not implemented yet"); }
Value div(const Value&, const Value&) { throw UnsupportedError("div: not implemented yet"); }
Value rem(const Value&, const Value&) { throw UnsupportedError("rem: not implemented yet"); }
Value pow(const Value&, const Value&) { throw UnsupportedError("pow: not implemented yet"); }
Value atan2(const Value&, const Value&) { throw UnsupportedError("atan2: not implemented yet"); }
Value minimum(const Value&, const Value&) { throw UnsupportedError("minimum: not implemented yet"); }
Value maximum(const Value&, const Value&) { throw UnsupportedError("maximum: not implemented yet"); }
Value lt(const Value&, const Value&) { throw UnsupportedError("lt: not implemented yet"); }
Value le(const Value&, const Value&) { throw UnsupportedError("le: not implemented yet"); }
Value gt(const Value&, const Value&) { throw UnsupportedError("gt: not implemented yet"); }
Value ge(const Value&, const Value&) { throw UnsupportedError("ge: not implemented yet"); }
Value eq(const Value&, const Value&) { throw UnsupportedError("eq: not implemented yet"); }
Value ne(const Value&, const Value&) { throw UnsupportedError("ne: not implemented yet"); }
Value logical_and(const Value&, const Value&) { throw UnsupportedError("logical_and: not implemented yet"); }
Value logical_or(const Value&, const Value&) { throw UnsupportedError("logical_or: not implemented yet"); }
Value logical_xor(const Value&, const Value&) { throw UnsupportedError("logical_xor: not implemented yet"); }
Value where(const Value&, const Value&, const Value&) { throw UnsupportedError("where: not implemented yet"); }
Value astype(const Value&, DType) { throw UnsupportedError("astype: not implemented yet"); }

}  // namespace lanes
