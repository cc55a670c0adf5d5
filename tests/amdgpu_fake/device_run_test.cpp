// Against the fake HIP runtime: amdgpu::jit, lanes::jit(f, hip device), device-resident
// functions and pmap over HIP devices. Programs without kernels really run (their data
// moves through the fake's memory and host steps); programs with kernels reach
// hipModuleLaunchKernel, which the fake fails: the error must name it, and nothing leak.
#include <lanes/lanes.h>

#include <cstring>

#include "tests/amdgpu_fake/fake_hip_test_util.h"

namespace lanes::fake_hip {
namespace {

using DeviceRunFake = FakeHipTest;

void expect_launch_failure(const std::function<void()>& run) {
  try {
    run();
    FAIL() << "no error: the fake HIP runtime never runs a kernel";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("hipModuleLaunchKernel: hipErrorLaunchFailure (719)"),
              std::string::npos)
        << e.what();
  }
}

#define REQUIRE_ARCH()                                               \
  if (!arch_known())                                                 \
  GTEST_SKIP() << "Lanes was built without HIP's headers: the fake " \
                  "device's architecture is unknown"
#define REQUIRE_COMPILER()                  \
  REQUIRE_ARCH();                           \
  if (!lanes::amdgpu::compiler_available()) \
  GTEST_SKIP() << "no AMDGPU toolchain (ROCm device libraries, ld.lld) here"

TEST_F(DeviceRunFake, ResidentPassThroughSharesTheBufferAndCopiesNothing) {
  REQUIRE_ARCH();
  Fn f = fn([](Value x, Value y) { return std::vector<Value>{y, x}; });
  amdgpu::DeviceFn g = amdgpu::jit_device_resident(f, 1);
  amdgpu::DeviceArray a = amdgpu::to_device(Array::from<double>({1, 2, 3}), 1);
  amdgpu::DeviceArray b = amdgpu::to_device(Array::from<std::int32_t>({7}), 1);
  control().reset();
  std::vector<amdgpu::DeviceArray> out = g(a, b);
  for (int i = 0; i < 3; ++i) out = g(out[1], out[0]);  // chained: swaps back and forth
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].buffer(), b.buffer());
  EXPECT_EQ(out[1].buffer(), a.buffer());
  EXPECT_EQ(out[0].dtype(), DType::I32);
  EXPECT_EQ(out[1].shape(), (Shape{3}));
  EXPECT_EQ(calls("hipMemcpyHtoD") + calls("hipMemcpyDtoH"), 0);  // no trip through the host
  EXPECT_EQ(calls("hipModuleLaunchKernel"), 0);
  EXPECT_EQ(out[1].to_host().data<double>()[2], 3.0);
}

TEST_F(DeviceRunFake, ResidentLiteralOutputIsMadeOnTheDevice) {
  REQUIRE_ARCH();
  Fn f = fn([](Value x) { return std::vector<Value>{x, lanes::full(DType::F64, {}, 2.0)}; });
  amdgpu::DeviceArray a = amdgpu::to_device(Array::scalar(5.0), 0);
  std::vector<amdgpu::DeviceArray> out = amdgpu::jit_device_resident(f, 0)(a);
  EXPECT_EQ(calls("hipModuleLaunchKernel"), 0);  // a literal output needs no kernel
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].buffer(), a.buffer());
  EXPECT_EQ(out[1].device(), 0);
  EXPECT_EQ(out[1].to_host().item<double>(), 2.0);
}

TEST_F(DeviceRunFake, ArgumentOnAnotherDeviceIsArgumentError) {
  REQUIRE_ARCH();
  Fn f = fn([](Value x) { return x; });
  amdgpu::DeviceArray a = amdgpu::to_device(Array::from<double>({1}), 0);
  try {
    amdgpu::jit_device_resident(f, 1)(a);
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("lives on HIP device 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(amdgpu::jit_device_resident(f, 1)(amdgpu::DeviceArray()), ArgumentError);
}

// A host step (here a pmap over CPU devices inside the GPU function) runs on the host
// between kernels: its operand is copied down, its result up, with real values.
TEST_F(DeviceRunFake, HostStepsStageThroughTheHost) {
  REQUIRE_ARCH();
  Fn centre = pmap(fn([](Value x) { return x - pmean(x, "i"); }), "i", 0, 0, cpu_devices(2));
  amdgpu::DeviceArray a = amdgpu::to_device(Array::from<double>({1, 4, 3, 10}, {2, 2}), 0);
  const Live before = Live::now();
  std::vector<amdgpu::DeviceArray> out = amdgpu::jit_device_resident(centre, 0)(a);
  EXPECT_EQ(calls("hipModuleLaunchKernel"), 0);
  EXPECT_GE(calls("hipMemcpyDtoH bytes"), 32);  // the operand came down
  EXPECT_GE(calls("hipMemcpyHtoD bytes"), 32);  // the result went up
  Array r = out.at(0).to_host();
  // Replica means: (1+3)/2 = 2 and (4+10)/2 = 7.
  EXPECT_EQ(r.data<double>()[0], -1.0);
  EXPECT_EQ(r.data<double>()[1], -3.0);
  EXPECT_EQ(r.data<double>()[2], 1.0);
  EXPECT_EQ(r.data<double>()[3], 3.0);
  out.clear();
  EXPECT_EQ(Live::now(), before);  // temporaries and the stream are gone
}

TEST_F(DeviceRunFake, KernelsReachTheLaunchOfTheirCodeObject) {
  REQUIRE_COMPILER();
  Fn f = fn([](Value x) { return lanes::sin(x) * 2.0; });
  Array xs = Array::linspace(0, 1, 300);
  const std::vector<std::string> kernels = amdgpu::kernel_names(f, {xs}, "gfx90a");
  ASSERT_FALSE(kernels.empty());
  const Live before = Live::now();
  expect_launch_failure([&] { amdgpu::jit(f, 1)(xs); });
  EXPECT_EQ(std::string(control().last_kernel()), kernels[0]);
  EXPECT_EQ(calls("hipModuleLoadData"), 1);
  EXPECT_GE(calls("hipMemcpyHtoD bytes"), 300 * 8);  // the input went up first
  EXPECT_EQ(Live::now(), before);                    // buffers and stream freed
  // lanes::jit on the HIP Device takes the same path.
  control().reset();
  expect_launch_failure([&] { jit(f, lanes::devices().at(3))(xs); });
  EXPECT_EQ(std::string(control().last_kernel()), kernels[0]);
}

TEST_F(DeviceRunFake, ResidentLaunchFailureLeavesInputsIntact) {
  REQUIRE_COMPILER();
  Fn f = fn([](Value x) { return lanes::exp(x); });
  amdgpu::DeviceArray a = amdgpu::to_device(Array::from<float>({1, 2, 3}), 0);
  const Live before = Live::now();
  expect_launch_failure([&] { amdgpu::jit_device_resident(f, 0)(a); });
  EXPECT_EQ(Live::now(), before);
  Array back = a.to_host();
  EXPECT_EQ(back.data<float>()[0], 1.0f);
  EXPECT_EQ(back.data<float>()[2], 3.0f);
}

// pmap over HIP devices: a body without kernels (only the collective, a host step) runs
// for real, each replica's shard staged through its fake GPU.
TEST_F(DeviceRunFake, PmapOverHipDevicesRunsCollectivesThroughTheHost) {
  REQUIRE_ARCH();
  Fn f = fn([](Value x) { return psum(x, "i"); });
  std::vector<Device> gpus{lanes::devices().at(2), lanes::devices().at(3)};
  Array xs = Array::from<double>({1, 2, 3, 10, 20, 30}, {2, 3});
  const Live before = Live::now();
  Outputs out = pmap(f, "i", 0, 0, gpus).call({xs});
  EXPECT_EQ(calls("hipModuleLaunchKernel"), 0);
  EXPECT_GE(calls("hipMemcpyHtoD bytes"), 2 * 24);  // each replica's shard went up
  Array r = out[0];
  ASSERT_EQ(r.shape(), (Shape{2, 3}));
  const double want[] = {11, 22, 33, 11, 22, 33};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.data<double>()[i], want[i]) << i;
  EXPECT_EQ(Live::now(), before);
}

// Transformations of a pmap keep its devices: vmap of the pmap still runs on the GPUs.
TEST_F(DeviceRunFake, VmapOfPmapStaysOnTheHipDevices) {
  REQUIRE_ARCH();
  Fn f = fn([](Value x) { return psum(x, "i"); });
  Fn g = vmap(pmap(f, "i", 0, 0, {lanes::devices().at(2), lanes::devices().at(3)}));
  Array xs = Array::from<double>({1, 2, 10, 20, 100, 200}, {3, 2});  // batch 3, 2 replicas
  Array r = g(xs);
  EXPECT_GE(calls("hipStreamCreate"), 2);  // both replicas ran on a (fake) GPU
  ASSERT_EQ(r.shape(), (Shape{3, 2}));
  const double want[] = {3, 3, 30, 30, 300, 300};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.data<double>()[i], want[i]) << i;
}

TEST_F(DeviceRunFake, PmapOverHipDevicesReportsTheLaunchFailure) {
  REQUIRE_COMPILER();
  Fn f = fn([](Value x) { return psum(lanes::sin(x), "i"); });
  Array xs = Array::linspace(0, 1, 8).reshaped({2, 4});
  const Live before = Live::now();
  expect_launch_failure([&] {
    pmap(f, "i", 0, 0, {lanes::devices().at(2), lanes::devices().at(3)})(xs);
  });
  EXPECT_GE(calls("hipModuleLaunchKernel"), 1);
  EXPECT_EQ(Live::now(), before);
}

// A CPU replica waiting in the collective is released when the GPU replica fails (the
// test would hang otherwise), and the GPU's error reaches the caller.
TEST_F(DeviceRunFake, PmapMixingCpuAndHipReleasesTheCpuReplica) {
  REQUIRE_COMPILER();
  Fn f = fn([](Value x) { return psum(lanes::sin(x), "i"); });
  Array xs = Array::linspace(0, 1, 8).reshaped({2, 4});
  for (int round = 0; round < 3; ++round) {
    expect_launch_failure([&] {
      pmap(f, "i", 0, 0, {lanes::devices().at(0), lanes::devices().at(2)})(xs);
    });
  }
}

}  // namespace
}  // namespace lanes::fake_hip
