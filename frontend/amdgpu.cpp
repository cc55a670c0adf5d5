// lanes::amdgpu: the public AMD GPU entry points over the engine's pipeline (trace,
// optimize_graph, lower_to_loops) and codegen/amdgpu.
#include <lanes/amdgpu.h>
#include <lanes/error.h>

#include <mutex>
#include <unordered_map>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/amdgpu/amdgpu_executable.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "frontend/fn_impl.h"
#include "runtime/hip_runtime.h"

namespace lanes::amdgpu {

namespace {

internal::loop::Program lower(const Fn& f, const std::vector<Array>& args,
                              const JitOptions& options) {
  if (!f.impl()) throw ArgumentError("amdgpu: empty lanes::Fn");
  internal::Signature sig;
  for (const Array& a : args) sig.push_back(internal::aval_of(a));
  internal::GraphRef g = f.impl()->graph_for(sig);
  return internal::lower_to_loops(internal::optimize_graph(*g), options);
}

internal::amdgpu::CodeObject compile(const Fn& f, const std::vector<Array>& args,
                                     const std::string& arch, const JitOptions& options) {
  return internal::amdgpu::compile_amdgpu(lower(f, args, options), arch, options.precision);
}

}  // namespace

std::vector<std::uint8_t> code_object(const Fn& f, const std::vector<Array>& example_args,
                                      const std::string& arch, JitOptions options) {
  return compile(f, example_args, arch, options).bytes;
}

std::vector<std::string> kernel_names(const Fn& f, const std::vector<Array>& example_args,
                                      const std::string& arch, JitOptions options) {
  std::vector<std::string> names;
  for (const auto& k : compile(f, example_args, arch, options).kernels) names.push_back(k.name);
  return names;
}

std::string disassemble(const Fn& f, const std::vector<Array>& example_args,
                        const std::string& arch, JitOptions options) {
  internal::amdgpu::CodeObject co = compile(f, example_args, arch, options);
  if (co.bytes.empty()) return {};  // no kernels (e.g. every step runs on the host)
  return internal::amdgpu::disassemble(co.bytes, arch);
}

bool compiler_available() { return internal::amdgpu::toolchain_available(); }
bool available() { return internal::hip::hip_available(); }
int device_count() { return internal::hip::device_count(); }
std::string device_arch(int device) { return internal::hip::device_properties(device).arch; }

namespace {

// A jitted Fn whose executables run on a HIP device, one per signature.
class AmdgpuJitFn final : public internal::FnImpl {
 public:
  AmdgpuJitFn(Fn inner, int device, JitOptions options)
      : FnImpl("amdgpu::jit(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        device_(device),
        options_(options) {}

  std::vector<Array> call(std::span<const Array> args, const internal::Signature& sig) override {
    return executable(sig).run(args);
  }
  // Inside another trace it inlines, as lanes::jit does.
  std::vector<Value> call_traced(std::span<const Value> args) override {
    return inner_.impl()->call_traced(args);
  }
  std::string compiled_text(const internal::Signature& sig, CodeText what) override {
    const internal::Executable& exe = executable(sig);
    return what == CodeText::LlvmIr ? exe.llvm_ir() : exe.assembly();
  }

 protected:
  internal::GraphRef make_graph(const internal::Signature& sig) override {
    return inner_.impl()->graph_for(sig);
  }

 private:
  // Compiled under the lock: concurrent first calls compile once (GPU compiles are rare).
  const internal::Executable& executable(const internal::Signature& sig) {
    std::lock_guard lock(mu_);
    auto it = exes_.find(sig);
    if (it == exes_.end()) {
      auto program = internal::lower_to_loops(internal::optimize_graph(*graph_for(sig)), options_);
      auto exe = internal::amdgpu::compile_hip_executable(std::move(program), device_, options_);
      it = exes_.emplace(sig, std::move(exe)).first;
    }
    return *it->second;
  }

  Fn inner_;
  int device_;
  JitOptions options_;
  std::mutex mu_;
  std::unordered_map<internal::Signature, std::shared_ptr<internal::Executable>,
                     internal::SignatureHash>
      exes_;
};

}  // namespace

Fn jit(const Fn& f, int device, JitOptions options) {
  if (!f.impl()) throw ArgumentError("amdgpu::jit of an empty lanes::Fn");
  return Fn(std::make_shared<AmdgpuJitFn>(f, device, options));
}

std::vector<Array> call(const Fn& f, const std::vector<Array>& args, int device,
                        JitOptions options) {
  std::vector<Arg> a(args.begin(), args.end());
  return jit(f, device, options).call(a).arrays();
}

}  // namespace lanes::amdgpu
