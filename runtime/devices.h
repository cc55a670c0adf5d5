// CPU devices for pmap, and this process' HIP devices (runtime/hip_runtime.h),: how many exist
// (LANES_CPU_DEVICES=N, as XLA's host platform device count; default: the hardware threads) and
// their descriptions.
#pragma once

#include <lanes/pmap.h>

#include <string>
#include <vector>

namespace lanes::internal {

// The most CPU devices a process has (LANES_CPU_DEVICES, cpu_devices(n)): each one may
// run a replica on its own thread, and more threads than this only exhaust the process'
// thread and stack limits (docs/settings.md).
inline constexpr int kMaxCpuDevices = 4096;

// The CPU device count: LANES_CPU_DEVICES if set (ArgumentError naming the variable
// unless an integer in [1, kMaxCpuDevices]), otherwise the hardware threads (at least 1).
int cpu_device_count();

// cpu:0 .. cpu:n-1; ArgumentError naming n unless 1 <= n <= kMaxCpuDevices.
std::vector<Device> make_cpu_devices(int n);

// This process' rank in the MPI job (0 outside one, or in a build without MPI). In an MPI
// job the first call starts Lanes' MPI world, which is collective: every process makes
// its first devices()/cpu_devices()/pmap call in the same order.
int this_process();

// This process' HIP devices: hip:0 .. hip:N-1 (none without a HIP runtime and a GPU).
std::vector<Device> make_hip_devices();

// ArgumentError naming `who` unless `d` is a device this process can run on: a CPU
// device of this process, or a HIP device that exists here.
void check_device(const Device& d, const std::string& who);
void check_hip_device(const Device& d, const std::string& who);

}  // namespace lanes::internal
