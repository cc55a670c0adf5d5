// Vector-math provider benchmark: ns per element (median of 9 samples, single thread,
// L1-resident data) of each function x dtype x vector size x provider, and the fastest
// provider within Fast mode's 4-ULP budget. Its output is the evidence behind the table
// in codegen/cpu/vector_math_table.h and docs/precision.md.
//
//   ninja -C build lanes-bench-math-providers && build/bench/lanes-bench-math-providers
#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include "bench/math_providers.h"

int main() {
  using lanes::bench::ProviderTiming;
  std::vector<ProviderTiming> rows;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.1")) lanes::bench::time_providers_sse4(rows);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    lanes::bench::time_providers_avx2(rows);
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    lanes::bench::time_providers_avx512(rows);
  }
  // (fn, dtype, bytes) -> provider -> row
  std::map<std::tuple<std::string, std::string, int>, std::map<std::string, ProviderTiming>> table;
  for (const ProviderTiming& r : rows) table[{r.fn, r.dtype, r.bytes}][r.provider] = r;
  const char* providers[] = {"sleef_u10", "sleef_u35", "libmvec", "hwy"};
  std::printf(
      "| fn | dtype | bytes | sleef_u10 | sleef_u35 | libmvec | hwy | fastest <= 4 ULP |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& [key, by] : table) {
    const auto& [fn, dtype, bytes] = key;
    std::printf("| %s | %s | %d |", fn.c_str(), dtype.c_str(), bytes);
    const ProviderTiming* best = nullptr;
    for (const char* p : providers) {
      std::string name = p;
      auto it = by.find(name);
      if (name == "sleef_u10" && it == by.end()) it = by.find("sleef_u15");  // erfc
      if (it == by.end()) {
        std::printf(" - |");
        continue;
      }
      std::printf(" %.2f |", it->second.ns);
      if (it->second.ulp <= 4.0 && (best == nullptr || it->second.ns < best->ns))
        best = &it->second;
    }
    std::printf(" %s |\n", best ? best->provider.c_str() : "-");
  }
  return 0;
}
