// Compile time of nested control flow (issue 18): a per-element function nesting `cond`
// (or while_loop, fori_loop, scan) `depth` levels deep, jitted under vmap, and vmap/grad
// of the nested cond. Prints milliseconds per depth: the first call of a fresh jitted Fn
// (tracing, passes, lowering, codegen) minus a cached call. Not a test: timings depend
// on the machine. The goal is a curve linear in the depth. One run (--opt-level=0, a
// shared 2-core EPYC, depths 100 and 2000): cond, while_loop, fori_loop and scan grew
// 28-49x over the 20x depth; jit(vmap(grad(cond))) grew 1500x (72 ms to 111 s).
//
//   build/bench/lanes-bench-nested-cf [--only=NAME] [--opt-level=N] [depth ...]
// Depths default to 100 400 800 2000; --only runs the cases whose name contains NAME
// (e.g. --only=while); --opt-level sets JitOptions::opt_level (default 2).
#include <lanes/lanes.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/nested_programs.h"
#include "engine/compile_cache.h"

namespace {

using lanes::Value;
using lanes::bench::nest_cond;
using lanes::bench::nest_fori;
using lanes::bench::nest_scan;
using lanes::bench::nest_while;

double compile_ms(const lanes::Fn& f, const lanes::Array& x) {
  double t0 = lanes::bench::now_seconds();
  lanes::Array first = f(x);
  double t1 = lanes::bench::now_seconds();
  lanes::Array again = f(x);
  double t2 = lanes::bench::now_seconds();
  return 1e3 * ((t1 - t0) - (t2 - t1));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> depths;
  std::string only;
  lanes::JitOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--only=", 0) == 0)
      only = arg.substr(7);
    else if (arg.rfind("--opt-level=", 0) == 0)
      options.opt_level = std::atoi(arg.c_str() + 12);
    else
      depths.push_back(std::atoi(argv[i]));
  }
  if (depths.empty()) depths = {100, 400, 800, 2000};
  lanes::internal::set_compile_cache_capacity(0);
  std::vector<double> xs;
  for (int i = 0; i < 8; ++i) xs.push_back(0.3 * i - 1.0);
  const lanes::Array x = lanes::Array::from(xs);
  using Nest = Value (*)(const Value&, int);
  struct Case {
    const char* name;
    Nest nest;
    bool grad;
  };
  const Case cases[] = {{"jit(vmap(cond))", nest_cond, false},
                        {"jit(vmap(while_loop))", nest_while, false},
                        {"jit(vmap(fori_loop))", nest_fori, false},
                        {"jit(vmap(scan))", nest_scan, false},
                        {"jit(vmap(grad(cond)))", nest_cond, true}};
  std::printf("%-24s", "depth");
  for (int d : depths) std::printf("%10d", d);
  std::printf("   (ms: first call minus a cached call)\n");
  for (const Case& c : cases) {
    if (std::string(c.name).find(only) == std::string::npos) continue;
    std::printf("%-24s", c.name);
    for (int d : depths) {
      Nest nest = c.nest;
      lanes::Fn f = lanes::fn([nest, d](Value v) { return nest(v, d); });
      if (c.grad) f = lanes::grad(f);
      std::printf("%10.1f", compile_ms(lanes::jit(lanes::vmap(f), options), x));
      std::fflush(stdout);
    }
    std::printf("\n");
  }
}
