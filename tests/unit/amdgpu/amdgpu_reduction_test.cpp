// Full reductions on AMDGPU: the fold kernel of a split reduction (split_reduction.h) is
// a one-workgroup tree in LDS (amdgpu_kernel_codegen.cpp). On every machine: the lowering
// marks the fold, both archs compile it with an LDS array and barriers, and a host model
// of the documented order (work-item t folds partials t, t + 256, ...; then the tree)
// equals, bit for bit, the serialization of the same kernel into one-point loop IR
// (amdgpu::serialize_workgroup_folds) run by the loop-IR interpreter, whose result
// agrees with the CPU JIT. With an AMD
// GPU, the device result must equal that serialization exactly.
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

// KernelBuilder::emit_sum's order for a one-level sum of `count` terms from `init`:
// plain up to kSumBlock terms, else blocks of kSumBlock added with compensation.
template <typename T, typename F>
T model_emit_sum(T init, std::int64_t count, F term) {
  T s = init;
  if (count <= lo::kSumBlock) {
    for (std::int64_t k = 0; k < count; ++k) s += term(k);
    return s;
  }
  T c = 0;
  auto kahan = [&](T v) {
    const T y = v - c;
    const T t = s + y;
    const T e = (t - s) - y;
    c = std::isfinite(t) ? e : T(0);
    s = t;
  };
  const std::int64_t b = lo::kSumBlock, blocks = count / b, tail = count % b;
  for (std::int64_t g = 0; g <= blocks; ++g) {
    const std::int64_t len = g < blocks ? b : tail;
    if (len == 0) break;
    T blk = 0;
    for (std::int64_t q = 0; q < len; ++q) blk += term(g * b + q);
    kahan(blk);
  }
  return s - c;
}

// The documented order, written directly: the CPU's partials and lanes kernels
// (split_reduction.h), then work-item t's strided folds of the lanes and of the last
// rest elements, the tree in LDS.
template <typename T>
T model_gpu_sum(const std::vector<T>& x) {
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  const std::int64_t L = lo::kSplitLanes;
  const lo::ReductionSplit sp = lo::split_extent(n);
  const std::int64_t groups = sp.groups, m = sp.per_lane, covered = groups * L * m;
  std::vector<T> partial(static_cast<std::size_t>(groups * L), T(0));
  for (std::int64_t g = 0; g < groups; ++g) {
    for (std::int64_t j = 0; j < L; ++j) {
      partial[static_cast<std::size_t>(g * L + j)] = model_emit_sum<T>(
          T(0), m,
          [&](std::int64_t k) { return x[static_cast<std::size_t>(g * L * m + L * k + j)]; });
    }
  }
  std::vector<T> lane = partial;
  if (groups > 1) {
    lane.assign(static_cast<std::size_t>(L), T(0));
    for (std::int64_t j = 0; j < L; ++j) {
      // Each partial joins a compensated total; the rest rows are summed apart.
      T s = 0, c = 0;
      for (std::int64_t g = 0; g < groups; ++g) {
        const T y = partial[static_cast<std::size_t>(g * L + j)] - c;
        const T t = s + y;
        const T e = (t - s) - y;
        c = std::isfinite(t) ? e : T(0);
        s = t;
      }
      s = s - c;
      if (sp.lane_rest > 0) {
        s = s + model_emit_sum<T>(T(0), sp.lane_rest, [&](std::int64_t i) {
              return x[static_cast<std::size_t>(covered + L * i + j)];
            });
      }
      lane[static_cast<std::size_t>(j)] = s;
    }
  }
  const std::int64_t p = L, rest = sp.rest, first = covered + sp.lane_rest * L;
  const std::int64_t wg = ia::kWorkgroupSize;
  const std::int64_t active = std::min(wg, std::max(p, rest));
  std::vector<T> lds(static_cast<std::size_t>(wg), T(0));
  for (std::int64_t t = 0; t < wg; ++t) {
    T acc = 0;
    for (std::int64_t k = t; k < p; k += wg) acc += lane[static_cast<std::size_t>(k)];
    for (std::int64_t k = t; k < rest; k += wg) acc += x[static_cast<std::size_t>(first + k)];
    lds[static_cast<std::size_t>(t)] = acc;
  }
  for (std::int64_t s = wg / 2; s >= 1; s /= 2) {
    for (std::int64_t t = 0; t < s && t + s < active; ++t)
      lds[static_cast<std::size_t>(t)] += lds[static_cast<std::size_t>(t + s)];
  }
  return lds[0];
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
          // with its state in LDS arrays and barriers between the tree's stages.
          EXPECT_EQ(co.kernels.back().points, 1);
          const std::string& ir = co.llvm_ir;
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
  Fn f = full_reduction("reduce_sum");
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
  // f32 sums show their order in the last bits: the serialization of the GPU order, run
  // by the CPU backend, equals the host model of the documented order exactly, and both
  // are within the rounding bound of the CPU JIT's result (another order).
  for (std::int64_t n : {300, 10000, 100000, 1000003}) {
    SCOPED_TRACE(n);
    Array x = ramp(DType::F32, n);
    std::vector<float> xs(static_cast<const float*>(x.raw()),
                          static_cast<const float*>(x.raw()) + n);
    Fn f = full_reduction("reduce_sum");
    Program gpu_order = ia::serialize_workgroup_folds(lowered(f, {x}));
    const float got = run_serial(gpu_order, {x})[0].item<float>();
    const float want = model_gpu_sum(xs);
    EXPECT_EQ(got, want);
    double exact = 0, abs_sum = 0;
    for (float v : xs) {
      exact += v;
      abs_sum += std::fabs(v);
    }
    const float cpu = Array(jit(f)(x)).item<float>();
    const double bound = 2.0 * static_cast<double>(n) * 0x1p-24 * abs_sum;
    EXPECT_NEAR(got, exact, bound);
    EXPECT_NEAR(got, cpu, bound);
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
  double abs_sum = 0;
  for (std::int64_t i = 0; i < x.size(); ++i) abs_sum += std::fabs(x.element_as_double(i));
  for (const char* prim : {"reduce_sum", "reduce_max", "reduce_min"}) {
    SCOPED_TRACE(prim);
    Fn f = fn([prim](Value v) { return B(prim, {v}, {{"axes", Ints{0, 1}}}); });
    Program p = lowered(f, {x});
    ASSERT_EQ(p.steps.size(), 2u);
    const Kernel& fold = std::get<Kernel>(p.steps[1]);
    // A float sum's rest of 12000 terms is blocked and compensated (two carries): it runs
    // after the tree, on work-item 0, instead of strided.
    if (std::string(prim) == "reduce_sum") {
      EXPECT_EQ(fold.fold.rest_loop, -1);
    } else {
      ASSERT_GE(fold.fold.rest_loop, 0);
    }
    if (amdgpu::compiler_available()) {  // the strided rest Loop nest compiles too
      ia::CodeObject co = ia::compile_amdgpu(p, "gfx1100");
      EXPECT_TRUE(ia::inspect_code_object(co.bytes).undefined.empty());
      EXPECT_NE(co.llvm_ir.find("@llvm.amdgcn.s.barrier()"), std::string::npos);
    }
    const double got = run_serial(ia::serialize_workgroup_folds(p), {x})[0].item<double>();
    const double want = Array(jit(f)(x)).item<double>();
    if (std::string(prim) == "reduce_sum") {
      EXPECT_NEAR(got, want, 2.0 * static_cast<double>(x.size()) * 0x1p-53 * abs_sum);
    } else {
      EXPECT_EQ(got, want);
    }
  }
}

}  // namespace
}  // namespace lanes
