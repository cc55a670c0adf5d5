// The fake HIP runtime's control functions (fake_hip_control.h), resolved with dlsym on
// the library Lanes loaded (dlopen of the same path gives the same instance), and a
// snapshot of its live objects for leak checks.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <lanes/amdgpu.h>

#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>

namespace lanes::fake_hip {

struct Control {
  void (*reset)() = nullptr;
  void (*fail)(const char*, int, int) = nullptr;
  void (*set_capacity)(std::size_t) = nullptr;
  long (*calls)(const char*) = nullptr;
  long (*live)(const char*) = nullptr;
  const char* (*last_kernel)() = nullptr;
};

inline Control& control() {
  static Control c = [] {
    (void)lanes::amdgpu::device_count();  // Lanes loads the library first
    void* lib = dlopen(LANES_FAKE_HIP_PATH, RTLD_NOW | RTLD_NOLOAD);
    if (lib == nullptr) throw std::runtime_error("the fake HIP runtime is not loaded");
    Control r;
    auto get = [&](auto& f, const char* name) {
      f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(dlsym(lib, name));
      if (f == nullptr) throw std::runtime_error(std::string("fake HIP lacks ") + name);
    };
    get(r.reset, "lanes_fake_hip_reset");
    get(r.fail, "lanes_fake_hip_fail");
    get(r.set_capacity, "lanes_fake_hip_set_capacity");
    get(r.calls, "lanes_fake_hip_calls");
    get(r.live, "lanes_fake_hip_live");
    get(r.last_kernel, "lanes_fake_hip_last_kernel");
    return r;
  }();
  return c;
}

// Live buffers, bytes and streams; equal snapshots before and after mean nothing leaked.
struct Live {
  long buffers, bytes, streams;
  static Live now() {
    Control& c = control();
    return {c.live("buffers"), c.live("bytes"), c.live("streams")};
  }
  bool operator==(const Live&) const = default;
};

inline void PrintTo(const Live& l, std::ostream* os) {
  *os << "{buffers " << l.buffers << ", bytes " << l.bytes << ", streams " << l.streams << "}";
}

// Every test starts from clean counters and no injected error.
class FakeHipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lanes::amdgpu::available()) << "the fake HIP runtime did not load";
    control().reset();
  }
  void TearDown() override { control().reset(); }
  static long calls(const char* what) { return control().calls(what); }
  // Whether Lanes knows the fake device's architecture (it needs HIP's headers for that).
  static bool arch_known() { return !lanes::amdgpu::device_arch(0).empty(); }
};

}  // namespace lanes::fake_hip
