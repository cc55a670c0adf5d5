// LLVM's standard per-module optimization pipeline (see optimize.h).
#include "codegen/llvm/optimize.h"

#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Target/TargetMachine.h>

#include <optional>

namespace lanes::internal {

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm, llvm::OptimizationLevel level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // The new pass manager skips an optnone function's passes only through this
  // instrumentation (codegen/cpu/cpu_jit.cpp marks kernels too deeply nested to optimize).
  llvm::PassInstrumentationCallbacks callbacks;
  llvm::OptNoneInstrumentation optnone(/*DebugLogging=*/false);
  optnone.registerCallbacks(callbacks);
  llvm::PassBuilder pb(&tm, llvm::PipelineTuningOptions(), std::nullopt, &callbacks);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // The default pipeline refuses O0; the O0 pipeline runs only what correctness needs
  // (always-inline and the like).
  if (level == llvm::OptimizationLevel::O0) {
    pb.buildO0DefaultPipeline(level).run(m, mam);
  } else {
    pb.buildPerModuleDefaultPipeline(level).run(m, mam);
  }
}

}  // namespace lanes::internal
