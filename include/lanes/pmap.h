// lanes::pmap: runs one replica of a function per device, in parallel (as jax.pmap).
//
// Each device is a CPU worker thread (LANES_CPU_DEVICES=N sets how many exist; the
// default is the number of hardware threads). pmap(f, "i") maps f over axis in_axes of
// its arguments: that axis must have exactly one entry per device, and replica k runs
// the jitted per-replica program of f on slice k (a view, not a copy, for axis 0).
// Inside f, collectives over the axis name "i" (lanes/collectives.h) combine the
// replicas' values. Outputs are stitched back along out_axes.
//
//   lanes::Fn step = lanes::fn([](lanes::Value x) {
//     return x / lanes::psum(lanes::sum(x), "i");     // normalize across all replicas
//   });
//   auto devs = lanes::devices();                     // e.g. 4 CPU devices
//   lanes::Array xs = lanes::Array::ones(lanes::DType::F64, {4, 1000});
//   lanes::Array ys = lanes::pmap(step, "i", 0, 0, devs)(xs);   // f64[4, 1000]
//
// pmap composes with jit, vmap and grad in any order: grad(f) inside pmap gives
// per-replica gradients (average them with pmean), and vmap/grad of a pmapped function
// transform the per-replica program.
#pragma once

#include <lanes/fn.h>
#include <lanes/transforms.h>

#include <string>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Cpu: a worker thread of this process; Hip: an AMD GPU through the HIP runtime
// (include/lanes/amdgpu.h).
enum class DeviceKind { Cpu, Hip };

struct Device {
  DeviceKind kind = DeviceKind::Cpu;
  // CPU: the replica index pmap gives it (global across MPI processes); HIP: the HIP
  // device ordinal of its process.
  int index = 0;
  std::string name;  // "cpu:0"; under MPI "p1/cpu:0" (process 1's first device); "hip:0"
  int process = 0;   // the MPI process (rank) that owns it; 0 without MPI
  bool operator==(const Device&) const = default;
};

// The devices pmap can use: LANES_CPU_DEVICES CPU devices (default: hardware threads),
// then this process' HIP devices (hip:0, hip:1, ...) where a HIP runtime finds AMD GPUs.
// Under mpirun (a build with MPI), every process's devices in one global list: a pmap
// over them runs each process's replicas there, collectives cross processes through MPI,
// and every process passes the whole input and receives the whole output, the same
// numbers (bit for bit) as threads in one process with as many devices.
std::vector<Device> devices();
// n CPU devices whatever LANES_CPU_DEVICES says (tests, benchmarks): cpu:0 .. cpu:n-1.
std::vector<Device> cpu_devices(int n);

// Maps f over axis in_axes[i] of argument i across `devices` (empty: the CPU devices of
// devices()); a HIP device runs its replica on that GPU (collectives go through the host),
// with the mapped axis named `axis_name` for collectives. Errors (ArgumentError naming
// the argument, its shape, the axis and the device count): a mapped axis whose extent is
// not the number of devices, in_axes/out_axes that do not fit. A replica that throws
// stops the others (their collectives are released) and its error reaches the caller.
//
//   Fn f = fn([](Value x) { return x - pmean(x, "i"); });
//   Array r = pmap(f, "i", 0, 0, cpu_devices(2))(Array::from({1.0, 3.0}));  // [-1, 1]
Fn pmap(const Fn& f, std::string axis_name, InAxes in_axes = 0, OutAxes out_axes = 0,
        std::vector<Device> devices = {});

// jit on a device: a HIP device runs f's kernels on that GPU (as amdgpu::jit(f, index)),
// a CPU device runs it as lanes::jit(f). ArgumentError for a device that does not exist
// here (a HIP index past the GPUs present, a device of another MPI process).
//
//   for (const lanes::Device& d : lanes::devices())
//     if (d.kind == lanes::DeviceKind::Hip) out = lanes::jit(f, d)(xs);
Fn jit(const Fn& f, const Device& device, JitOptions options = {});

}  // namespace lanes
#pragma GCC visibility pop
