// Links ROCm's device libraries (ocml and the oclc_* control constants) into a module of
// AMDGPU kernels, following TOOLCHAIN.md's recipe for Debian's ROCm 5.2.3 libraries.
#pragma once

#include <string>

namespace llvm {
class Module;
}  // namespace llvm

namespace lanes::internal::amdgpu {

// What the control libraries must say for one GPU.
struct ArchInfo {
  std::string name;     // gfx90a
  int isa_version = 0;  // __oclc_ISA_version: major * 1000 + minor * 100 + stepping (9010)
  bool wave64 = true;   // gfx9 and older run 64-wide wavefronts, gfx10+ 32-wide
};

// Parses "gfx" + major + minor + stepping (the last two are hex digits: gfx90a, gfx1100);
// ArgumentError for anything else.
ArchInfo parse_arch(const std::string& arch);

// Links the needed functions of ocml.bc and the control constants into `module`
// (LinkOnlyNeeded), defines __oclc_ISA_version for `arch` (the 5.2 libraries have no
// file for gfx11 or gfx942) and internalizes everything but the kernels. CompileError
// when the libraries are missing or do not link.
void link_device_libs(llvm::Module& module, const ArchInfo& arch);

}  // namespace lanes::internal::amdgpu
