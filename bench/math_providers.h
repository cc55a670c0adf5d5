// Shared pieces of the vector-math provider benchmark (math_providers_bench.cpp): the
// result rows, and the function list with the input range each is timed on.
#pragma once

#include <string>
#include <vector>

namespace lanes::bench {

struct ProviderTiming {
  std::string fn;        // "sin"
  std::string dtype;     // "f32" / "f64"
  int bytes;             // vector size: 16 (sse), 32 (avx2), 64 (avx512)
  std::string provider;  // "sleef_u10", "sleef_u35", "libmvec", "hwy"
  double ulp;            // the provider's documented bound
  double ns;             // median ns per element
};

// Each ISA translation unit (math_providers_isa.cpp, compiled once per ISA) appends its
// rows; it must only be called when the CPU has that ISA.
void time_providers_sse4(std::vector<ProviderTiming>& out);
void time_providers_avx2(std::vector<ProviderTiming>& out);
void time_providers_avx512(std::vector<ProviderTiming>& out);

}  // namespace lanes::bench
