// ScalarOp: the per-element operations a kernel body is made of.
//
// Elementwise primitives name the ScalarOp they lower to; the loop IR, the CPU backend
// and (later) the AMDGPU backend all speak this one vocabulary.
#pragma once

#include <cstdint>
#include <string_view>

namespace lanes::internal {

#define LANES_SCALAR_OPS(X)                                                                    \
  X(None) X(Neg) X(Abs) X(Sign) X(Sqrt) X(Rsqrt) X(Cbrt) X(Exp) X(Exp2) X(Expm1) X(Log)        \
  X(Log2) X(Log10) X(Log1p) X(Sin) X(Cos) X(Tan) X(Asin) X(Acos) X(Atan) X(Sinh) X(Cosh)       \
  X(Tanh) X(Asinh) X(Acosh) X(Atanh) X(Erf) X(Erfc) X(Floor) X(Ceil) X(Round) X(Not)           \
  X(Add) X(Sub) X(Mul) X(Div) X(Rem) X(Pow) X(Atan2) X(Min) X(Max) X(Lt) X(Le) X(Gt) X(Ge)     \
  X(Eq) X(Ne) X(And) X(Or) X(Xor) X(Select) X(Convert)

enum class ScalarOp : std::uint8_t {
#define LANES_ENUM_ENTRY(name) name,
  LANES_SCALAR_OPS(LANES_ENUM_ENTRY)
#undef LANES_ENUM_ENTRY
};

std::string_view scalar_op_name(ScalarOp op);
// Number of operands: 1 (unary, Convert), 2 (binary, comparisons), 3 (Select).
int scalar_op_arity(ScalarOp op);
// Comparisons produce bool whatever their operand dtype.
bool scalar_op_is_comparison(ScalarOp op);

}  // namespace lanes::internal
