// Diagnostic probe (issue 2): where did the bimodal n = 10^7 jit-vs-hand gap come from?
// Interleaves, round after round, the hand SLEEF u10 loop and jit(f) precise on
// sin(x) * y + exp(-x*x) (single thread), with inputs and outputs at chosen offsets
// within a 4 KiB page (4K aliasing), with the caller's stack moved by 16-byte steps (the
// kernel's vector spill slots move with it), and prints min and median per variant plus
// minor page faults per call (getrusage). Interleaving makes the variants share the
// machine's noise. Findings in docs/benchmarks.md (foundation section).
//   ./build/bench/lanes-bench-alias-probe [n] [rounds]
#include <alloca.h>
#include <lanes/lanes.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>

#include "bench_util.h"
#include "hand_loops.h"

using namespace lanes;
using namespace lanes::bench;

namespace {
long minflt() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
double* page_buffer(std::size_t n, std::size_t offset_bytes) {
  std::size_t bytes = (n * 8 + 8192 + 4095) / 4096 * 4096;
  char* p = static_cast<char*>(std::aligned_alloc(4096, bytes));
  std::memset(p, 0, bytes);
  return reinterpret_cast<double*>(p + offset_bytes);
}
struct Variant {
  const char* name;
  std::function<void()> run;
  std::vector<double> t;
  long faults = 0;
};
}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-3.0, 3.0);
  Fn f = lanes::fn([](Value x, Value y) { return lanes::sin(x) * y + lanes::exp(-x * x); });
  JitOptions precise{.precision = Precision::Precise, .vector_width = 0, .parallel = false};
  Fn jp = jit(f, precise);
  double* x = page_buffer(n, 16);
  double* y = page_buffer(n, 16);
  double* o16 = page_buffer(n, 16);
  double* o64 = page_buffer(n, 64);
  double* o2k = page_buffer(n, 2048);
  double* x2k = page_buffer(n, 1024);
  double* y2k = page_buffer(n, 2048 + 512);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = x2k[i] = dist(rng);
    y[i] = y2k[i] = dist(rng);
  }
  const auto sn = static_cast<std::int64_t>(n);
  Array ax = Array::view(x, {sn}), ay = Array::view(y, {sn});
  Array bx = Array::view(x2k, {sn}), by = Array::view(y2k, {sn});
  std::uintptr_t jit_out = 0;
  std::vector<Variant> vs;
  vs.push_back({"hand, x y out at page+16",
                [&] { simd_loop(Func::SinExp, Provider::SleefU10, x, y, o16, n); },
                {}});
  vs.push_back({"hand, out at page+64",
                [&] { simd_loop(Func::SinExp, Provider::SleefU10, x, y, o64, n); },
                {}});
  vs.push_back({"hand, out at page+2048",
                [&] { simd_loop(Func::SinExp, Provider::SleefU10, x, y, o2k, n); },
                {}});
  vs.push_back({"hand, x+1024 y+2560 out+2048",
                [&] { simd_loop(Func::SinExp, Provider::SleefU10, x2k, y2k, o2k, n); },
                {}});
  vs.push_back({"jit, x y at page+16",
                [&] {
                  Array r = jp(ax, ay);
                  jit_out = reinterpret_cast<std::uintptr_t>(r.data<double>().data());
                },
                {}});
  vs.push_back({"jit, x+1024 y+2560", [&] { Array r = jp(bx, by); }, {}});
  // The same jit call with the stack pointer moved by 16 * k bytes: the kernel's 64-byte
  // spill slots move with it.
  static const char* names[4] = {"jit x y +16, stack -0", "jit x y +16, stack -16",
                                 "jit x y +16, stack -32", "jit x y +16, stack -48"};
  for (int k = 0; k < 4; ++k) {
    vs.push_back({names[k],
                  [&, k] {
                    volatile char* pad = static_cast<char*>(alloca(64 + 16 * k));
                    pad[0] = 0;
                    Array r = jp(ax, ay);
                  },
                  {}});
  }
  for (Variant& v : vs) v.run();  // warm-up: first touch, compile
  for (int r = 0; r < rounds; ++r) {
    for (Variant& v : vs) {
      long f0 = minflt();
      double t0 = now_seconds();
      v.run();
      v.t.push_back(now_seconds() - t0);
      v.faults += minflt() - f0;
    }
  }
  std::printf("n = %zu, %d interleaved rounds; jit output at page+%zu\n", n, rounds,
              static_cast<std::size_t>(jit_out % 4096));
  for (Variant& v : vs) {
    std::sort(v.t.begin(), v.t.end());
    std::printf("%-32s min %.2f  median %.2f ns/el  faults/call %.1f\n", v.name, 1e9 * v.t[0] / n,
                1e9 * median(v.t) / n, double(v.faults) / rounds);
  }
}
