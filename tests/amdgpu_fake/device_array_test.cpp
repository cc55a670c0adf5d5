// Against the fake HIP runtime: device listing, DeviceArray transfers and lifetimes, and
// HIP errors becoming lanes::Errors that name the HIP call and error.
#include <lanes/lanes.h>

#include <cstring>

#include "tests/amdgpu_fake/fake_hip_test_util.h"

namespace lanes::fake_hip {
namespace {

using DeviceArrayFake = FakeHipTest;

TEST_F(DeviceArrayFake, DevicesListCpusThenHipDevices) {
  std::vector<Device> devs = lanes::devices();
  ASSERT_EQ(devs.size(), 4u);  // LANES_CPU_DEVICES=2, LANES_FAKE_HIP_DEVICES=2
  EXPECT_EQ(devs[0], (Device{DeviceKind::Cpu, 0, "cpu:0", 0}));
  EXPECT_EQ(devs[1], (Device{DeviceKind::Cpu, 1, "cpu:1", 0}));
  EXPECT_EQ(devs[2], (Device{DeviceKind::Hip, 0, "hip:0", 0}));
  EXPECT_EQ(devs[3], (Device{DeviceKind::Hip, 1, "hip:1", 0}));
  EXPECT_EQ(lanes::amdgpu::device_count(), 2);
  if (arch_known()) {
    EXPECT_EQ(lanes::amdgpu::device_arch(1), "gfx90a");  // ":sramecc+:xnack-" cut off
  }
}

TEST_F(DeviceArrayFake, RoundTripIsBitExactForEveryDtype) {
  const Live before = Live::now();
  std::vector<Array> arrays{Array::from<double>({1.5, -0.0, 1e300, 3}, {2, 2}),
                            Array::from<float>({0.25f, -7.0f, 1e-30f}),
                            Array::from<std::int32_t>({-2147483647 - 1, 5}),
                            Array::from<std::int64_t>({std::int64_t{1} << 62}),
                            Array::from(std::vector<bool>{true, false, true}),
                            Array::scalar(2.5)};
  for (const Array& a : arrays) {
    control().reset();
    amdgpu::DeviceArray d = amdgpu::to_device(a, 1);
    EXPECT_EQ(d.device(), 1);
    EXPECT_EQ(d.dtype(), a.dtype());
    EXPECT_EQ(d.shape(), a.shape());
    EXPECT_EQ(Live::now().buffers, before.buffers + 1);
    Array back = d.to_host();
    ASSERT_EQ(back.shape(), a.shape());
    EXPECT_EQ(std::memcmp(back.raw(), a.raw(), a.nbytes()), 0);
    EXPECT_EQ(calls("hipMemcpyHtoD bytes"), static_cast<long>(a.nbytes()));
    EXPECT_EQ(calls("hipMemcpyDtoH bytes"), static_cast<long>(a.nbytes()));
  }
  EXPECT_EQ(Live::now(), before);  // every buffer freed with its last DeviceArray
}

TEST_F(DeviceArrayFake, CopiesShareOneBufferFreedWithTheLast) {
  const Live before = Live::now();
  amdgpu::DeviceArray b;
  {
    amdgpu::DeviceArray a = amdgpu::to_device(Array::from<double>({1, 2, 3}), 0);
    b = a;
    EXPECT_EQ(b.buffer(), a.buffer());
    EXPECT_EQ(Live::now().buffers, before.buffers + 1);
    EXPECT_EQ(Live::now().bytes, before.bytes + 24);
  }
  EXPECT_EQ(Live::now().buffers, before.buffers + 1);  // b still holds it
  EXPECT_EQ(b.to_host().data<double>()[2], 3.0);
  b = amdgpu::DeviceArray();
  EXPECT_EQ(Live::now(), before);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.device(), -1);
}

TEST_F(DeviceArrayFake, MissingDeviceIsArgumentError) {
  try {
    amdgpu::to_device(Array::from<double>({1}), 5);
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("hip:5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2 HIP devices"), std::string::npos) << e.what();
  }
  EXPECT_THROW(amdgpu::to_device(Array::from<double>({1}), Device{DeviceKind::Cpu, 0, "cpu:0", 0}),
               ArgumentError);
  Fn f = fn([](Value x) { return x * 2.0; });
  EXPECT_THROW(jit(f, Device{DeviceKind::Hip, 2, "hip:2", 0}), ArgumentError);
  EXPECT_THROW(jit(f, Device{DeviceKind::Hip, -1, "hip:-1", 0}), ArgumentError);
  EXPECT_THROW(jit(f, Device{DeviceKind::Cpu, 0, "p3/cpu:0", 3}), ArgumentError);
  EXPECT_THROW(amdgpu::jit_device_resident(f, 2), ArgumentError);
  EXPECT_THROW(pmap(f, "i", 0, 0, {Device{DeviceKind::Hip, 9, "hip:9", 0}}), ArgumentError);
}

TEST_F(DeviceArrayFake, JitOnACpuDeviceRunsOnTheCpu) {
  Fn f = fn([](Value x) { return x * 2.0 + 1.0; });
  Array y = jit(f, lanes::devices()[1])(Array::from<double>({1, -2}));
  EXPECT_EQ(y.data<double>()[0], 3.0);
  EXPECT_EQ(y.data<double>()[1], -3.0);
  EXPECT_EQ(calls("hipMalloc"), 0);  // nothing touched the GPU
}

TEST_F(DeviceArrayFake, OutOfMemoryIsRuntimeErrorNamingTheHipError) {
  const Live before = Live::now();
  control().set_capacity(1000);
  try {
    amdgpu::to_device(Array::zeros(DType::F64, {200}), 0);  // 1600 bytes
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("hipMalloc: hipErrorOutOfMemory (2)"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Live::now(), before);
  // Below the capacity it works again.
  EXPECT_EQ(amdgpu::to_device(Array::zeros(DType::F64, {100}), 0).to_host().size(), 100);
}

TEST_F(DeviceArrayFake, FailedCopiesFreeTheirBuffers) {
  const Live before = Live::now();
  control().fail("hipMemcpyHtoD", 1, 0);  // hipErrorInvalidValue
  try {
    amdgpu::to_device(Array::from<float>({1, 2}), 1);
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("hipMemcpy (host to device): hipErrorInvalidValue (1)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Live::now(), before);

  amdgpu::DeviceArray d = amdgpu::to_device(Array::from<float>({1, 2}), 1);
  control().fail("hipMemcpyDtoH", 719, 0);
  try {
    d.to_host();
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("hipErrorLaunchFailure (719)"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(d.to_host().data<float>()[1], 2.0f);  // the buffer is intact
}

TEST_F(DeviceArrayFake, FailedSetDeviceIsReported) {
  control().fail("hipSetDevice", 101, 0);
  try {
    amdgpu::to_device(Array::from<double>({1}), 0);
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("hipSetDevice: hipErrorInvalidDevice (101)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lanes::fake_hip
