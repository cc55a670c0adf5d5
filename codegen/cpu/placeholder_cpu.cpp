// TEMPORARY: until the CPU backend lands.
#include "codegen/backend.h"
namespace lanes::internal {
std::shared_ptr<Executable> compile_cpu(loop::Program, const JitOptions&) {
  throw CompileError("cpu backend not implemented yet");
}
std::string loop::Program::to_string() const { return {}; }
}  // namespace lanes::internal
