// TEMPORARY: Program::to_string and AffineIndex::stride_of until the lowering helper's
// codegen/loop_ir.cpp lands (then this file is deleted).
#include "codegen/loop_ir.h"
namespace lanes::internal {
std::string loop::Program::to_string() const { return {}; }
std::int64_t loop::AffineIndex::stride_of(int index_var) const {
  std::int64_t s = 0;
  for (const auto& [var, stride] : terms) {
    if (var == index_var) s += stride;
  }
  return s;
}
}  // namespace lanes::internal
