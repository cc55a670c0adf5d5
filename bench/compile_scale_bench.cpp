// Compile time of long programs (issue 18): the chain y = sin(y) * 1.0001 + 0.5 * x (three
// equations a step) and a chain of additions, by length. Prints milliseconds of the first
// call (tracing, passes, lowering, LLVM) minus a cached call, on a thread with a 1 MiB
// stack (so a recursion on program length would crash here). Not a test: timings depend
// on the machine; the curves should grow linearly. docs/benchmarks.md quotes its output.
//
//   build/bench/lanes-bench-compile-scale [--opt-level=N] [steps ...]
// Steps default to 100 300 1000 3000 10000; --opt-level sets JitOptions::opt_level
// (default 2). Cases: grad (interpreted, scalar), jit (x: f64[16]), jit(grad) (scalar),
// jit of a chain of 3 * steps additions (x: f64[16]).
#include <lanes/lanes.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_util.h"

namespace {

using lanes::Array;
using lanes::Fn;
using lanes::Value;

Fn sin_chain(int steps) {
  return lanes::fn([steps](Value x) {
    Value y = x;
    for (int i = 0; i < steps; ++i) y = lanes::sin(y) * 1.0001 + 0.5 * x;
    return y;
  });
}

Fn add_chain(int equations) {
  return lanes::fn([equations](Value x) {
    Value y = x;
    for (int i = 0; i < equations; ++i) y = y + x;
    return y;
  });
}

double compile_ms(const Fn& f, const Array& x) {
  const double t0 = lanes::bench::now_seconds();
  Array first = f(x);
  const double t1 = lanes::bench::now_seconds();
  Array again = f(x);
  const double t2 = lanes::bench::now_seconds();
  return 1e3 * ((t1 - t0) - (t2 - t1));
}

struct Run {
  std::vector<int> steps;
  lanes::JitOptions options;
};

void* run(void* p) {
  const Run& r = *static_cast<const Run*>(p);
  const Array vec = Array::full(lanes::DType::F64, {16}, 0.3);
  const Array one = Array::full(lanes::DType::F64, {}, 0.3);
  std::printf("opt_level %d; ms per case (first call minus a cached call)\n", r.options.opt_level);
  std::printf("%8s %10s %12s %10s %12s %12s\n", "steps", "equations", "grad", "jit",
              "jit(grad)", "jit(adds)");
  for (int n : r.steps) {
    const Fn f = sin_chain(n);
    const double g = compile_ms(lanes::grad(f), one);
    const double j = compile_ms(lanes::jit(f, r.options), vec);
    const double jg = compile_ms(lanes::jit(lanes::grad(f), r.options), one);
    const double ja = compile_ms(lanes::jit(add_chain(3 * n), r.options), vec);
    std::printf("%8d %10d %12.1f %10.1f %12.1f %12.1f\n", n, 3 * n, g, j, jg, ja);
    std::fflush(stdout);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  Run r;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--opt-level=", 0) == 0) {
      r.options.opt_level = std::atoi(arg.c_str() + 12);
    } else {
      r.steps.push_back(std::atoi(arg.c_str()));
    }
  }
  if (r.steps.empty()) r.steps = {100, 300, 1000, 3000, 10000};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::size_t{1} << 20);
  pthread_t thread;
  if (pthread_create(&thread, &attr, run, &r) != 0) {
    std::fprintf(stderr, "cannot start the benchmark thread\n");
    return 1;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return 0;
}
