// CPU devices (see devices.h).
#include "runtime/devices.h"

#include <lanes/error.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace lanes::internal {

int cpu_device_count() {
  if (const char* env = std::getenv("LANES_CPU_DEVICES"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n <= 0 || n > 4096) {
      throw ArgumentError(std::string("LANES_CPU_DEVICES must be a positive integer, got '") + env +
                          "'");
    }
    return static_cast<int>(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

std::vector<Device> make_cpu_devices(int n) {
  if (n <= 0) throw ArgumentError("cpu_devices: n must be positive, got " + std::to_string(n));
  std::vector<Device> out;
  for (int i = 0; i < n; ++i) out.push_back({DeviceKind::Cpu, i, "cpu:" + std::to_string(i)});
  return out;
}

}  // namespace lanes::internal

namespace lanes {

std::vector<Device> devices() { return internal::make_cpu_devices(internal::cpu_device_count()); }
std::vector<Device> cpu_devices(int n) { return internal::make_cpu_devices(n); }

}  // namespace lanes
