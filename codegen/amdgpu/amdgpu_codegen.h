// The AMDGPU backend's interface (no LLVM type here): a loop-IR Program's kernels become
// one HSA code object for `amdgcn-amd-amdhsa` (compile_amdgpu), which the HIP runtime
// loads and launches (amdgpu_executable.cpp). Host steps of the Program are not in the
// code object: the executable runs them on the host between kernels.
//
// Kernel ABI: every Kernel step becomes `amdgpu_kernel void NAME(ptr addrspace(1)...)`,
// one global pointer per buffer it touches (KernelInfo::buffers, in that order). Each
// work-item computes one point of the kernel's whole parallel index space (the flattened
// extents), global id = workgroup id * kWorkgroupSize + local id, bounds-checked against
// KernelInfo::points; launch ceil(points / kWorkgroupSize) workgroups of kWorkgroupSize.
// The exception is the fold of a split full reduction (loop::PartialsFold): one point,
// computed by all kWorkgroupSize work-items of its one workgroup (a tree in LDS), so it
// needs the whole workgroup that the same launch rule gives it.
#pragma once

#include <lanes/jit_options.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codegen/loop_ir.h"

namespace lanes::internal::amdgpu {

inline constexpr int kWorkgroupSize = 256;

struct KernelInfo {
  std::string name;          // the symbol (its descriptor is NAME.kd)
  int step = -1;             // index of the Kernel step in Program::steps
  std::vector<int> buffers;  // kernel arguments: buffer ids, in order
  std::int64_t points = 0;   // work-items that do work (product of the extents)
};

struct CodeObject {
  std::string arch;                 // e.g. gfx90a
  std::vector<std::uint8_t> bytes;  // the linked ELF (HSA code object v4)
  std::vector<KernelInfo> kernels;  // one per Kernel step, in step order
  std::string llvm_ir;              // the optimized module, before codegen
};

// The device libraries, linker and disassembler found at configure time (or given by
// LANES_AMDGPU_BITCODE_DIR, LANES_LD_LLD, LANES_LLVM_OBJDUMP); empty when absent.
std::string bitcode_dir();
std::string ld_lld_path();
std::string objdump_path();

// Whether compile_amdgpu can work here (device libraries and lld found).
bool toolchain_available();

// Compiles the kernels of `program` for `arch` (gfx90a, gfx942, gfx1100, ...). Throws
// ArgumentError for an unknown arch, CompileError for a failure of LLVM or lld (or a
// missing toolchain). A Program without kernels gives a code object with no kernels.
CodeObject compile_amdgpu(const loop::Program& program, const std::string& arch,
                          Precision precision = Precision::Precise);

// What LLVM's object library reads from a code object (for tests and checks).
struct CodeObjectInfo {
  bool elf64_amdgpu = false;           // a 64-bit ELF for the amdgcn machine
  bool shared_object = false;          // ET_DYN, as the HIP runtime loads it
  std::string cpu;                     // the arch from the ELF flags (e.g. gfx1100)
  bool hsa_v4 = false;  // OS ABI AMDGPU_HSA with ABI version 2: code object v4
  std::vector<std::string> defined;    // defined symbol names
  std::vector<std::string> undefined;  // undefined symbol names (must be none)
};
CodeObjectInfo inspect_code_object(std::span<const std::uint8_t> bytes);

// `llvm-objdump -d` of a code object; CompileError if the tool is absent or fails.
std::string disassemble(std::span<const std::uint8_t> bytes, const std::string& arch);

}  // namespace lanes::internal::amdgpu
