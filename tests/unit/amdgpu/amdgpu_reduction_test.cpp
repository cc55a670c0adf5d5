// Full reductions on AMDGPU: the fold kernel of a split reduction (split_reduction.h) is
// a one-workgroup tree in LDS (amdgpu_kernel_codegen.cpp), except for float sums, whose
// fold (compensated totals) runs in the CPU's order. On every machine: the lowering marks
// the fold (not a float sum's), both archs compile it with an LDS array and barriers, a
// float sum serialized for the GPU is the host model of the documented order
// (tests/oracle/sum_order_model.h) and the CPU JIT's bits, and other reductions'
// serialization into one-point loop IR (amdgpu::serialize_workgroup_folds) run by the
// loop-IR interpreter agrees with the CPU JIT. With an AMD GPU, the device result must
// equal that serialization exactly.
#include <gtest/gtest.h>
#include <lanes/amdgpu.h>

#include <cmath>
#include <limits>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "engine/lower/split_reduction.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/oracle/sum_order_model.h"
#include "tests/oracle/workgroup_fold_order.h"
#include "tests/unit/amdgpu_test_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using namespace amdgpu_test;
using internal::loop::Kernel;
using internal::loop::Program;
namespace ia = internal::amdgpu;
namespace lo = internal::lower;

const char* const kArchs[] = {"gfx90a", "gfx1100"};
const char* const kReductions[] = {"reduce_sum", "reduce_prod", "reduce_max",
                                   "reduce_min", "argmax",      "argmin"};

// prim over the whole vector x (argmax/argmin: its only axis, i32 indices).
Fn full_reduction(const std::string& prim) {
  return fn([prim](Value x) {
    if (prim == "argmax" || prim == "argmin") {
      return B(prim.c_str(), {x}, {{"axis", std::int64_t{0}}, {"index_dtype", DType::I32}});
    }
    return B(prim.c_str(), {x}, {{"axes", Ints{0}}});
  });
}

Program lowered(const Fn& f, const std::vector<Array>& args) {
  internal::Signature sig;
  for (const Array& a : args) sig.push_back(internal::aval_of(a));
  return internal::lower_to_loops(internal::optimize_graph(*f.impl()->graph_for(sig)), {});
}

// x[i] = sin(0.37 i) * 1.7^(i mod 9): values of mixed sign and magnitude, so that the
// summation order shows in the last bits of an f32 sum.
Array ramp(DType t, std::int64_t n) {
  Array a = Array::empty(t, {n});
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = std::sin(0.37 * static_cast<double>(i)) * std::pow(1.7, i % 9);
    if (t == DType::F32) static_cast<float*>(a.raw())[i] = static_cast<float>(v);
    if (t == DType::F64) static_cast<double*>(a.raw())[i] = v;
  }
  return a;
}

// Runs a Program by the loop-IR reference interpreter (f32 arithmetic in float).
std::vector<Array> run_serial(const Program& p, const std::vector<Array>& args) {
  return internal::run_program_reference(p, args);
}

TEST(AmdgpuReduction, LoweringMarksTheFoldOfASplitReduction) {
  for (const char* prim : kReductions) {
    SCOPED_TRACE(prim);
    // 10007 = 9 groups of 16 x 69, 4 rows of 16 for the lanes kernel and 7 elements.
    Program p = lowered(full_reduction(prim), {ramp(DType::F64, 10007)});
    ASSERT_EQ(p.steps.size(), 3u) << p.to_string();
    const Kernel& lanes_k = std::get<Kernel>(p.steps[1]);
    const Kernel& fold = std::get<Kernel>(p.steps[2]);
    EXPECT_LT(std::get<Kernel>(p.steps[0]).fold.loop, 0);
    EXPECT_LT(lanes_k.fold.loop, 0);
    if (std::string(prim) == "reduce_sum") {  // a float sum's fold runs as it is
      EXPECT_LT(fold.fold.loop, 0);
      continue;
    }
    ASSERT_GE(fold.fold.loop, 0);
    // The fold reads what the lanes kernel stores, one buffer per state component.
    const std::size_t comps = std::string(prim).rfind("arg", 0) == 0 ? 2 : 1;
    ASSERT_EQ(fold.fold.buffers.size(), comps);
    ASSERT_EQ(lanes_k.stores.size(), comps);
    for (std::size_t c = 0; c < comps; ++c)
      EXPECT_EQ(fold.fold.buffers[c], lanes_k.stores[c].buffer);
    EXPECT_GE(fold.fold.rest_loop, 0);
    // 8192 = 8 groups of 16 x 64 exactly: no rest.
    Program exact = lowered(full_reduction(prim), {ramp(DType::F64, 8192)});
    EXPECT_EQ(std::get<Kernel>(exact.steps.back()).fold.rest_loop, -1);
  }
  // A reduction along one axis of a matrix is not split: no fold.
  Program p =
      lowered(fn([](Value x) { return sum(x, {1}); }), {testing::sine_ramp(DType::F64, {4, 100})});
  for (const auto& s : p.steps) EXPECT_LT(std::get<Kernel>(s).fold.loop, 0);
}

TEST(AmdgpuReduction, FoldKernelsCompileWithLdsAndBarriersForBothArchs) {
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no ROCm device libraries or ld.lld-19";
  // 100000 elements: 97 groups, their lanes (16 partials), and the rest.
  for (std::int64_t n : {100000}) {
    for (DType t : {DType::F64, DType::F32, DType::I32}) {
      for (const char* prim : kReductions) {
        SCOPED_TRACE(std::string(prim) + "/" + std::string(dtype_name(t)) + "/" +
                     std::to_string(n));
        Array x = t == DType::I32 ? testing::sine_ramp(t, {n}) : ramp(t, n);
        Program p = lowered(full_reduction(prim), {x});
        for (const char* arch : kArchs) {
          ia::CodeObject co = ia::compile_amdgpu(p, arch);
          ASSERT_EQ(co.kernels.size(), 3u);
          ia::CodeObjectInfo info = ia::inspect_code_object(co.bytes);
          EXPECT_TRUE(info.elf64_amdgpu);
          EXPECT_EQ(info.cpu, arch);
          EXPECT_TRUE(info.undefined.empty());
          // The fold: one workgroup (a single point), compiled for exactly 256 work-items,
          // with its state in LDS arrays and barriers between the tree's stages (a float
          // sum's: one point in the CPU's order).
          EXPECT_EQ(co.kernels.back().points, 1);
          const std::string& ir = co.llvm_ir;
          if (std::string(prim) == "reduce_sum" && t != DType::I32) {
            EXPECT_EQ(ir.find("@llvm.amdgcn.s.barrier()"), std::string::npos);
            continue;
          }
          EXPECT_NE(ir.find("\"amdgpu-flat-work-group-size\"=\"256,256\""), std::string::npos);
          EXPECT_NE(ir.find("addrspace(3) global [256 x "), std::string::npos) << ir;
          EXPECT_NE(ir.find("@llvm.amdgcn.s.barrier()"), std::string::npos);
          EXPECT_NE(ir.find("fence syncscope(\"workgroup\") release"), std::string::npos);
          EXPECT_NE(ir.find("fence syncscope(\"workgroup\") acquire"), std::string::npos);
        }
      }
    }
  }
}

TEST(AmdgpuReduction, DisassemblyOfTheFoldHasLdsAccessesAndBarriers) {
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no ROCm device libraries or ld.lld-19";
  if (ia::objdump_path().empty()) GTEST_SKIP() << "llvm-objdump-19 not found";
  Fn f = full_reduction("reduce_max");
  std::vector<Array> args{ramp(DType::F64, 100000)};
  for (const char* arch : kArchs) {
    SCOPED_TRACE(arch);
    std::string text = amdgpu::disassemble(f, args, arch);
    std::vector<std::string> names = amdgpu::kernel_names(f, args, arch);
    ASSERT_EQ(names.size(), 3u);
    const std::size_t at = text.find("<" + names.back() + ">:");
    ASSERT_NE(at, std::string::npos) << text.substr(0, 2000);
    const std::string fold = text.substr(at);
    EXPECT_NE(fold.find("s_barrier"), std::string::npos) << fold.substr(0, 4000);
    EXPECT_NE(fold.find("ds_"), std::string::npos);  // LDS reads and writes
    EXPECT_NE(fold.find("s_endpgm"), std::string::npos);
  }
}

TEST(AmdgpuReduction, SerializedOrderIsTheDocumentedOneBitForBit) {
  // f32 sums show their order in the last bits: a float sum's fold is not serialized, so
  // the GPU's program, run by the loop-IR interpreter, equals the host model of the
  // documented order and the CPU JIT's result exactly.
  for (std::int64_t n : {300, 10000, 100000, 1000003}) {
    SCOPED_TRACE(n);
    Array x = ramp(DType::F32, n);
    std::vector<float> xs(static_cast<const float*>(x.raw()),
                          static_cast<const float*>(x.raw()) + n);
    Fn f = full_reduction("reduce_sum");
    Program gpu_order = ia::serialize_workgroup_folds(lowered(f, {x}));
    const float got = run_serial(gpu_order, {x})[0].item<float>();
    EXPECT_EQ(got, testing::model_full_sum(xs));
    EXPECT_EQ(got, Array(jit(f)(x)).item<float>());
  }
  // Products of factors near 1 (no overflow): the same relative bound.
  Array y = Array::empty(DType::F64, {100000});
  for (std::int64_t i = 0; i < y.size(); ++i)
    static_cast<double*>(y.raw())[i] = 1 + 1e-4 * std::sin(0.37 * static_cast<double>(i));
  Fn prod = full_reduction("reduce_prod");
  const double got =
      run_serial(ia::serialize_workgroup_folds(lowered(prod, {y})), {y})[0].item<double>();
  long double exact = 1;
  for (std::int64_t i = 0; i < y.size(); ++i) exact *= y.element_as_double(i);
  EXPECT_NEAR(got, static_cast<double>(exact), 2e5 * 0x1p-53 * got);
  EXPECT_NEAR(got, Array(jit(prod)(y)).item<double>(), 2e5 * 0x1p-53 * got);
}

// Extremes and their indices with ties, NaNs and signed zeros planted: the GPU order must
// give the CPU JIT's result exactly (first index of the extreme; NaN wins, the first one).
TEST(AmdgpuReduction, SerializedExtremesAndArgExtremesMatchTheCpuJitExactly) {
  const std::int64_t n = 100000;
  std::vector<Array> inputs;
  Array ties = ramp(DType::F64, n);
  for (std::int64_t i : {777, 5000, 99990}) static_cast<double*>(ties.raw())[i] = 1e6;
  for (std::int64_t i : {123, 45678}) static_cast<double*>(ties.raw())[i] = -1e6;
  inputs.push_back(ties);
  Array nans = ties.copy();
  for (std::int64_t i : {60001, 3333, 99999})
    static_cast<double*>(nans.raw())[i] = std::numeric_limits<double>::quiet_NaN();
  inputs.push_back(nans);
  Array zeros = Array::empty(DType::F64, {n});
  for (std::int64_t i = 0; i < n; ++i) static_cast<double*>(zeros.raw())[i] = i % 3 ? 0.0 : -0.0;
  inputs.push_back(zeros);
  inputs.push_back(testing::sine_ramp(DType::I32, {n}));
  // The same inside the rest elements (98304 and up), split among work-items there.
  Array rest_ties = ramp(DType::F64, n);
  for (std::int64_t i : {99000, 98400}) static_cast<double*>(rest_ties.raw())[i] = 1e6;
  for (std::int64_t i : {99500, 98500}) static_cast<double*>(rest_ties.raw())[i] = -1e6;
  inputs.push_back(rest_ties);
  Array rest_nans = rest_ties.copy();
  for (std::int64_t i : {99900, 99100})
    static_cast<double*>(rest_nans.raw())[i] = std::numeric_limits<double>::quiet_NaN();
  inputs.push_back(rest_nans);
  for (const Array& x : inputs) {
    for (const char* prim : {"reduce_max", "reduce_min", "argmax", "argmin"}) {
      SCOPED_TRACE(std::string(prim) + "/" + std::string(dtype_name(x.dtype())));
      Fn f = full_reduction(prim);
      Array got = run_serial(ia::serialize_workgroup_folds(lowered(f, {x})), {x})[0];
      Array want = jit(f)(x);
      const double g = got.element_as_double(0), w = want.element_as_double(0);
      EXPECT_TRUE(std::isnan(w) ? std::isnan(g) : g == w && std::signbit(g) == std::signbit(w))
          << g << " vs " << w;
    }
  }
}

TEST(AmdgpuReduction, GpuMatchesTheSerializedOrderExactly) {
  if (!amdgpu::available()) GTEST_SKIP() << "no AMD GPU";
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no ROCm device libraries or ld.lld-19";
  for (std::int64_t n : {300, 100000, 1000003}) {
    for (DType t : {DType::F32, DType::F64, DType::I32}) {
      for (const char* prim : kReductions) {
        SCOPED_TRACE(std::string(prim) + "/" + std::string(dtype_name(t)) + "/" +
                     std::to_string(n));
        Array x = t == DType::I32 ? testing::sine_ramp(t, {n}) : ramp(t, n);
        Fn f = full_reduction(prim);
        Array gpu = amdgpu::call(f, {x})[0];
        Array serial = run_serial(ia::serialize_workgroup_folds(lowered(f, {x})), {x})[0];
        // Same operations in the same order (a product of n terms overflows alike).
        EXPECT_TRUE(testing::arrays_close(gpu, serial, 0, 0))
            << gpu.element_as_double(0) << " vs " << serial.element_as_double(0);
      }
    }
  }
}

// A full reduction of a matrix splits its last axis (20 columns: one group of 16, a rest
// of 4 columns over all 3000 rows); the rest Loop nest of max/min is strided by rows.
TEST(AmdgpuReduction, SerializedMatrixReductionsMatchTheCpuJit) {
  Array x = ramp(DType::F64, 3000 * 20).reshaped({3000, 20});
  for (const char* prim : {"reduce_sum", "reduce_max", "reduce_min"}) {
    SCOPED_TRACE(prim);
    Fn f = fn([prim](Value v) { return B(prim, {v}, {{"axes", Ints{0, 1}}}); });
    Program p = lowered(f, {x});
    ASSERT_EQ(p.steps.size(), 2u);
    const Kernel& fold = std::get<Kernel>(p.steps[1]);
    // A float sum's fold (compensated totals) is not marked: it runs in the CPU's order.
    const bool float_sum = std::string(prim) == "reduce_sum";
    if (float_sum) {
      EXPECT_LT(fold.fold.loop, 0);
      EXPECT_EQ(fold.fold.rest_loop, -1);
    } else {
      ASSERT_GE(fold.fold.rest_loop, 0);
    }
    if (amdgpu::compiler_available()) {  // the strided rest Loop nest compiles too
      ia::CodeObject co = ia::compile_amdgpu(p, "gfx1100");
      EXPECT_TRUE(ia::inspect_code_object(co.bytes).undefined.empty());
      EXPECT_EQ(co.llvm_ir.find("@llvm.amdgcn.s.barrier()") != std::string::npos, !float_sum);
    }
    const double got = run_serial(ia::serialize_workgroup_folds(p), {x})[0].item<double>();
    const double want = Array(jit(f)(x)).item<double>();
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace lanes
