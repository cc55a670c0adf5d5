// LLVM's standard per-module optimization pipeline (see optimize.h).
#include "codegen/llvm/optimize.h"

#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Target/TargetMachine.h>

namespace lanes::internal {

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm, llvm::OptimizationLevel level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
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
