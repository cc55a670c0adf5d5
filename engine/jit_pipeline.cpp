// The pass list of jit (Halide's Lower.cpp, in miniature).
#include "engine/jit_pipeline.h"

#include <optional>
#include <string>

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
// The phases' times are the monitor's, printed with LANES_DEBUG=time, and with =ir each
// just before the IR the phase produced.
bool print_phase_times() { return debug_time_enabled() || debug_ir_enabled(); }
}  // namespace

Graph optimize_graph(const Graph& input, CompileMonitor* monitor) {
  std::optional<CompileMonitor> own;  // when the caller has none: it only prints times
  if (!monitor) monitor = &own.emplace(nullptr, print_phase_times());
  Graph g = input;
  for (const Pass& pass : kPasses) {
    throw_if_cancelled();  // a cancelled compile stops between passes
    monitor->phase(pass.name, g.eqns.size(), "equations");
    Graph next = pass.run(g);
    monitor->end_phase();
    if (debug_ir_enabled()) {
      std::string text = next.to_string();
      debug_print(std::string("after ") + pass.name,
                  text == g.to_string() ? "(unchanged)\n" : text);
    }
    verify(next);
    g = std::move(next);
  }
  return g;
}

std::shared_ptr<Executable> compile_graph(const Graph& g, const JitOptions& options) {
  CompileMonitor monitor(options.on_progress, print_phase_times());
  // The callback reports this compile only: the executable and the compiles it starts
  // later (a pmap body) get none.
  JitOptions plain = options;
  plain.on_progress = nullptr;
  Graph optimized = optimize_graph(g, &monitor);
  throw_if_cancelled();
  monitor.phase("lower", optimized.eqns.size(), "equations");
  loop::Program program = lower_to_loops(optimized, plain, &monitor);
  monitor.end_phase();
  if (debug_ir_enabled()) debug_print("loop IR", program.to_string());
  throw_if_cancelled();  // codegen checks again between kernels and before LLVM's optimizer
  std::shared_ptr<Executable> exe = compile_cpu(std::move(program), plain, &monitor);
  monitor.finish();
  if (debug_ir_enabled()) debug_print("LLVM IR", exe->llvm_ir());
  return exe;
}

}  // namespace lanes::internal
