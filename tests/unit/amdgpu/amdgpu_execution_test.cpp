// AMDGPU execution: every primitive and composition run on a HIP device must agree with
// the CPU JIT (integers and bools exactly, floats within the two math libraries' bounds:
// ocml's few ULP against SLEEF's one). Without libamdhip64 or an AMD GPU these tests
// report themselves skipped; only the no-device behaviour is checked everywhere.
#include <gtest/gtest.h>
#include <lanes/amdgpu.h>

#include "runtime/hip_runtime.h"
#include "tests/unit/amdgpu_test_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using namespace amdgpu_test;
namespace hip = internal::hip;

#define REQUIRE_AMD_GPU()                                                                      \
  if (!amdgpu::available()) {                                                                  \
    GTEST_SKIP() << "no AMD GPU: " << hip::unavailable_reason();                               \
  }                                                                                            \
  if (!amdgpu::compiler_available()) {                                                         \
    GTEST_SKIP() << "ROCm device libraries or ld.lld-19 not found: cannot build code objects"; \
  }

// ULPs allowed between the GPU (ocml) and the CPU JIT (SLEEF u10) per float dtype, and
// an absolute tolerance for results that cancel to near zero.
void expect_matches_cpu(const Case& c, std::uint64_t ulps, double abs_f64, double abs_f32) {
  SCOPED_TRACE(c.name);
  std::vector<Array> gpu = amdgpu::call(c.f, c.args);
  std::vector<Arg> args(c.args.begin(), c.args.end());
  Outputs cpu = jit(c.f).call(args);
  ASSERT_EQ(gpu.size(), cpu.size());
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    const double tol = cpu[i].dtype() == DType::F32 ? abs_f32 : abs_f64;
    EXPECT_TRUE(testing::arrays_close(gpu[i], cpu[i], ulps, tol)) << "output " << i;
  }
}

TEST(AmdgpuExecution, WithoutADeviceHipIsReportedUnavailable) {
  if (amdgpu::available()) {
    EXPECT_GT(amdgpu::device_count(), 0);
    EXPECT_EQ(amdgpu::device_arch(0).compare(0, 3, "gfx"), 0) << amdgpu::device_arch(0);
    return;
  }
  EXPECT_EQ(amdgpu::device_count(), 0);
  EXPECT_FALSE(hip::unavailable_reason().empty());
  // Running is a RuntimeError that says why, not a crash.
  Case c = composition_cases()[0];
  testing::expect_error<RuntimeError>([&] { amdgpu::call(c.f, c.args); },
                                      {"amdgpu", hip::unavailable_reason()});
  testing::expect_error<RuntimeError>([&] { hip::DeviceBuffer b(0, 16); }, {"HIP"});
  // amdgpu::jit makes the Fn; its calls are what need the device.
  Fn g = amdgpu::jit(c.f);
  testing::expect_error<RuntimeError>([&] { g(c.args[0], c.args[1]); }, {"amdgpu"});
  // Inside another trace it inlines, so a CPU jit around it still works.
  Fn h = jit(fn([g](Value x, Value y) { return Value(g(x, y)) * 2.0; }));
  Array want = jit(c.f)(c.args[0], c.args[1]);
  Array got = h(c.args[0], c.args[1]);
  ASSERT_EQ(got.size(), want.size());
  for (std::int64_t i = 0; i < want.size(); ++i) {
    EXPECT_DOUBLE_EQ(got.element_as_double(i), 2 * want.element_as_double(i));
  }
}

TEST(AmdgpuExecution, JitCachesPerSignatureAndMatchesTheCpu) {
  REQUIRE_AMD_GPU();
  Case c = composition_cases()[0];
  Fn g = amdgpu::jit(c.f);
  Array a = g(c.args[0], c.args[1]);
  Array b = g(c.args[0], c.args[1]);  // the cached executable
  EXPECT_TRUE(testing::arrays_close(a, b));
  EXPECT_TRUE(testing::arrays_close(a, jit(c.f)(c.args[0], c.args[1]), 4, 1e-15));
  EXPECT_NE(g.assembly({c.args[0], c.args[1]}).find("s_endpgm"), std::string::npos);
}

TEST(AmdgpuExecution, DeviceBuffersRoundTrip) {
  REQUIRE_AMD_GPU();
  std::vector<double> host{1.5, -2.25, 3e300, 0.0};
  hip::DeviceBuffer buf(0, host.size() * sizeof(double));
  buf.copy_from_host(host.data(), host.size() * sizeof(double));
  std::vector<double> back(host.size(), -1.0);
  buf.copy_to_host(back.data(), back.size() * sizeof(double));
  EXPECT_EQ(back, host);
}

TEST(AmdgpuExecution, EveryElementwisePrimitiveMatchesTheCpuJit) {
  REQUIRE_AMD_GPU();
  for (const Case& c : elementwise_cases()) expect_matches_cpu(c, 4, 1e-300, 1e-37f);
}

TEST(AmdgpuExecution, StructuralReductionAndDotPrimitivesMatchTheCpuJit) {
  REQUIRE_AMD_GPU();
  // Same operations in the same order: sums and products agree to the last bit except
  // where the CPU contracts a*b+c into an FMA (then within an ulp or two).
  expect_matches_cpu(structural_case(DType::F64), 2, 1e-12, 1e-5);
  expect_matches_cpu(structural_case(DType::I32), 0, 0, 0);
  // Every structural row of the tests' primitive table, at its shapes.
  for (const Case& c : table_structural_cases()) {
    if (c.args.empty() || c.args[0].dtype() == DType::F64) {
      expect_matches_cpu(c, 2, 1e-12, 1e-5);
    } else {
      expect_matches_cpu(c, 0, 0, 0);
    }
  }
}

TEST(AmdgpuExecution, TransformedFunctionsMatchTheCpuJit) {
  REQUIRE_AMD_GPU();
  for (const Case& c : composition_cases()) expect_matches_cpu(c, 16, 1e-13, 1e-5);
}

TEST(AmdgpuExecution, NewtonSqrtMatchesSqrt) {
  REQUIRE_AMD_GPU();
  Case c = composition_cases()[6];  // vmap(newton_sqrt) on values from e^-24 to e^24
  ASSERT_EQ(c.name, "vmap(newton_sqrt)");
  Array r = amdgpu::call(c.f, c.args)[0];
  for (std::int64_t i = 0; i < r.size(); ++i) {
    const double want = std::sqrt(c.args[0].element_as_double(i));
    EXPECT_NEAR(r.element_as_double(i), want, 4e-16 * want) << i;
  }
}

}  // namespace
}  // namespace lanes
