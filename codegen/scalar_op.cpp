// Names and arities of the scalar operations.
#include "codegen/scalar_op.h"

namespace lanes::internal {

std::string_view scalar_op_name(ScalarOp op) {
  switch (op) {
#define LANES_NAME_ENTRY(name) \
  case ScalarOp::name: return #name;
    LANES_SCALAR_OPS(LANES_NAME_ENTRY)
#undef LANES_NAME_ENTRY
  }
  return "?";
}

int scalar_op_arity(ScalarOp op) {
  switch (op) {
    case ScalarOp::None: return 0;
    case ScalarOp::Select: return 3;
    case ScalarOp::Add: case ScalarOp::Sub: case ScalarOp::Mul: case ScalarOp::Div:
    case ScalarOp::Rem: case ScalarOp::Pow: case ScalarOp::Atan2: case ScalarOp::Min:
    case ScalarOp::Max: case ScalarOp::Lt: case ScalarOp::Le: case ScalarOp::Gt:
    case ScalarOp::Ge: case ScalarOp::Eq: case ScalarOp::Ne: case ScalarOp::And:
    case ScalarOp::Or: case ScalarOp::Xor:
      return 2;
    default: return 1;
  }
}

bool scalar_op_is_comparison(ScalarOp op) {
  switch (op) {
    case ScalarOp::Lt: case ScalarOp::Le: case ScalarOp::Gt: case ScalarOp::Ge:
    case ScalarOp::Eq: case ScalarOp::Ne:
      return true;
    default: return false;
  }
}

}  // namespace lanes::internal
