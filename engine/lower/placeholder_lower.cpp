// TEMPORARY: until lowering lands.
#include "engine/lower/lower.h"
namespace lanes::internal {
loop::Program lower_to_loops(const Graph&, const JitOptions&) {
  throw CompileError("lowering not implemented yet");
}
}  // namespace lanes::internal
