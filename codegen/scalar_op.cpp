// Accessors of the ScalarOp table (codegen/scalar_op.h): names, arities, domains, math
// library names and reduction identities.
#include "codegen/scalar_op.h"

#include <lanes/error.h>

#include <string>

#include "codegen/scalar_reference.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {
// The rows are in enum order, so scalar_op_info indexes the table directly.
constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kNumScalarOps; ++i) {
    if (static_cast<std::size_t>(kScalarOpTable[i].op) != i) return false;
  }
  return true;
}
static_assert(rows_in_enum_order());
}  // namespace

std::string_view scalar_op_name(ScalarOp op) {
  if (static_cast<std::size_t>(op) >= kNumScalarOps) return "?";
  return scalar_op_info(op).name;
}

int scalar_op_arity(ScalarOp op) { return scalar_op_info(op).arity; }

bool scalar_op_is_comparison(ScalarOp op) { return scalar_op_info(op).comparison; }

bool scalar_op_accepts(ScalarOp op, DType dtype) {
  switch (scalar_op_info(op).domain) {
    case ScalarDomain::None:
      return false;
    case ScalarDomain::Float:
      return is_float(dtype);
    case ScalarDomain::Integral:
      return !is_float(dtype);
    case ScalarDomain::Numeric:
      return dtype != DType::Bool;
    case ScalarDomain::Any:
      return true;
  }
  return false;
}

const char* scalar_op_math_name(ScalarOp op) { return scalar_op_info(op).math_name; }

bool scalar_op_is_combining(ScalarOp op) {
  return scalar_op_info(op).identity != ScalarIdentityKind::None;
}

Scalar scalar_op_identity(ScalarOp op, DType dtype) {
  if (!scalar_op_accepts(op, dtype) || !scalar_op_is_combining(op)) {
    LANES_FAIL("scalar_op_identity: " + std::string(scalar_op_name(op)) + " has no identity on " +
               std::string(dtype_name(dtype)));
  }
  // One definition of the values: scalar_identity<T>, which the interpreter and the
  // collectives also use.
  return visit_dtype(dtype, [&](auto t) { return Scalar::of(scalar_identity<decltype(t)>(op)); });
}

}  // namespace lanes::internal
