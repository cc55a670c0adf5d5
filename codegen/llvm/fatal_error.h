// LLVM's fatal errors as CompileError, for every LLVM backend: LLVM calls the handler
// instead of aborting, and unwinding out of LLVM (built with unwind tables) turns the
// failure into an exception at our boundary. A handler can be installed only once per
// process; every backend calls this before it first uses LLVM.
#pragma once

namespace lanes::internal::llvmgen {

void install_fatal_error_handler();

}  // namespace lanes::internal::llvmgen
