// CPU devices for pmap: how many exist (LANES_CPU_DEVICES=N, as XLA's host platform device
// count; default: the hardware threads) and their descriptions.
#pragma once

#include <lanes/pmap.h>

#include <vector>

namespace lanes::internal {

// The CPU device count: LANES_CPU_DEVICES if set (ArgumentError unless a positive
// integer), otherwise std::thread::hardware_concurrency() (at least 1).
int cpu_device_count();

std::vector<Device> make_cpu_devices(int n);

// This process' rank in the MPI job (0 outside one, or in a build without MPI). In an MPI
// job the first call starts Lanes' MPI world, which is collective: every process makes
// its first devices()/cpu_devices()/pmap call in the same order.
int this_process();

}  // namespace lanes::internal
