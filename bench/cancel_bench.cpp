// The cost of cancellation checks in compiled while loops (docs/cancellation.md): Newton's
// sqrt (bench/newton.h, the comparison benchmark's while_loop) under jit(vmap(f)) on one
// thread, compiled with and without the per-iteration flag check, alternating so that
// both see the same machine state. Prints the median ns/element of each and the ratio.
//   ninja -C build lanes-bench-cancel && build/bench/lanes-bench-cancel [n] [rounds]
#include <lanes/lanes.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/newton.h"
#include "codegen/cpu/cpu_jit.h"
#include "engine/compile_cache.h"

namespace {

using namespace lanes;

// Median seconds per call of a freshly compiled jit(vmap(newton)) (the cache keeps
// nothing, so each round compiles with the hook's current setting).
double measure(const Array& a, bool checks) {
  internal::cpu::set_cancel_checks_for_bench(checks);
  Fn f = jit(vmap(lanes::bench::newton_sqrt_per_element()), {.parallel = false});
  const std::string ir = f.llvm_ir({a});
  if ((ir.find("load atomic volatile") != std::string::npos) != checks) {
    std::fprintf(stderr, "the check is %s the IR\n", checks ? "missing from" : "still in");
    std::exit(1);
  }
  return lanes::bench::time_median([&] { f(a); }, 15);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  internal::set_compile_cache_capacity(0);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.5 + 100.0 * (static_cast<double>(i) / n);
  const Array a = Array::from(v);
  std::vector<double> with, without;
  for (int r = 0; r < rounds; ++r) {
    without.push_back(measure(a, false));
    with.push_back(measure(a, true));
  }
  const double w = lanes::bench::median(with), wo = lanes::bench::median(without);
  std::printf("Newton sqrt, jit(vmap(f)), one thread, n = %zu, %d rounds\n", n, rounds);
  std::printf("  without the check: %.3f ns/element\n", wo * 1e9 / static_cast<double>(n));
  std::printf("  with the check:    %.3f ns/element\n", w * 1e9 / static_cast<double>(n));
  std::printf("  ratio with/without: %.4f\n", w / wo);
  return 0;
}
