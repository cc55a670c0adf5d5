// main of lanes_amdgpu_fake_tests: points Lanes' HIP runtime at the fake library before
// anything loads HIP, with two fake GPUs and two CPU devices.
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  setenv("LANES_HIP_LIBRARY", LANES_FAKE_HIP_PATH, 1);
  setenv("LANES_FAKE_HIP_DEVICES", "2", 1);
  setenv("LANES_CPU_DEVICES", "2", 1);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
