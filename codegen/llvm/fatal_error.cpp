// See fatal_error.h.
#include "codegen/llvm/fatal_error.h"

#include <lanes/error.h>
#include <llvm/Support/ErrorHandling.h>

#include <mutex>
#include <string>

namespace lanes::internal::llvmgen {

namespace {

void fatal_error_handler(void*, const char* reason, bool) {
  throw CompileError(std::string("LLVM fatal error: ") + reason);
}

}  // namespace

void install_fatal_error_handler() {
  static std::once_flag once;
  std::call_once(once, [] { llvm::install_fatal_error_handler(fatal_error_handler); });
}

}  // namespace lanes::internal::llvmgen
