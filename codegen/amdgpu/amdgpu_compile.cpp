// compile_amdgpu: loop-IR kernels -> LLVM module for amdgcn-amd-amdhsa -> ocml linked in
// and internalized -> O3 -> object (LLVM's AMDGPU TargetMachine) -> `ld.lld -shared` ->
// HSA code object v4 (what Debian's ROCm 5.2.3 loads; LLVM 19 would default to v5).
//
// lld runs in process from liblld-19-dev's static archives, which link against the
// shared libLLVM-19 (codegen/amdgpu/CMakeLists.txt); the ld.lld-19 executable found at
// configure time is the fallback.
//
// Every LLVM failure is a CompileError: error diagnostics are collected per context, and
// LLVM's fatal errors reach the handler of codegen/llvm/fatal_error.h (which throws).
#include <lanes/error.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/TargetParser.h>

#include <cctype>
#include <mutex>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/amdgpu/amdgpu_kernel_codegen.h"
#include "codegen/amdgpu/amdgpu_tools.h"
#include "codegen/amdgpu/device_libs.h"
#include "codegen/llvm/fatal_error.h"
#include "codegen/llvm/optimize.h"
#include "runtime/check.h"

namespace lanes::internal::amdgpu {

namespace {

constexpr const char* kTriple = "amdgcn-amd-amdhsa";

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvmgen::install_fatal_error_handler();
    LLVMInitializeAMDGPUTargetInfo();
    LLVMInitializeAMDGPUTarget();
    LLVMInitializeAMDGPUTargetMC();
    LLVMInitializeAMDGPUAsmPrinter();
  });
}

struct Diagnostics {
  std::string errors;
  static void handle(const llvm::DiagnosticInfo* info, void* self) {
    if (info->getSeverity() != llvm::DS_Error) return;
    std::string msg;
    llvm::raw_string_ostream os(msg);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info->print(printer);
    static_cast<Diagnostics*>(self)->errors += os.str() + "\n";
  }
};

std::unique_ptr<llvm::TargetMachine> make_target_machine(const ArchInfo& arch) {
  // Checked before LLVM sees it: an unknown CPU only gets a warning on stderr there.
  if (llvm::AMDGPU::parseArchAMDGCN(arch.name) == llvm::AMDGPU::GK_NONE) {
    throw ArgumentError("amdgpu: LLVM 19 does not know the GPU architecture '" + arch.name + "'");
  }
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, err);
  if (target == nullptr) throw CompileError("amdgpu backend: LLVM has no AMDGPU target: " + err);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(kTriple, arch.name, "", options, llvm::Reloc::PIC_, std::nullopt,
                                  llvm::CodeGenOptLevel::Aggressive));
  if (!tm) throw CompileError("amdgpu backend: no target machine for " + arch.name);
  return tm;
}

std::string print_module(const llvm::Module& m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return os.str();
}

// A kernel symbol: the step's kernel name made a C identifier, unique by step index.
std::string symbol_for(const loop::Kernel& k, std::size_t step) {
  std::string s = "lanes_" + std::to_string(step) + "_";
  for (char c : k.name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

}  // namespace

CodeObject compile_amdgpu(const loop::Program& program, const std::string& arch_name,
                          Precision precision) {
  const ArchInfo arch = parse_arch(arch_name);
  initialize_llvm();
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(arch);

  llvm::LLVMContext ctx;
  Diagnostics diag;
  ctx.setDiagnosticHandlerCallBack(Diagnostics::handle, &diag);
  auto check_diag = [&](const char* stage) {
    if (!diag.errors.empty()) {
      throw CompileError(std::string("amdgpu backend: ") + stage + ": " + diag.errors);
    }
  };
  llvm::Module m("lanes_amdgpu", ctx);
  m.setTargetTriple(kTriple);
  m.setDataLayout(tm->createDataLayout());
  m.addModuleFlag(llvm::Module::Error, "amdhsa_code_object_version", 400);

  CodeObject out;
  out.arch = arch.name;
  for (std::size_t s = 0; s < program.steps.size(); ++s) {
    const auto* k = std::get_if<loop::Kernel>(&program.steps[s]);
    if (k == nullptr) continue;
    KernelInfo info;
    info.name = symbol_for(*k, s);
    info.step = static_cast<int>(s);
    info.points = 1;
    for (std::int64_t e : k->extents) info.points *= e;
    emit_kernel(m, *k, program.buffers, precision, info.name, &info.buffers);
    out.kernels.push_back(std::move(info));
  }
  {
    std::string err;
    llvm::raw_string_ostream os(err);
    if (llvm::verifyModule(m, &os)) {
      LANES_FAIL("amdgpu backend: invalid LLVM IR: " + os.str() + "\n" + print_module(m));
    }
  }
  if (out.kernels.empty()) return out;

  link_device_libs(m, arch);
  check_diag("linking the device libraries");
  optimize_module(m, *tm, llvm::OptimizationLevel::O3);
  check_diag("optimization");
  out.llvm_ir = print_module(m);

  llvm::SmallVector<char, 0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
      throw CompileError("amdgpu backend: " + arch.name + " cannot emit an object file");
    }
    pm.run(m);
  }
  check_diag("code generation");

  // ld.lld -shared: the object becomes the loadable HSA code object.
  TempFile obj(".o"), hsaco(".hsaco");
  obj.write(std::span(reinterpret_cast<const std::uint8_t*>(object.data()), object.size()));
  link_code_object(obj.path(), hsaco.path());
  out.bytes = hsaco.read();
  return out;
}

}  // namespace lanes::internal::amdgpu
