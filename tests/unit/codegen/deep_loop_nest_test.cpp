// Kernels whose loops nest deeper than kMaxOptimizedLoopDepth (codegen/cpu/cpu_jit.cpp)
// are compiled without LLVM's IR passes (optnone), whose loop passes take time
// superlinear in the nest's depth; shallower ones keep the full pipeline. Either way the
// answer is the interpreter's.
#include <gtest/gtest.h>
#include <lanes/lanes.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include <string>
#include <tuple>
#include <vector>

#include "bench/nested_programs.h"
#include "codegen/llvm/optimize.h"
#include "tests/unit/test_util.h"

namespace {

using lanes::Array;
using lanes::Value;
using lanes::bench::nest_while;

TEST(DeepLoopNest, OnlyKernelsNestedDeeperThanTheBoundSkipTheOptimizer) {
  const std::vector<double> xs{-1.0, 0.25, 3.0, 7.5, -4.0, 0.0, 2.0, 9.0, 1.5};
  const Array x = Array::from(xs);
  for (const int depth : {4, 40}) {
    lanes::Fn f = lanes::jit(lanes::vmap(lanes::fn([depth](Value v) { return nest_while(v, depth); })));
    const std::string ir = f.llvm_ir({x});
    EXPECT_EQ(ir.find("optnone") != std::string::npos, depth > 16) << "depth " << depth;
    std::vector<double> want;
    for (double v : xs) want.push_back((v + 0.5 * depth) * 2.0);
    EXPECT_TRUE(lanes::testing::arrays_close(f(x), Array::from(want))) << "depth " << depth;
  }
}

// The mark must reach the pipeline: LLVM's new pass manager honors optnone only through
// OptNoneInstrumentation (codegen/llvm/optimize.cpp), and without it this function's
// `add 0` was folded like the other's.
TEST(DeepLoopNest, TheOptimizerLeavesAnOptnoneFunctionAlone) {
  llvm::InitializeNativeTarget();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  ASSERT_TRUE(static_cast<bool>(jtmb));
  auto tm = jtmb->createTargetMachine();
  ASSERT_TRUE(static_cast<bool>(tm));
  llvm::LLVMContext ctx;
  llvm::SMDiagnostic err;
  std::unique_ptr<llvm::Module> m = llvm::parseAssemblyString(
      "define i64 @kept(i64 %x) #0 {\n  %y = add i64 %x, 0\n  ret i64 %y\n}\n"
      "define i64 @folded(i64 %x) {\n  %y = add i64 %x, 0\n  ret i64 %y\n}\n"
      "attributes #0 = { noinline optnone }\n",
      err, ctx);
  ASSERT_NE(m, nullptr) << err.getMessage().str();
  lanes::internal::optimize_module(*m, **tm, llvm::OptimizationLevel::O2);
  std::string kept, folded;
  llvm::raw_string_ostream(kept) << *m->getFunction("kept");
  llvm::raw_string_ostream(folded) << *m->getFunction("folded");
  EXPECT_NE(kept.find(" %x, 0"), std::string::npos) << kept;  // module passes may add flags
  EXPECT_EQ(folded.find(" %x, 0"), std::string::npos) << folded;
}

}  // namespace
