// The pass list of jit (Halide's Lower.cpp, in miniature).
#include "engine/jit_pipeline.h"

#include "engine/debug.h"
#include "engine/lower/lower.h"
#include "engine/passes/cse.h"
#include "engine/passes/dce.h"
#include "engine/passes/fold_constants.h"
#include "engine/passes/expand_composites.h"
#include "engine/passes/simplify.h"
#include "runtime/cancel.h"

#include <chrono>
#include <cstdio>

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

Graph optimize_graph(const Graph& input) {
  Graph g = input;
  for (const Pass& pass : kPasses) {
    throw_if_cancelled();  // a cancelled compile stops between passes
    auto t0 = std::chrono::steady_clock::now();
    Graph next = pass.run(g);
    auto t1 = std::chrono::steady_clock::now();
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
  Graph optimized = optimize_graph(g);
  throw_if_cancelled();
  auto t0 = std::chrono::steady_clock::now();
  loop::Program program = lower_to_loops(optimized, options);
  auto t1 = std::chrono::steady_clock::now();
  if (debug_ir_enabled()) {
    char title[64];
    std::snprintf(title, sizeof title, "loop IR (%.3f ms)",
                  std::chrono::duration<double, std::milli>(t1 - t0).count());
    debug_print(title, program.to_string());
  }
  throw_if_cancelled();  // codegen checks again between kernels and before LLVM's optimizer
  std::shared_ptr<Executable> exe = compile_cpu(std::move(program), options);
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
