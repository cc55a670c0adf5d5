// The configure-time tool paths, the external tool runner, and the code-object readers
// (LLVM's object library for inspection, llvm-objdump for disassembly).
#include "codegen/amdgpu/amdgpu_tools.h"

#include <lanes/error.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/raw_ostream.h>

#include <mutex>
#include <optional>

#if defined(LANES_HAVE_LLD_LIB)
#include <lld/Common/Driver.h>
LLD_HAS_DRIVER(elf)
#endif

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "runtime/env.h"

// Baked in by codegen/amdgpu/CMakeLists.txt; empty when not found there.
#ifndef LANES_AMDGPU_BITCODE_DIR_DEFAULT
#define LANES_AMDGPU_BITCODE_DIR_DEFAULT ""
#endif
#ifndef LANES_LD_LLD_DEFAULT
#define LANES_LD_LLD_DEFAULT ""
#endif
#ifndef LANES_LLVM_OBJDUMP_DEFAULT
#define LANES_LLVM_OBJDUMP_DEFAULT ""
#endif

namespace lanes::internal::amdgpu {

namespace {
std::string env_or(const char* name, const char* fallback) {
  return env_string(name).value_or(std::string(fallback));
}

// `what`, naming the variable when the tool's path came from it (for run_tool's errors).
std::string step_and_origin(const std::string& what, const char* variable) {
  std::optional<std::string> v = env_string(variable);
  return v ? what + " (" + variable + "='" + *v + "')" : what;
}
}  // namespace

std::string bitcode_dir() {
  return env_or("LANES_AMDGPU_BITCODE_DIR", LANES_AMDGPU_BITCODE_DIR_DEFAULT);
}
std::string ld_lld_path() { return env_or("LANES_LD_LLD", LANES_LD_LLD_DEFAULT); }
std::string objdump_path() { return env_or("LANES_LLVM_OBJDUMP", LANES_LLVM_OBJDUMP_DEFAULT); }

bool toolchain_available() {
  const std::string dir = bitcode_dir();
  const std::string lld = ld_lld_path();
  const bool linker = lld_in_process() || (!lld.empty() && llvm::sys::fs::can_execute(lld));
  return !dir.empty() && llvm::sys::fs::exists(dir + "/ocml.bc") && linker;
}

#if defined(LANES_HAVE_LLD_LIB)
namespace {
// lld's library keeps global state per link: one link at a time, and none after a link
// that lld says cannot be followed by another (a fatal error inside lld).
std::mutex g_lld_mu;
bool g_lld_usable = true;
}  // namespace
#endif

bool lld_in_process() {
  // Checked in every build, so that a misspelt value is an error, not the default.
  const std::optional<std::string> mode = env_choice("LANES_AMDGPU_LINKER", {"in-process", "exec"});
#if defined(LANES_HAVE_LLD_LIB)
  std::lock_guard lock(g_lld_mu);
  return g_lld_usable && mode != "exec";
#else
  (void)mode;
  return false;
#endif
}

void link_code_object(const std::string& object, const std::string& output) {
#if defined(LANES_HAVE_LLD_LIB)
  if (lld_in_process()) {
    std::lock_guard lock(g_lld_mu);
    std::string out, err;
    llvm::raw_string_ostream out_os(out), err_os(err);
    std::vector<const char*> args{"ld.lld", "-shared", "-o", output.c_str(), object.c_str()};
    lld::Result r = lld::lldMain(args, out_os, err_os, {{lld::Gnu, &lld::elf::link}});
    if (!r.canRunAgain) g_lld_usable = false;
    if (r.retCode != 0) {
      throw CompileError("amdgpu backend: linking the code object (lld, in process) failed: " +
                         err_os.str());
    }
    return;
  }
#endif
  run_tool(step_and_origin("linking the code object", "LANES_LD_LLD"), ld_lld_path(),
           {"-shared", "-o", output, object});
}

TempFile::TempFile(const std::string& suffix) {
  llvm::SmallString<128> p;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("lanes-amdgpu", suffix, p)) {
    throw CompileError("amdgpu backend: cannot create a temporary file: " + ec.message());
  }
  path_ = p.str().str();
}

TempFile::~TempFile() { llvm::sys::fs::remove(path_); }

void TempFile::write(std::span<const std::uint8_t> bytes) const {
  std::error_code ec;
  llvm::raw_fd_ostream os(path_, ec);
  if (!ec) {
    os.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    os.close();
    if (os.has_error()) ec = os.error();
  }
  if (ec) throw CompileError("amdgpu backend: cannot write " + path_ + ": " + ec.message());
}

std::vector<std::uint8_t> TempFile::read() const {
  auto buf = llvm::MemoryBuffer::getFile(path_, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buf)
    throw CompileError("amdgpu backend: cannot read " + path_ + ": " + buf.getError().message());
  const auto* p = reinterpret_cast<const std::uint8_t*>((*buf)->getBufferStart());
  return std::vector<std::uint8_t>(p, p + (*buf)->getBufferSize());
}

std::string run_tool(const std::string& what, const std::string& tool,
                     const std::vector<std::string>& args) {
  if (tool.empty() || !llvm::sys::fs::can_execute(tool)) {
    throw CompileError("amdgpu backend: " + what + " needs a tool that was not found" +
                       (tool.empty() ? std::string() : " (" + tool + ")"));
  }
  TempFile out(".out"), err(".err");
  std::vector<llvm::StringRef> argv{tool};
  for (const std::string& a : args) argv.push_back(a);
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(out.path()),
                                                llvm::StringRef(err.path())};
  std::string msg;
  bool failed = false;
  const int rc = llvm::sys::ExecuteAndWait(tool, argv, std::nullopt, redirects,
                                           /*SecondsToWait=*/120, 0, &msg, &failed);
  auto text = [](const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); };
  if (failed || rc != 0) {
    throw CompileError("amdgpu backend: " + what + " failed (" + tool + ", exit " +
                       std::to_string(rc) + "): " + msg + text(err.read()));
  }
  return text(out.read());
}

CodeObjectInfo inspect_code_object(std::span<const std::uint8_t> bytes) {
  CodeObjectInfo info;
  llvm::MemoryBufferRef ref(
      llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "code object");
  auto obj = llvm::object::ObjectFile::createObjectFile(ref);
  if (!obj) {
    llvm::consumeError(obj.takeError());
    return info;
  }
  auto* elf = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(obj->get());
  if (elf == nullptr) return info;
  info.elf64_amdgpu = elf->getArch() == llvm::Triple::amdgcn;
  info.shared_object = elf->getELFFile().getHeader().e_type == llvm::ELF::ET_DYN;
  if (auto cpu = elf->tryGetCPUName()) info.cpu = cpu->str();
  const auto& ident = elf->getELFFile().getHeader().e_ident;
  info.hsa_v4 = ident[llvm::ELF::EI_OSABI] == llvm::ELF::ELFOSABI_AMDGPU_HSA &&
                ident[llvm::ELF::EI_ABIVERSION] == llvm::ELF::ELFABIVERSION_AMDGPU_HSA_V4;
  for (const llvm::object::SymbolRef& sym : elf->symbols()) {
    auto name = sym.getName();
    auto flags = sym.getFlags();
    if (!name || !flags) {
      if (!name) llvm::consumeError(name.takeError());
      if (!flags) llvm::consumeError(flags.takeError());
      continue;
    }
    if (name->empty()) continue;
    (*flags & llvm::object::SymbolRef::SF_Undefined ? info.undefined : info.defined)
        .push_back(name->str());
  }
  return info;
}

std::string disassemble(std::span<const std::uint8_t> bytes, const std::string& arch) {
  TempFile in(".hsaco");
  in.write(bytes);
  return run_tool(step_and_origin("disassembly", "LANES_LLVM_OBJDUMP"), objdump_path(),
                  {"-d", "--mcpu=" + arch, in.path()});
}

}  // namespace lanes::internal::amdgpu
