// ROCm device libraries: ocml (math) and the oclc_* control libraries, each a bitcode
// file defining one constant that ocml reads (denormals, finite-only, unsafe math,
// correctly rounded sqrt, wavefront size, ABI version, ISA version).
//
// The files are read once per process and kept: each link parses them lazily
// (getLazyBitcodeModule), so only the ocml functions a module calls are materialized.
#include "codegen/amdgpu/device_libs.h"

#include <lanes/error.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/Module.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Transforms/IPO/Internalize.h>

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "runtime/env.h"

namespace lanes::internal::amdgpu {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The contents of a device-library file, read once.
const llvm::MemoryBuffer& library_file(const std::string& file) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<llvm::MemoryBuffer>> cache;
  std::lock_guard lock(mu);
  const std::string dir = bitcode_dir();
  if (dir.empty()) {
    throw CompileError(
        "amdgpu backend: ROCm's device libraries (ocml.bc) were not found; install "
        "rocm-device-libs or set LANES_AMDGPU_BITCODE_DIR");
  }
  const std::string path = dir + "/" + file;
  auto it = cache.find(path);
  if (it != cache.end()) return *it->second;
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) {
    const std::optional<std::string> from_env = env_string("LANES_AMDGPU_BITCODE_DIR");
    throw CompileError(
        "amdgpu backend: cannot read device library " + path + ": " + buf.getError().message() +
        (from_env ? " (the directory is LANES_AMDGPU_BITCODE_DIR='" + *from_env + "')"
                  : std::string()));
  }
  return *cache.emplace(path, std::move(*buf)).first->second;
}

void link_file(llvm::Module& module, const std::string& file) {
  auto lazy = llvm::getLazyBitcodeModule(library_file(file).getMemBufferRef(), module.getContext());
  if (!lazy) {
    throw CompileError("amdgpu backend: cannot parse " + file + ": " +
                       llvm::toString(lazy.takeError()));
  }
  std::unique_ptr<llvm::Module> lib = std::move(*lazy);
  // The libraries were built by an older LLVM: take the module's own layout and triple.
  lib->setDataLayout(module.getDataLayout());
  lib->setTargetTriple(module.getTargetTriple());
  if (llvm::Linker::linkModules(module, std::move(lib), llvm::Linker::Flags::LinkOnlyNeeded)) {
    throw CompileError("amdgpu backend: linking " + file + " failed");
  }
}

}  // namespace

ArchInfo parse_arch(const std::string& arch) {
  ArchInfo info;
  info.name = arch;
  const bool shape = arch.size() >= 6 && arch.size() <= 8 && arch.compare(0, 3, "gfx") == 0;
  std::string major = shape ? arch.substr(3, arch.size() - 5) : "";
  const int minor = shape ? hex_digit(arch[arch.size() - 2]) : -1;
  const int stepping = shape ? hex_digit(arch[arch.size() - 1]) : -1;
  bool digits = !major.empty();
  for (char c : major) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits || minor < 0 || stepping < 0) {
    throw ArgumentError("amdgpu: unknown GPU architecture '" + arch +
                        "' (expected a name such as gfx90a, gfx942 or gfx1100)");
  }
  const int maj = std::stoi(major);
  info.isa_version = maj * 1000 + minor * 100 + stepping;
  info.wave64 = maj < 10;
  return info;
}

void link_device_libs(llvm::Module& module, const ArchInfo& arch) {
  // Our own __oclc_ISA_version (the 5.2 libraries lack gfx11xx and gfx942 files), in the
  // constant address space as the libraries define it.
  auto* i32 = llvm::Type::getInt32Ty(module.getContext());
  new llvm::GlobalVariable(module, i32, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i32, arch.isa_version), "__oclc_ISA_version",
                           nullptr, llvm::GlobalValue::NotThreadLocal, /*AddressSpace=*/4);
  std::set<std::string> kernels;
  for (const llvm::Function& f : module) {
    if (!f.isDeclaration()) kernels.insert(f.getName().str());
  }
  bool calls_ocml = false;
  for (const llvm::Function& f : module) {
    calls_ocml = calls_ocml || (f.isDeclaration() && f.getName().starts_with("__ocml_"));
  }
  if (calls_ocml) {
    link_file(module, "ocml.bc");
    // Control constants: IEEE denormals, no finite-only or unsafe-math shortcuts, a
    // correctly rounded f32 sqrt, the chip's wavefront size, code object v4's ABI.
    for (const char* file :
         {"oclc_daz_opt_off.bc", "oclc_finite_only_off.bc", "oclc_unsafe_math_off.bc",
          "oclc_correctly_rounded_sqrt_on.bc", "oclc_abi_version_400.bc",
          arch.wave64 ? "oclc_wavefrontsize64_on.bc" : "oclc_wavefrontsize64_off.bc"}) {
      link_file(module, file);
    }
  }
  // Only the kernels stay visible: the rest is inlined and dropped by the optimizer.
  llvm::internalizeModule(
      module, [&](const llvm::GlobalValue& gv) { return kernels.count(gv.getName().str()) != 0; });
  for (const llvm::Function& f : module) {
    if (f.isDeclaration() && !f.isIntrinsic()) {
      throw CompileError("amdgpu backend: function " + f.getName().str() +
                         " is not defined by the device libraries");
    }
  }
}

}  // namespace lanes::internal::amdgpu
