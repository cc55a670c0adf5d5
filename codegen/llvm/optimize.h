// LLVM's standard per-module optimization pipeline, shared by the two LLVM backends
// (codegen/cpu and codegen/amdgpu); only those include this header.
#pragma once

#include <llvm/Passes/OptimizationLevel.h>

namespace llvm {
class Module;
class TargetMachine;
}  // namespace llvm

namespace lanes::internal {

// Runs the default module pipeline at `level` (O0: LLVM's O0 pipeline), with the
// target's cost model.
void optimize_module(llvm::Module& m, llvm::TargetMachine& tm, llvm::OptimizationLevel level);

}  // namespace lanes::internal
