// AMDGPU code objects, on every machine (no GPU needed): every lowerable primitive of
// the registry and the transformation tests' functions compile for gfx90a (wave64,
// CDNA2) and gfx1100 (wave32, RDNA3) into an ELF that LLVM's object library reads as an
// amdgcn shared object with a NAME.kd kernel descriptor per kernel and no undefined
// symbol (so ocml was linked and internalized), and that llvm-objdump disassembles.
// What runs on a GPU is checked by amdgpu_execution_test.cpp where one is present.
#include "codegen/amdgpu/amdgpu_codegen.h"

#include <gtest/gtest.h>
#include <lanes/amdgpu.h>

#include <chrono>
#include <set>
#include <thread>

#include "codegen/amdgpu/amdgpu_tools.h"
#include "codegen/amdgpu/device_libs.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "frontend/fn_impl.h"
#include "tests/unit/amdgpu_test_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using namespace amdgpu_test;
using internal::loop::Block;
using internal::loop::Kernel;
using internal::loop::Program;
namespace ia = internal::amdgpu;

const char* const kArchs[] = {"gfx90a", "gfx1100"};

#define REQUIRE_AMDGPU_TOOLCHAIN()                                                             \
  if (!amdgpu::compiler_available()) {                                                         \
    GTEST_SKIP() << "ROCm device libraries or ld.lld-19 not found: cannot build code objects"; \
  }

Graph optimized_graph(const Case& c) {
  internal::Signature sig;
  for (const Array& a : c.args) sig.push_back(internal::aval_of(a));
  return internal::optimize_graph(*c.f.impl()->graph_for(sig));
}

Program lowered(const Case& c) { return internal::lower_to_loops(optimized_graph(c), {}); }

void shift_buffers(Block& b, int offset) {
  for (auto& op : b.ops) {
    if (op.kind == internal::loop::OpKind::Load) op.buffer += offset;
    for (Block& inner : op.blocks) shift_buffers(inner, offset);
  }
}

// Appends p's kernels (and buffers) to all: many small programs become one module, so
// the device libraries are linked and the code generated once per architecture.
void append_kernels(Program& all, Program p) {
  const int offset = static_cast<int>(all.buffers.size());
  for (auto& b : p.buffers) all.buffers.push_back(std::move(b));
  for (auto& step : p.steps) {
    if (auto* k = std::get_if<Kernel>(&step)) {
      shift_buffers(k->body, offset);
      for (auto& s : k->stores) s.buffer += offset;
      for (int& b : k->fold.buffers) b += offset;
      all.steps.push_back(std::move(*k));
    }
  }
}

std::size_t kernel_count(const Program& p) {
  std::size_t n = 0;
  for (const auto& s : p.steps) n += std::holds_alternative<Kernel>(s) ? 1 : 0;
  return n;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " ";
  return s;
}

// The checks every code object must pass.
void expect_valid_code_object(const ia::CodeObject& co, const std::string& arch,
                              std::size_t kernels) {
  ASSERT_EQ(co.kernels.size(), kernels);
  ia::CodeObjectInfo info = ia::inspect_code_object(co.bytes);
  EXPECT_TRUE(info.elf64_amdgpu) << "not a 64-bit amdgcn ELF";
  EXPECT_TRUE(info.shared_object) << "not linked into a shared object";
  EXPECT_EQ(info.cpu, arch);
  EXPECT_TRUE(info.hsa_v4) << "not a code object v4 (what ROCm 5.2 loads)";
  EXPECT_TRUE(info.undefined.empty()) << "undefined: " << joined(info.undefined);
  std::set<std::string> defined(info.defined.begin(), info.defined.end());
  for (const ia::KernelInfo& k : co.kernels) {
    EXPECT_TRUE(defined.count(k.name)) << k.name << " missing from " << joined(info.defined);
    EXPECT_TRUE(defined.count(k.name + ".kd")) << k.name << ".kd missing";
    EXPECT_FALSE(k.buffers.empty()) << k.name << " has no buffer argument";
  }
  // Transcendentals came from ocml and were inlined: no call to a math symbol is left.
  EXPECT_EQ(co.llvm_ir.find("declare double @__ocml"), std::string::npos);
  EXPECT_EQ(co.llvm_ir.find("declare float @__ocml"), std::string::npos);
  EXPECT_EQ(co.llvm_ir.find("Sleef_"), std::string::npos);
}

TEST(AmdgpuCodegen, EveryPrimitiveOfTheRegistryCompilesForBothArchs) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  Program all;
  std::set<std::string> covered;
  std::vector<Case> cases = elementwise_cases();
  ASSERT_GT(cases.size(), 100u);
  cases.push_back(structural_case(DType::F64));
  cases.push_back(structural_case(DType::I32));
  for (const Case& c : table_structural_cases()) cases.push_back(c);
  for (const Case& c : composition_cases()) cases.push_back(c);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    internal::Signature sig;
    for (const Array& a : c.args) sig.push_back(internal::aval_of(a));
    collect_primitives(*c.f.impl()->graph_for(sig), covered);
    Program p = lowered(c);
    for (const auto& s : p.steps) {
      EXPECT_TRUE(std::holds_alternative<Kernel>(s)) << "host step in " << p.to_string();
    }
    append_kernels(all, std::move(p));
  }
  // The registry walk leaves no lowerable primitive out (host-only ones, such as
  // collectives, are not kernels; composites are expanded before lowering).
  for (const Primitive* prim : internal::all_primitives()) {
    if (prim->lowering == internal::LoweringKind::Host ||
        prim->lowering == internal::LoweringKind::Composite) {
      continue;
    }
    EXPECT_TRUE(covered.count(prim->name)) << prim->name << " is not compiled by any case";
  }
  const std::size_t n = kernel_count(all);
  for (const char* arch : kArchs) {
    SCOPED_TRACE(arch);
    auto t0 = std::chrono::steady_clock::now();
    ia::CodeObject co = ia::compile_amdgpu(all, arch);
    auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ amdgpu ] %s: %zu kernels, %zu-byte code object, %.0f ms\n", arch, n,
                co.bytes.size(), ms);
    expect_valid_code_object(co, arch, n);
  }
}

TEST(AmdgpuCodegen, TransformedFunctionsCompileOneByOne) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  for (const Case& c : composition_cases()) {
    SCOPED_TRACE(c.name);
    Program p = lowered(c);
    for (const char* arch : kArchs) {
      SCOPED_TRACE(arch);
      expect_valid_code_object(ia::compile_amdgpu(p, arch), arch, kernel_count(p));
    }
  }
}

TEST(AmdgpuCodegen, PublicApiGivesTheCodeObjectAndItsKernels) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  Case c = composition_cases()[2];  // vmap(grad(g))
  ASSERT_EQ(c.name, "vmap(grad(g))");
  std::vector<std::uint8_t> bytes = amdgpu::code_object(c.f, c.args, "gfx1100");
  std::vector<std::string> names = amdgpu::kernel_names(c.f, c.args, "gfx1100");
  ASSERT_EQ(names.size(), kernel_count(lowered(c)));
  ia::CodeObjectInfo info = ia::inspect_code_object(bytes);
  EXPECT_TRUE(info.elf64_amdgpu);
  EXPECT_EQ(info.cpu, "gfx1100");
  EXPECT_TRUE(info.undefined.empty()) << joined(info.undefined);
  std::set<std::string> defined(info.defined.begin(), info.defined.end());
  for (const auto& k : names) EXPECT_TRUE(defined.count(k + ".kd")) << k;
  // The ELF magic, for a consumer that only has the bytes.
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(bytes[0], 0x7f);
  EXPECT_EQ(bytes[1], 'E');
}

TEST(AmdgpuCodegen, NewtonWhileLoopIsOneKernelWithALoop) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  // The per-element while_loop stays inside the kernel (divergent work-items): one
  // kernel, and its code has a backward branch.
  Case c = composition_cases()[6];  // vmap(newton_sqrt)
  ASSERT_EQ(c.name, "vmap(newton_sqrt)");
  ia::CodeObject co = ia::compile_amdgpu(lowered(c), "gfx90a");
  ASSERT_EQ(co.kernels.size(), 1u);
  EXPECT_EQ(co.kernels[0].points, 64);
  EXPECT_EQ(co.kernels[0].buffers.size(), 2u);  // the input and the output
  EXPECT_NE(co.llvm_ir.find("amdgpu_kernel"), std::string::npos);
  EXPECT_NE(co.llvm_ir.find("llvm.amdgcn.workitem.id.x"), std::string::npos);
  EXPECT_NE(co.llvm_ir.find("fdiv"), std::string::npos);  // a / x of the Newton step
}

TEST(AmdgpuCodegen, FloatRemainderIsOcmlFmod) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  // rem on floats must be exact like C's fmod (the CPU's), not LLVM's AMDGPU frem
  // expansion x - trunc(x / y) * y: the kernel calls ocml's fmod, inlined by O3.
  Fn f = fn([](Value x, Value y) { return rem(x, y); });
  Case c{
      "rem", f, {testing::sine_ramp(DType::F64, {16}), testing::sine_ramp(DType::F64, {16}, 0.5)}};
  Program p = lowered(c);
  ASSERT_EQ(kernel_count(p), 1u);
  ia::CodeObject co = ia::compile_amdgpu(p, "gfx90a");
  expect_valid_code_object(co, "gfx90a", 1);
  EXPECT_EQ(co.llvm_ir.find("frem"), std::string::npos) << co.llvm_ir;
}

TEST(AmdgpuCodegen, LaunchGeometryCoversTheIndexSpace) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  // matmul [8,16] x [16,4]: one kernel over the [8,4] result points, the contraction an
  // inner loop of each work-item; it reads both operands and writes the result.
  Case c = composition_cases().back();
  ASSERT_EQ(c.name, "matmul");
  Program p = lowered(c);
  ia::CodeObject co = ia::compile_amdgpu(p, "gfx1100");
  ASSERT_EQ(co.kernels.size(), 1u);
  EXPECT_EQ(co.kernels[0].points, 8 * 4);
  EXPECT_EQ(co.kernels[0].buffers.size(), 3u);
  EXPECT_EQ(co.kernels[0].step, 0);
  // The flat work-group size the kernel is compiled for matches the launch's.
  EXPECT_NE(co.llvm_ir.find("\"amdgpu-flat-work-group-size\"=\"1," +
                            std::to_string(ia::kWorkgroupSize) + "\""),
            std::string::npos);
}

TEST(AmdgpuCodegen, DisassemblyShowsTheKernels) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  if (ia::objdump_path().empty()) GTEST_SKIP() << "llvm-objdump-19 not found at configure time";
  Case c = composition_cases()[0];  // sin(x) * y + exp(-x * x), vmapped, f64
  for (const char* arch : kArchs) {
    SCOPED_TRACE(arch);
    std::string text = amdgpu::disassemble(c.f, c.args, arch);
    std::vector<std::string> names = amdgpu::kernel_names(c.f, c.args, arch);
    ASSERT_EQ(names.size(), 1u);
    EXPECT_NE(text.find("<" + names[0] + ">:"), std::string::npos) << text.substr(0, 2000);
    EXPECT_NE(text.find("s_endpgm"), std::string::npos);
    EXPECT_NE(text.find("global_load"), std::string::npos);   // x and y
    EXPECT_NE(text.find("global_store"), std::string::npos);  // the result
    EXPECT_NE(text.find("_f64"), std::string::npos);          // double-precision arithmetic
  }
}

TEST(AmdgpuCodegen, ArchitecturesAreChecked) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  Case c = composition_cases()[0];
  for (const char* bad : {"sm_80", "gfx", "gfx90z", ""}) {
    SCOPED_TRACE(bad);
    testing::expect_error<ArgumentError>(
        [&] { amdgpu::code_object(c.f, c.args, bad); },
        {"unknown GPU architecture", std::string("'") + bad + "'"});
  }
  // Well formed, but no such chip.
  testing::expect_error<ArgumentError>([&] { amdgpu::code_object(c.f, c.args, "gfx999"); },
                                       {"gfx999"});
  // Chips the 5.2 device libraries have no ISA file for still build (our own constant).
  ia::CodeObject co = ia::compile_amdgpu(lowered(c), "gfx942");
  expect_valid_code_object(co, "gfx942", 1);
}

TEST(AmdgpuCodegen, InProcessLldAndTheExecutableGiveTheSameCodeObject) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  if (!ia::lld_in_process()) GTEST_SKIP() << "built without lld's library";
  if (ia::ld_lld_path().empty()) GTEST_SKIP() << "ld.lld-19 not found at configure time";
  Case c = composition_cases()[0];
  Program p = lowered(c);
  ia::CodeObject in_process = ia::compile_amdgpu(p, "gfx90a");
  ia::CodeObject executable;
  {
    testing::ScopedEnv linker("LANES_AMDGPU_LINKER", "exec");
    EXPECT_FALSE(ia::lld_in_process());
    executable = ia::compile_amdgpu(p, "gfx90a");
  }
  EXPECT_TRUE(ia::lld_in_process());  // the variable is restored
  EXPECT_FALSE(in_process.bytes.empty());
  EXPECT_TRUE(in_process.bytes == executable.bytes);
}

TEST(AmdgpuCodegen, ConcurrentCompilesGiveTheSequentialResult) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  // Each compile has its own LLVMContext and TargetMachine; the device-library cache and
  // lld are shared under locks. Threads must give the bytes a lone compile gives.
  Program p = lowered(composition_cases()[0]);
  std::vector<std::uint8_t> want[2];
  for (int a = 0; a < 2; ++a) want[a] = ia::compile_amdgpu(p, kArchs[a]).bytes;
  std::vector<std::uint8_t> got[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { got[t] = ia::compile_amdgpu(p, kArchs[t % 2]).bytes; });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(got[t] == want[t % 2]) << "thread " << t;
}

TEST(AmdgpuCodegen, ArchParsing) {
  EXPECT_EQ(ia::parse_arch("gfx90a").isa_version, 9010);
  EXPECT_TRUE(ia::parse_arch("gfx90a").wave64);
  EXPECT_EQ(ia::parse_arch("gfx1100").isa_version, 11000);
  EXPECT_FALSE(ia::parse_arch("gfx1100").wave64);
  EXPECT_EQ(ia::parse_arch("gfx942").isa_version, 9402);
  EXPECT_EQ(ia::parse_arch("gfx1030").isa_version, 10300);
}

TEST(AmdgpuCodegen, MissingToolchainIsACompileError) {
  // With the device libraries pointed elsewhere, compiling a kernel that needs ocml is a
  // CompileError naming the fix, not a crash.
  Case c = composition_cases()[0];
  {
    testing::ScopedEnv dir("LANES_AMDGPU_BITCODE_DIR", "/nonexistent/lanes-test");
    testing::expect_error<CompileError>([&] { amdgpu::code_object(c.f, c.args, "gfx90a"); },
                                        {"amdgpu backend", "/nonexistent/lanes-test"});
  }
  EXPECT_TRUE(amdgpu::compiler_available());
}

// A row sum longer than 128 terms is a lane loop (loop::Op::lanes): the AMDGPU backend
// runs its lanes one after the other (the loop emitter's default, lanes through a private
// stack array) and folds them in the lane loop's order. Sums along axis 0 and over
// several axes (blocks of two chains with compensated totals) and a full sum of a matrix
// compile too.
TEST(AmdgpuCodegen, LaneSumsCompile) {
  REQUIRE_AMDGPU_TOOLCHAIN();
  for (DType t : {DType::F32, DType::F64}) {
    Case c{
        "vmap(sum)", vmap(fn([](Value r) { return sum(r); })), {testing::sine_ramp(t, {5, 300})}};
    Program p = lowered(c);
    ASSERT_NE(p.to_string().find("lanes_loop"), std::string::npos) << p.to_string();
    const std::vector<Case> blocked{
        {"sum(x, {0})", fn([](Value x) { return sum(x, {0}); }), {testing::sine_ramp(t, {300, 5})}},
        {"sum(x, {0, 1})",
         fn([](Value x) {
           return sum(x, {0, 1});
         }),
         {testing::sine_ramp(t, {40, 6, 5})}},
        {"sum(x)", fn([](Value x) { return sum(x); }), {testing::sine_ramp(t, {300, 40})}}};
    std::vector<Program> programs{p};
    for (const Case& b : blocked) programs.push_back(lowered(b));
    for (const Program& q : programs) {
      for (const char* arch : kArchs) {
        ia::CodeObject co = ia::compile_amdgpu(q, arch);
        expect_valid_code_object(co, arch, kernel_count(q));
      }
    }
  }
}

}  // namespace
}  // namespace lanes
