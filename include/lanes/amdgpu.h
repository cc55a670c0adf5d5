// AMD GPUs: a Fn compiled by LLVM's AMDGPU backend into an HSA code object, ahead of
// time for any architecture (no GPU needed), or run on a HIP device when one is present.
//
//   lanes::Fn f = lanes::vmap(lanes::fn([](lanes::Value x, lanes::Value y) {
//     return lanes::sin(x) * y + lanes::exp(-x * x);
//   }));
//   std::vector<lanes::Array> args{xs, ys};                 // example arguments (shapes)
//   std::vector<std::uint8_t> hsaco = lanes::amdgpu::code_object(f, args, "gfx90a");
//   std::string text = lanes::amdgpu::disassemble(f, args, "gfx1100");
//   if (lanes::amdgpu::available()) {
//     lanes::Array out = lanes::amdgpu::jit(f)(xs, ys);  // runs on device 0
//   }
//
// The code object holds one kernel per fused loop-IR kernel of jit(f) (what
// kernel_names() lists); each work-item computes one element of its index space, with
// ocml (ROCm's device math library) for transcendentals. Steps that jit runs on the host
// (primitives without a kernel lowering) are not in it: amdgpu::jit runs them on the host
// between kernels. Code objects are version 4, the version Debian's ROCm 5.2 loads.
// Execution needs libamdhip64 (loaded at run time; LANES_HIP_LIBRARY may name another
// file, and an ArgumentError names it when it does not load). A HIP Device of lanes::devices() also works with lanes::jit(f, device) and
// lanes::pmap. docs/amdgpu.md has the details.
#pragma once

#include <lanes/array.h>
#include <lanes/fn.h>
#include <lanes/jit_options.h>
#include <lanes/pmap.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lanes::internal::hip {
class DeviceBuffer;  // internal: declared before the public region, so it stays hidden
}

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes::amdgpu {

// The HSA code object (an ELF shared object) of f for the signature of `example_args`
// and the GPU architecture `arch` (gfx90a, gfx942, gfx1100, ...). ArgumentError for an
// unknown architecture, CompileError if LLVM, the device libraries or lld fail.
std::vector<std::uint8_t> code_object(const Fn& f, const std::vector<Array>& example_args,
                                      const std::string& arch, JitOptions options = {});

// The kernel symbols of that code object, in launch order (each has a NAME.kd descriptor).
std::vector<std::string> kernel_names(const Fn& f, const std::vector<Array>& example_args,
                                      const std::string& arch, JitOptions options = {});

// The machine code of that code object, as text (llvm-objdump -d).
std::string disassemble(const Fn& f, const std::vector<Array>& example_args,
                        const std::string& arch, JitOptions options = {});

// Whether code objects can be built here (ROCm's device libraries and ld.lld found).
bool compiler_available();

// Whether a HIP runtime with at least one AMD GPU is present, how many, and the
// architecture of one (e.g. "gfx90a").
bool available();
int device_count();
std::string device_arch(int device = 0);

// lanes::jit for a HIP device: a Fn whose calls on arrays run on GPU `device`, compiled
// for its architecture once per signature (then cached); results come back as host
// arrays. Inside another trace it inlines like any jitted Fn. Calls throw RuntimeError
// (with the HIP error name) when no device is present or HIP fails.
//
//   lanes::Fn g = lanes::amdgpu::jit(lanes::vmap(f));
//   lanes::Array out = g(xs, ys);
Fn jit(const Fn& f, int device = 0, JitOptions options = {});

// One call of f on HIP device `device` (as amdgpu::jit(f, device, options)(args...)).
std::vector<Array> call(const Fn& f, const std::vector<Array>& args, int device = 0,
                        JitOptions options = {});

// An array in the memory of a HIP device: results that stay on the GPU between calls of
// a device-resident function (jit_device_resident), so chained calls copy nothing through
// the host. Copies share the device buffer (arrays are immutable); the buffer is freed
// with the last copy. HIP failures are RuntimeErrors naming the call and the HIP error.
//
//   lanes::amdgpu::DeviceArray x = lanes::amdgpu::to_device(xs, 0);
//   auto step = lanes::amdgpu::jit_device_resident(f, 0);
//   for (int i = 0; i < 10; ++i) x = step(x)[0];           // stays on GPU 0
//   lanes::Array result = x.to_host();
class DeviceArray {
 public:
  DeviceArray() = default;  // empty: no buffer, shape [0]
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t size() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(size()) * dtype_size(dtype_); }
  int device() const;  // the HIP device ordinal; -1 when empty
  bool empty() const { return buffer_ == nullptr; }
  // A copy in host memory.
  Array to_host() const;

  // For Lanes' runtime: the device buffer, and an array made from one.
  DeviceArray(std::shared_ptr<const internal::hip::DeviceBuffer> buffer, DType dtype, Shape shape);
  const std::shared_ptr<const internal::hip::DeviceBuffer>& buffer() const { return buffer_; }

 private:
  std::shared_ptr<const internal::hip::DeviceBuffer> buffer_;
  DType dtype_ = DType::F64;
  Shape shape_{0};
};

// A copy of `a` on HIP device `device` (or on `device`, which must be a HIP Device).
// ArgumentError for a device that does not exist, RuntimeError if HIP fails.
DeviceArray to_device(const Array& a, int device = 0);
DeviceArray to_device(const Array& a, const Device& device);

// A jitted function on device-resident arrays: DeviceArrays of its device in, DeviceArrays
// out (compiled once per signature, as amdgpu::jit). Inputs are read in place, never
// written; an output that is an input passed through shares the input's buffer.
class DeviceFn {
 public:
  DeviceFn() = default;
  std::vector<DeviceArray> call(const std::vector<DeviceArray>& args) const;
  template <class... A>
  std::vector<DeviceArray> operator()(const A&... args) const {
    return call(std::vector<DeviceArray>{args...});
  }
  int device() const { return device_; }

  class Impl;
  DeviceFn(std::shared_ptr<Impl> impl, int device) : impl_(std::move(impl)), device_(device) {}

 private:
  std::shared_ptr<Impl> impl_;
  int device_ = -1;
};

// f jitted for HIP device `device`, with device-resident arguments and results.
DeviceFn jit_device_resident(const Fn& f, int device = 0, JitOptions options = {});

}  // namespace lanes::amdgpu
#pragma GCC visibility pop
