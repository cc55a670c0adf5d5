// Accessors of the ScalarOp table (codegen/scalar_op.h): names, arities, domains, math
// library names and reduction identities.
#include "codegen/scalar_op.h"

#include <lanes/error.h>

#include <limits>
#include <string>

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

ScalarIdentity scalar_op_identity(ScalarOp op, DType dtype) {
  const ScalarOpInfo& info = scalar_op_info(op);
  auto fail = [&]() -> ScalarIdentity {
    LANES_FAIL("scalar_op_identity: " + std::string(info.name) + " has no identity on " +
               std::string(dtype_name(dtype)));
  };
  if (!scalar_op_accepts(op, dtype)) return fail();
  const bool fl = is_float(dtype), bl = dtype == DType::Bool;
  const double inf = std::numeric_limits<double>::infinity();
  const double int_min = dtype == DType::I32
                             ? static_cast<double>(std::numeric_limits<std::int32_t>::min())
                             : static_cast<double>(std::numeric_limits<std::int64_t>::min());
  switch (info.identity) {
    case ScalarIdentityKind::None:
      return fail();
    case ScalarIdentityKind::Zero:
      return {0, false};
    case ScalarIdentityKind::One:
      return {1, false};
    case ScalarIdentityKind::Lowest:
      return {fl ? -inf : bl ? 0.0 : int_min, false};
    case ScalarIdentityKind::Highest:
      if (fl) return {inf, false};
      if (bl) return {1, false};
      return {int_min, true};  // INT_MAX = ~INT_MIN
    case ScalarIdentityKind::AllOnes:
      if (fl) return fail();
      return {bl ? 1.0 : -1.0, false};
  }
  return fail();
}

}  // namespace lanes::internal
