// The functions of liblanes that JIT-compiled kernels call by name (vector math wrappers,
// scalar fallbacks). liblanes exports only its public API, so the JIT cannot find these
// with dlsym: it defines each one at its address instead (codegen/cpu/cpu_jit.cpp).
//
//   for (const RuntimeSymbol& s : jit_runtime_symbols()) define(s.name, s.address);
#pragma once

#include <vector>

namespace lanes::internal {

struct RuntimeSymbol {
  const char* name;  // the symbol the generated code calls
  void* address;
};

// Every such function of this build (built once, on first use).
const std::vector<RuntimeSymbol>& jit_runtime_symbols();

}  // namespace lanes::internal
