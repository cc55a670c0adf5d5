// Load test: N cycles of create a distinct function -> jit -> call -> destroy, sampling
// resident memory (/proc/self/statm) after a warm-up and at the end. Resident memory must
// stay flat after the warm-up: JIT code is freed through ORC resource trackers when the
// last reference goes, and the compile cache keeps at most its capacity alive.
//
//   lanes_load [cycles=100000] [warmup=1000] [max_growth_kib=0 (report only)]
//
// Exits 1 if a result is wrong, if the JIT holds more modules than the cache allows, if
// code is not freed when the cache is emptied, or if RSS grew by more than the bound.
#include <lanes/lanes.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "engine/compile_cache.h"

namespace {

long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// One cycle: a function with its own constant (so its own graph and cache key).
bool cycle(long i) {
  const double c = 0.5 + static_cast<double>(i);
  lanes::Fn f = lanes::jit(lanes::fn([c](lanes::Value x) { return lanes::sin(x) * c + x; }));
  std::vector<double> in(16);
  for (int k = 0; k < 16; ++k) in[k] = 0.1 * k - 0.7;
  lanes::Array out = f(lanes::Array::from(in));
  for (int k = 0; k < 16; ++k) {
    double want = std::sin(in[k]) * c + in[k];
    if (std::fabs(out.element_as_double(k) - want) > 1e-12 * (1 + std::fabs(want))) {
      std::fprintf(stderr, "cycle %ld: element %d is %.17g, expected %.17g\n", i, k,
                   out.element_as_double(k), want);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const long cycles = argc > 1 ? std::atol(argv[1]) : 100000;
  const long warmup = argc > 2 ? std::atol(argv[2]) : 1000;
  const long max_growth_kib = argc > 3 ? std::atol(argv[3]) : 0;
  if (cycles <= warmup) {
    std::fprintf(stderr, "lanes_load: cycles (%ld) must exceed warmup (%ld)\n", cycles, warmup);
    return 2;
  }
  namespace li = lanes::internal;
  const std::size_t capacity = li::compile_cache_capacity();
  const long start_kib = rss_kib();
  auto t0 = std::chrono::steady_clock::now();
  long warm_kib = 0;
  for (long i = 0; i < cycles; ++i) {
    if (!cycle(i)) return 1;
    if (i + 1 == warmup) warm_kib = rss_kib();
    if ((i + 1) % 10000 == 0) {
      std::printf("  %ld cycles: RSS %ld KiB\n", i + 1, rss_kib());
      std::fflush(stdout);
    }
  }
  const long end_kib = rss_kib();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t modules = li::cpu::live_module_count();
  const std::size_t retained = li::compile_cache_retained_entries();
  std::printf("lanes_load: %ld cycles in %.1f s (%.2f ms/cycle)\n", cycles, secs,
              1e3 * secs / cycles);
  std::printf("  RSS at start %ld KiB, after %ld warm-up cycles %ld KiB, at the end %ld KiB\n",
              start_kib, warmup, warm_kib, end_kib);
  std::printf("  growth after warm-up: %ld KiB over %ld cycles (%.3f KiB/cycle)\n",
              end_kib - warm_kib, cycles - warmup,
              static_cast<double>(end_kib - warm_kib) / (cycles - warmup));
  std::printf("  live JIT modules %zu, cache retains %zu (capacity %zu)\n", modules, retained,
              capacity);
  int status = 0;
  if (modules > capacity) {
    std::fprintf(stderr, "FAIL: %zu live JIT modules exceed the cache capacity %zu\n", modules,
                 capacity);
    status = 1;
  }
  // Emptying the cache must free every module: no Fn is alive any more.
  li::set_compile_cache_capacity(0);
  if (li::cpu::live_module_count() != 0) {
    std::fprintf(stderr, "FAIL: %zu JIT modules still live with no Fn and an empty cache\n",
                 li::cpu::live_module_count());
    status = 1;
  }
  if (max_growth_kib > 0 && end_kib - warm_kib > max_growth_kib) {
    std::fprintf(stderr, "FAIL: RSS grew by %ld KiB after warm-up (bound %ld KiB)\n",
                 end_kib - warm_kib, max_growth_kib);
    status = 1;
  }
  return status;
}
