// CPU and HIP devices (see devices.h).
#include "runtime/devices.h"

#include <lanes/error.h>

#include <string>

#include "runtime/env.h"
#include "runtime/hip_runtime.h"
#include "runtime/process_group.h"

namespace lanes::internal {

int cpu_device_count() {
  return static_cast<int>(env_int("LANES_CPU_DEVICES", hardware_threads(), 1, kMaxCpuDevices));
}

std::vector<Device> make_cpu_devices(int n) {
  if (n <= 0) throw ArgumentError("cpu_devices: n must be positive, got " + std::to_string(n));
  if (n > kMaxCpuDevices) {
    throw ArgumentError("cpu_devices: n = " + std::to_string(n) + " is too large, the maximum is " +
                        std::to_string(kMaxCpuDevices));
  }
  // This process' own devices: under MPI, a pmap over them stays in this process.
  const int process = this_process();
  std::vector<Device> out;
  for (int i = 0; i < n; ++i)
    out.push_back({DeviceKind::Cpu, i, "cpu:" + std::to_string(i), process});
  return out;
}

std::vector<Device> make_hip_devices() {
  const int process = this_process();
  std::vector<Device> out;
  for (int i = 0; i < hip::device_count(); ++i)
    out.push_back({DeviceKind::Hip, i, "hip:" + std::to_string(i), process});
  return out;
}

void check_hip_device(const Device& d, const std::string& who) {
  const int n = hip::device_count();
  if (d.kind == DeviceKind::Hip && d.process == this_process() && d.index >= 0 && d.index < n) {
    return;
  }
  std::string why =
      d.process != this_process()
          ? "it belongs to MPI process " + std::to_string(d.process)
          : "this process has " + std::to_string(n) + " HIP device" + (n == 1 ? "" : "s");
  if (n == 0) why += " (" + hip::unavailable_reason() + ")";
  throw ArgumentError(who + ": device " + d.name + " (HIP device " + std::to_string(d.index) +
                      ") does not exist here: " + why);
}

void check_device(const Device& d, const std::string& who) {
  if (d.kind == DeviceKind::Hip) return check_hip_device(d, who);
  if (d.index < 0 || d.process != this_process()) {
    throw ArgumentError(who + ": device " + d.name + " (CPU device " + std::to_string(d.index) +
                        ", MPI process " + std::to_string(d.process) +
                        ") is not a CPU device of this process");
  }
}

int this_process() {
  const ProcessGroup* group = process_group();
  return group != nullptr ? group->rank() : 0;
}

}  // namespace lanes::internal

namespace lanes {

std::vector<Device> devices() {
  if (const internal::ProcessGroup* group = internal::process_group()) {
    std::vector<Device> out;
    for (const internal::GlobalDevice& g : group->global_devices()) {
      out.push_back({DeviceKind::Cpu, g.global_index,
                     "p" + std::to_string(g.process) + "/cpu:" + std::to_string(g.local_index),
                     g.process});
    }
    for (Device& d : internal::make_hip_devices()) out.push_back(std::move(d));
    return out;
  }
  std::vector<Device> out = internal::make_cpu_devices(internal::cpu_device_count());
  for (Device& d : internal::make_hip_devices()) out.push_back(std::move(d));
  return out;
}
std::vector<Device> cpu_devices(int n) { return internal::make_cpu_devices(n); }

}  // namespace lanes
