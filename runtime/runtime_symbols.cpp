// The table of functions that JIT-compiled code calls by name (see runtime_symbols.h).
#include "runtime/runtime_symbols.h"

#include "runtime/hwy_vector_math.h"
#include "runtime/math_fallback.h"

namespace lanes::internal {

const std::vector<RuntimeSymbol>& jit_runtime_symbols() {
  static const std::vector<RuntimeSymbol> symbols = [] {
    std::vector<RuntimeSymbol> out;
    append_math_fallback_symbols(&out);
    append_hwy_math_symbols(&out);
    return out;
  }();
  return symbols;
}

}  // namespace lanes::internal
