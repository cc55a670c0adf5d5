// TEMPORARY: until the CPU backend lands.
#include "codegen/backend.h"
namespace lanes::internal {
std::shared_ptr<Executable> compile_cpu(loop::Program, const JitOptions&) {
  throw CompileError("cpu backend not implemented yet");
}
}  // namespace lanes::internal
