// The REPL's `:asm ARCH f(args)`: the AMD GPU disassembly of f for that chip, checked by
// its stable markers (the kernel symbols that lanes::amdgpu::kernel_names lists, the
// chip's instructions, s_endpgm), as the text itself varies with LLVM's scheduling.
// Without ROCm's device libraries or ld.lld the success cases skip; the errors are
// checked everywhere (and in tests/repl/errors.lanes).
#include <gtest/gtest.h>
#include <lanes/amdgpu.h>
#include <lanes/repl.h>

#include "tests/unit/repl_test_util.h"

namespace lanes::repl {
namespace {

using testing::run_ok;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReplAmdgpuAsm, ShowsTheKernelsForTheNamedChip) {
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no ROCm device libraries or ld.lld-19";
  Session s;
  run_ok(s, "def f(x, y) = sin(x) * y\nxs = linspace(0, 1, 3)\ng = jit(f)\n");
  const std::string cpu = run_ok(s, ":asm g(xs, 2.0)\n");
  for (const char* arch : {"gfx90a", "gfx1100"}) {
    SCOPED_TRACE(arch);
    // f need not be jitted; the jitted g gives the same code.
    const std::string text = run_ok(s, std::string(":asm ") + arch + " f(xs, 2.0)\n");
    EXPECT_EQ(text, run_ok(s, std::string(":asm ") + arch + " g(xs, 2.0)\n"));
    EXPECT_NE(text.find(std::string(arch) + ": HSA code object"), std::string::npos) << text;
    EXPECT_EQ(text.find("/tmp/"), std::string::npos);  // objdump's temporary file is not shown
    EXPECT_NE(text.find("<lanes_0_k0_mul>:"), std::string::npos) << text.substr(0, 800);
    EXPECT_EQ(count(text, "s_endpgm"), 1u);  // one kernel
    EXPECT_NE(text.find("global_load"), std::string::npos);
    EXPECT_NE(text.find("global_store"), std::string::npos);
    EXPECT_NE(text, cpu);
  }
  // The CPU's :asm is unchanged: x86 text, no GPU instruction.
  EXPECT_EQ(cpu.find("s_endpgm"), std::string::npos);
  // wave32 and wave64 chips get different code for the same function.
  EXPECT_NE(run_ok(s, ":asm gfx90a f(xs, 2.0)\n"), run_ok(s, ":asm gfx1100 f(xs, 2.0)\n"));
}

TEST(ReplAmdgpuAsm, AFullReductionShowsItsThreeKernelsAndTheLdsTree) {
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no ROCm device libraries or ld.lld-19";
  Session s;
  // (a max: a float sum's fold runs in the CPU's order, without the tree)
  const std::string text = run_ok(s, ":asm gfx90a max(linspace(0, 1, 100000))\n");
  // partials, their lanes, then the fold (engine/lower/split_reduction.h)
  EXPECT_EQ(count(text, "s_endpgm"), 3u) << text.substr(0, 800);
  EXPECT_NE(text.find("s_barrier"), std::string::npos);
  EXPECT_NE(text.find("ds_"), std::string::npos);
}

TEST(ReplAmdgpuAsm, ErrorsNameTheArchitectureAndTheUsage) {
  Session s;
  run_ok(s, "def f(x) = x * 2.0\n");
  EvalOutput r = s.run(":asm gfx999 f(1.0)\n", "<test>");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("ArgumentError"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("'gfx999'"), std::string::npos) << r.error;
  r = s.run(":asm gfx90a f\n", "<test>");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find(":asm takes a call f(args...)"), std::string::npos) << r.error;
  // A function named like a chip is still a call: `:asm gfx90a(x)` is the CPU's :asm.
  run_ok(s, "gfx90a = jit(f)\n");
  EXPECT_EQ(run_ok(s, ":asm gfx90a(1.0)\n").find("s_endpgm"), std::string::npos);
}

}  // namespace
}  // namespace lanes::repl
