// ScalarOp: the per-element operations a kernel body is made of, and their one table of
// semantics.
//
// Elementwise primitives name the ScalarOp they lower to; the loop IR, the CPU backend and
// the AMDGPU backend all speak this one vocabulary. Each op has one row below: arity,
// whether it is a comparison, the dtypes it is defined on, the base name of its
// math-library function (SLEEF, libmvec, Highway and ocml all use it), its double-precision
// reference function where its float result is a <cmath> function, its identity if it
// combines a reduction, and its NaN and signed-zero behaviour in words. The element-level
// rules themselves are in runtime/scalar_semantics.h, dispatched per op by
// codegen/scalar_reference.h (graph interpreter, loop-IR oracle, collectives). Adding an op
// is one row here (plus its emission in the backends).
#pragma once

#include <lanes/dtype.h>
#include <lanes/scalar.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lanes::internal {

// The dtypes an op is defined on (at the loop-IR level; a primitive may accept fewer).
enum class ScalarDomain : std::uint8_t {
  None,      // ScalarOp::None only
  Float,     // f32, f64
  Integral,  // bool, i32, i64 (bool logical, ints bitwise)
  Numeric,   // i32, i64, f32, f64
  Any,       // bool, i32, i64, f32, f64 (bool as the lattice false < true)
};

// The identity of an op that combines a reduction (see scalar_op_identity).
enum class ScalarIdentityKind : std::uint8_t {
  None,     // not a combining op
  Zero,     // add, or: 0 / false
  One,      // mul: 1 / true
  Lowest,   // max: -inf, the lowest int, false
  Highest,  // min: +inf, the highest int, true
  AllOnes,  // and: ~0 on ints, true on bool (not defined on floats)
};

// The reference of ops whose float result is a <cmath> function: computed in double, the
// f32 result rounded once (docs/semantics.md).
inline double rsqrt_reference(double x) { return 1.0 / std::sqrt(x); }

#define LANES_SCALAR_REF_NONE nullptr, nullptr
#define LANES_SCALAR_REF1(f) [](double x) { return f(x); }, nullptr
#define LANES_SCALAR_REF2(f) nullptr, [](double a, double b) { return f(a, b); }

// X(name, arity, comparison, domain, math-library base name, reference, identity, NaN and
//   signed-zero behaviour)
// The math-library name applies to float operands only (integer Rem and Pow are emitted
// inline); nullptr where every backend emits instructions.
#define LANES_SCALAR_OP_TABLE(X)                                                              \
  X(None, 0, false, None, nullptr, LANES_SCALAR_REF_NONE, None, "no operation")               \
  X(Neg, 1, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                 \
    "floats flip the sign bit (neg(0) = -0, NaN stays NaN); ints wrap (neg(INT_MIN) = "       \
    "INT_MIN); bool: identity")                                                               \
  X(Abs, 1, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                 \
    "floats clear the sign bit (abs(-0) = +0, abs(NaN) is NaN); ints wrap (abs(INT_MIN) = "   \
    "INT_MIN); bool: identity")                                                               \
  X(Sign, 1, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                \
    "1 for x > 0, -1 for x < 0, else x itself: sign(+-0) = +-0, sign(NaN) = NaN; ints -1, 0 " \
    "or 1; bool: identity")                                                                   \
  X(Sqrt, 1, false, Float, nullptr, LANES_SCALAR_REF1(std::sqrt), None,                       \
    "IEEE sqrt: sqrt(-0) = -0, sqrt(x < 0) = NaN, NaN -> NaN")                                \
  X(Rsqrt, 1, false, Float, nullptr, LANES_SCALAR_REF1(rsqrt_reference), None,                \
    "1 / sqrt(x): rsqrt(+0) = +inf, rsqrt(-0) = -inf, rsqrt(x < 0) = NaN")                    \
  X(Cbrt, 1, false, Float, "cbrt", LANES_SCALAR_REF1(std::cbrt), None,                        \
    "odd: cbrt(-0) = -0; NaN -> NaN")                                                         \
  X(Exp, 1, false, Float, "exp", LANES_SCALAR_REF1(std::exp), None,                           \
    "exp(+-0) = 1, exp(-inf) = +0; NaN -> NaN")                                               \
  X(Exp2, 1, false, Float, "exp2", LANES_SCALAR_REF1(std::exp2), None,                        \
    "exp2(+-0) = 1, exp2(-inf) = +0; NaN -> NaN")                                             \
  X(Expm1, 1, false, Float, "expm1", LANES_SCALAR_REF1(std::expm1), None,                     \
    "odd at 0: expm1(-0) = -0; NaN -> NaN")                                                   \
  X(Log, 1, false, Float, "log", LANES_SCALAR_REF1(std::log), None,                           \
    "log(+-0) = -inf, log(x < 0) = NaN; NaN -> NaN")                                          \
  X(Log2, 1, false, Float, "log2", LANES_SCALAR_REF1(std::log2), None,                        \
    "log2(+-0) = -inf, log2(x < 0) = NaN; NaN -> NaN")                                        \
  X(Log10, 1, false, Float, "log10", LANES_SCALAR_REF1(std::log10), None,                     \
    "log10(+-0) = -inf, log10(x < 0) = NaN; NaN -> NaN")                                      \
  X(Log1p, 1, false, Float, "log1p", LANES_SCALAR_REF1(std::log1p), None,                     \
    "odd at 0: log1p(-0) = -0, log1p(-1) = -inf; NaN -> NaN")                                 \
  X(Sin, 1, false, Float, "sin", LANES_SCALAR_REF1(std::sin), None,                           \
    "odd: sin(-0) = -0, sin(+-inf) = NaN; NaN -> NaN")                                        \
  X(Cos, 1, false, Float, "cos", LANES_SCALAR_REF1(std::cos), None,                           \
    "even: cos(+-0) = 1, cos(+-inf) = NaN; NaN -> NaN")                                       \
  X(Tan, 1, false, Float, "tan", LANES_SCALAR_REF1(std::tan), None,                           \
    "odd: tan(-0) = -0, tan(+-inf) = NaN; NaN -> NaN")                                        \
  X(Asin, 1, false, Float, "asin", LANES_SCALAR_REF1(std::asin), None,                        \
    "odd: asin(-0) = -0, |x| > 1 gives NaN; NaN -> NaN")                                      \
  X(Acos, 1, false, Float, "acos", LANES_SCALAR_REF1(std::acos), None,                        \
    "acos(1) = +0, |x| > 1 gives NaN; NaN -> NaN")                                            \
  X(Atan, 1, false, Float, "atan", LANES_SCALAR_REF1(std::atan), None,                        \
    "odd: atan(-0) = -0; NaN -> NaN")                                                         \
  X(Sinh, 1, false, Float, "sinh", LANES_SCALAR_REF1(std::sinh), None,                        \
    "odd: sinh(-0) = -0; NaN -> NaN")                                                         \
  X(Cosh, 1, false, Float, "cosh", LANES_SCALAR_REF1(std::cosh), None,                        \
    "even: cosh(+-0) = 1; NaN -> NaN")                                                        \
  X(Tanh, 1, false, Float, "tanh", LANES_SCALAR_REF1(std::tanh), None,                        \
    "odd: tanh(-0) = -0; NaN -> NaN")                                                         \
  X(Asinh, 1, false, Float, "asinh", LANES_SCALAR_REF1(std::asinh), None,                     \
    "odd: asinh(-0) = -0; NaN -> NaN")                                                        \
  X(Acosh, 1, false, Float, "acosh", LANES_SCALAR_REF1(std::acosh), None,                     \
    "acosh(1) = +0, x < 1 gives NaN; NaN -> NaN")                                             \
  X(Atanh, 1, false, Float, "atanh", LANES_SCALAR_REF1(std::atanh), None,                     \
    "odd: atanh(-0) = -0, atanh(+-1) = +-inf, |x| > 1 gives NaN; NaN -> NaN")                 \
  X(Erf, 1, false, Float, "erf", LANES_SCALAR_REF1(std::erf), None,                           \
    "odd: erf(-0) = -0; NaN -> NaN")                                                          \
  X(Erfc, 1, false, Float, "erfc", LANES_SCALAR_REF1(std::erfc), None,                        \
    "erfc(+-0) = 1; NaN -> NaN")                                                              \
  X(Floor, 1, false, Any, nullptr, LANES_SCALAR_REF1(std::floor), None,                       \
    "keeps +-0 (floor(-0) = -0) and NaN; ints and bool: identity")                            \
  X(Ceil, 1, false, Any, nullptr, LANES_SCALAR_REF1(std::ceil), None,                         \
    "keeps +-0 (ceil(-0.5) = -0) and NaN; ints and bool: identity")                           \
  X(Round, 1, false, Any, nullptr, LANES_SCALAR_REF1(std::round), None,                       \
    "halves away from zero; keeps +-0 (round(-0.4) = -0) and NaN; ints and bool: identity")   \
  X(Not, 1, false, Integral, nullptr, LANES_SCALAR_REF_NONE, None,                            \
    "bool: logical not; ints: bitwise ~")                                                     \
  X(Add, 2, false, Any, nullptr, LANES_SCALAR_REF_NONE, Zero,                                 \
    "floats IEEE (x + -x = +0, -0 + -0 = -0, NaN propagates); ints wrap; bool: or")           \
  X(Sub, 2, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                 \
    "floats IEEE (x - x = +0, -0 - +0 = -0); ints wrap; bool: xor")                           \
  X(Mul, 2, false, Any, nullptr, LANES_SCALAR_REF_NONE, One,                                  \
    "floats IEEE (sign is the xor of the signs, 0 * inf = NaN); ints wrap; bool: and")        \
  X(Div, 2, false, Numeric, nullptr, LANES_SCALAR_REF_NONE, None,                             \
    "floats IEEE (x / +-0 = +-inf, 0 / 0 = NaN); ints truncate, x / 0 = -1, INT_MIN / -1 = "  \
    "INT_MIN")                                                                                \
  X(Rem, 2, false, Numeric, "fmod", LANES_SCALAR_REF2(std::fmod), None,                       \
    "sign of the dividend: floats fmod (rem(-0, y) = -0, rem(x, 0) = NaN); ints x % 0 = x, "  \
    "INT_MIN % -1 = 0")                                                                       \
  X(Pow, 2, false, Numeric, "pow", LANES_SCALAR_REF2(std::pow), None,                         \
    "floats std::pow (pow(x, +-0) = 1 even for NaN x, pow(1, y) = 1); ints by squaring, "     \
    "wrapping, e < 0 gives 0 unless the base is +-1")                                         \
  X(Atan2, 2, false, Float, "atan2", LANES_SCALAR_REF2(std::atan2), None,                     \
    "atan2(y, x), signed zeros as IEEE (atan2(+-0, -0) = +-pi, atan2(+-0, +0) = +-0); NaN "   \
    "-> NaN")                                                                                 \
  X(Min, 2, false, Any, nullptr, LANES_SCALAR_REF_NONE, Highest,                              \
    "IEEE 754-2019 minimum: a NaN operand gives NaN (elementwise the first NaN operand, "     \
    "as a reduction combine the canonical quiet NaN); -0 < +0 (min(-0, +0) = -0 in both "     \
    "orders); bool: and")                                                                     \
  X(Max, 2, false, Any, nullptr, LANES_SCALAR_REF_NONE, Lowest,                               \
    "IEEE 754-2019 maximum: a NaN operand gives NaN (elementwise the first NaN operand, "     \
    "as a reduction combine the canonical quiet NaN); -0 < +0 (max(-0, +0) = +0 in both "     \
    "orders); bool: or")                                                                      \
  X(Lt, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: false if either is NaN, -0 == +0; bool: false < true")                             \
  X(Le, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: false if either is NaN, -0 == +0; bool: false < true")                             \
  X(Gt, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: false if either is NaN, -0 == +0; bool: false < true")                             \
  X(Ge, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: false if either is NaN, -0 == +0; bool: false < true")                             \
  X(Eq, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: false if either is NaN, -0 == +0")                                                 \
  X(Ne, 2, true, Any, nullptr, LANES_SCALAR_REF_NONE, None,                                   \
    "IEEE: true if either is NaN, -0 == +0")                                                  \
  X(And, 2, false, Integral, nullptr, LANES_SCALAR_REF_NONE, AllOnes,                         \
    "bool: logical and; ints: bitwise &")                                                     \
  X(Or, 2, false, Integral, nullptr, LANES_SCALAR_REF_NONE, Zero,                             \
    "bool: logical or; ints: bitwise |")                                                      \
  X(Xor, 2, false, Integral, nullptr, LANES_SCALAR_REF_NONE, None,                            \
    "bool: logical xor; ints: bitwise ^")                                                     \
  X(Select, 3, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                              \
    "(pred, on_true, on_false), pred bool: the chosen operand unchanged (NaN payloads and "   \
    "signed zeros kept)")                                                                     \
  X(Convert, 1, false, Any, nullptr, LANES_SCALAR_REF_NONE, None,                             \
    "to the op's dtype: float -> int truncates and saturates, NaN -> 0; int -> int wraps; "   \
    "-> bool is x != 0 (NaN -> true, -0 -> false); else round to nearest even")

enum class ScalarOp : std::uint8_t {
#define LANES_ENUM_ENTRY(name, ...) name,
  LANES_SCALAR_OP_TABLE(LANES_ENUM_ENTRY)
#undef LANES_ENUM_ENTRY
};

// One row of the table.
struct ScalarOpInfo {
  ScalarOp op;
  std::string_view name;
  int arity;        // 0 (None), 1 (unary, Convert), 2 (binary, comparisons), 3 (Select)
  bool comparison;  // produces bool whatever the operand dtype
  ScalarDomain domain;
  // Base name of the math-library function for float operands ("sin": SLEEF's
  // Sleef_sind4_u10, libmvec's _ZGVdN4v_sin, lanes_hwy_sin_d4, ocml's __ocml_sin_f64);
  // nullptr where the backends emit instructions.
  const char* math_name;
  // The float reference, on doubles (f32: evaluated in double, rounded once); nullptr
  // where the op is written in runtime/scalar_semantics.h on the element type itself.
  double (*reference1)(double);
  double (*reference2)(double, double);
  ScalarIdentityKind identity;
  const char* semantics;  // NaN and signed-zero behaviour, in words
};

inline constexpr ScalarOpInfo kScalarOpTable[] = {
#define LANES_ROW_ENTRY(name, arity, cmp, domain, lib, ref, ident, doc) \
  ScalarOpInfo{ScalarOp::name,                                          \
               #name,                                                   \
               arity,                                                   \
               cmp,                                                     \
               ScalarDomain::domain,                                    \
               lib,                                                     \
               ref,                                                     \
               ScalarIdentityKind::ident,                               \
               doc},
    LANES_SCALAR_OP_TABLE(LANES_ROW_ENTRY)
#undef LANES_ROW_ENTRY
};

inline constexpr std::size_t kNumScalarOps = sizeof(kScalarOpTable) / sizeof(kScalarOpTable[0]);

constexpr const ScalarOpInfo& scalar_op_info(ScalarOp op) {
  return kScalarOpTable[static_cast<std::size_t>(op)];
}

std::string_view scalar_op_name(ScalarOp op);
// Number of operands: 1 (unary, Convert), 2 (binary, comparisons), 3 (Select).
int scalar_op_arity(ScalarOp op);
// Comparisons produce bool whatever their operand dtype.
bool scalar_op_is_comparison(ScalarOp op);
// Whether `op` is defined on operands of `dtype` (Select: its branches; Convert: its source).
bool scalar_op_accepts(ScalarOp op, DType dtype);
// The math-library base name, or nullptr (see ScalarOpInfo::math_name).
const char* scalar_op_math_name(ScalarOp op);
// Add, Mul, Max, Min, And, Or: the ops with a reduction identity.
bool scalar_op_is_combining(ScalarOp op);

// The identity of a combining op on `dtype`, exact (a loop-IR constant holds a Scalar):
// Max: -inf / INT_MIN / false; Min: +inf / INT_MAX / true; Add, Or: 0 / false; Mul: 1 /
// true; And: -1 (~0) / true. Throws InternalError when `op` is not combining or not
// defined on `dtype` (And on floats).
Scalar scalar_op_identity(ScalarOp op, DType dtype);

}  // namespace lanes::internal
