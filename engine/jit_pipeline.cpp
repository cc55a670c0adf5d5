// The pass list of jit (Halide's Lower.cpp, in miniature).
#include "engine/jit_pipeline.h"

#include <chrono>
#include <cstdio>

#include "codegen/compile_monitor.h"
#include "engine/debug.h"
#include "engine/lower/lower.h"
#include "engine/passes/cse.h"
#include "engine/passes/dce.h"
#include "engine/passes/expand_composites.h"
#include "engine/passes/fold_constants.h"
#include "engine/passes/simplify.h"
#include "runtime/cancel.h"

namespace lanes::internal {

namespace {
struct Pass {
  const char* name;
  Graph (*run)(const Graph&);
};

constexpr Pass kPasses[] = {
    {"expand_composites", expand_composites},
    {"fold_constants", fold_constants},
    {"simplify", simplify},
    {"cse", eliminate_common_subexpressions},
    {"dce", eliminate_dead_code},
};
}  // namespace

Graph optimize_graph(const Graph& input, CompileMonitor* monitor) {
  CompileMonitor own(nullptr, debug_time_enabled());  // when the caller has none
  CompileMonitor& m = monitor ? *monitor : own;
  Graph g = input;
  for (const Pass& pass : kPasses) {
    throw_if_cancelled();  // a cancelled compile stops between passes
    m.phase(pass.name, g.eqns.size(), "equations");
    auto t0 = std::chrono::steady_clock::now();
    Graph next = pass.run(g);
    auto t1 = std::chrono::steady_clock::now();
    m.end_phase();
    if (debug_ir_enabled()) {
      std::string text = next.to_string();
      char title[128];
      std::snprintf(title, sizeof title, "after %s (%.3f ms)", pass.name,
                    std::chrono::duration<double, std::milli>(t1 - t0).count());
      debug_print(title, text == g.to_string() ? "(unchanged)\n" : text);
    }
    verify(next);
    g = std::move(next);
  }
  return g;
}

std::shared_ptr<Executable> compile_graph(const Graph& g, const JitOptions& options) {
  CompileMonitor monitor(options.on_progress, debug_time_enabled());
  // The callback reports this compile only: the executable and the compiles it starts
  // later (a pmap body) get none.
  JitOptions plain = options;
  plain.on_progress = nullptr;
  Graph optimized = optimize_graph(g, &monitor);
  throw_if_cancelled();
  auto t0 = std::chrono::steady_clock::now();
  monitor.phase("lower", optimized.eqns.size(), "equations");
  loop::Program program = lower_to_loops(optimized, plain, &monitor);
  monitor.end_phase();
  auto t1 = std::chrono::steady_clock::now();
  if (debug_ir_enabled()) {
    char title[64];
    std::snprintf(title, sizeof title, "loop IR (%.3f ms)",
                  std::chrono::duration<double, std::milli>(t1 - t0).count());
    debug_print(title, program.to_string());
  }
  throw_if_cancelled();  // codegen checks again between kernels and before LLVM's optimizer
  std::shared_ptr<Executable> exe = compile_cpu(std::move(program), plain, &monitor);
  monitor.finish();
  auto t2 = std::chrono::steady_clock::now();
  if (debug_ir_enabled()) {
    char title[64];
    std::snprintf(title, sizeof title, "LLVM IR (codegen + JIT %.3f ms)",
                  std::chrono::duration<double, std::milli>(t2 - t1).count());
    debug_print(title, exe->llvm_ir());
  }
  return exe;
}

}  // namespace lanes::internal
