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
// Execution needs libamdhip64 (loaded at run time). docs/amdgpu.md has the details.
#pragma once

#include <lanes/array.h>
#include <lanes/fn.h>
#include <lanes/jit_options.h>

#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace lanes::amdgpu
