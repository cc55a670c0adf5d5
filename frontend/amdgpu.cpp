// lanes::amdgpu: the public AMD GPU entry points over the engine's pipeline (trace,
// optimize_graph, lower_to_loops) and codegen/amdgpu: code objects, amdgpu::jit, its
// device-resident form (DeviceFn) and lanes::jit(f, Device).
#include <lanes/amdgpu.h>
#include <lanes/error.h>

#include <mutex>
#include <unordered_map>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/amdgpu/amdgpu_executable.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "frontend/fn_impl.h"
#include "frontend/jit_options_check.h"
#include "runtime/devices.h"
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

// code_object, kernel_names and disassemble: the options are checked as jit checks them.
internal::amdgpu::CodeObject compile(const Fn& f, const std::vector<Array>& args,
                                     const std::string& arch, const JitOptions& options) {
  internal::check_jit_options(options, "amdgpu::code_object");
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
  const internal::amdgpu::HipExecutable& executable(const internal::Signature& sig) {
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
  std::unordered_map<internal::Signature, std::shared_ptr<internal::amdgpu::HipExecutable>,
                     internal::SignatureHash>
      exes_;

  friend class lanes::amdgpu::DeviceFn::Impl;
};

}  // namespace

// The device-resident form: the same executables, run on device buffers.
class DeviceFn::Impl {
 public:
  explicit Impl(std::shared_ptr<AmdgpuJitFn> fn) : fn_(std::move(fn)) {}

  std::vector<DeviceArray> call(const std::vector<DeviceArray>& args) {
    fn_->check_arity(args.size());
    internal::Signature sig;
    std::vector<internal::amdgpu::DeviceBufferRef> buffers;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i].empty()) {
        throw ArgumentError(fn_->name() + ": argument " + std::to_string(i) +
                            " is an empty DeviceArray");
      }
      sig.push_back({args[i].dtype(), args[i].shape(), false});
      buffers.push_back(args[i].buffer());
    }
    const internal::amdgpu::HipExecutable& exe = fn_->executable(sig);
    std::vector<internal::amdgpu::DeviceBufferRef> outs = exe.run_resident(buffers);
    std::vector<internal::AbstractValue> avals = fn_->graph_for(sig)->output_avals();
    std::vector<DeviceArray> result;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      result.emplace_back(std::move(outs[k]), avals.at(k).dtype, avals.at(k).shape);
    }
    return result;
  }

 private:
  std::shared_ptr<AmdgpuJitFn> fn_;
};

std::vector<DeviceArray> DeviceFn::call(const std::vector<DeviceArray>& args) const {
  if (!impl_) throw ArgumentError("amdgpu::DeviceFn: called while empty");
  return impl_->call(args);
}

DeviceFn jit_device_resident(const Fn& f, int device, JitOptions options) {
  if (!f.impl()) throw ArgumentError("amdgpu::jit_device_resident of an empty lanes::Fn");
  internal::check_jit_options(options, "amdgpu::jit_device_resident");
  internal::check_hip_device(
      Device{DeviceKind::Hip, device, "hip:" + std::to_string(device), internal::this_process()},
      "amdgpu::jit_device_resident");
  return DeviceFn(
      std::make_shared<DeviceFn::Impl>(std::make_shared<AmdgpuJitFn>(f, device, options)), device);
}

Fn jit(const Fn& f, int device, JitOptions options) {
  if (!f.impl()) throw ArgumentError("amdgpu::jit of an empty lanes::Fn");
  internal::check_jit_options(options, "amdgpu::jit");
  return Fn(std::make_shared<AmdgpuJitFn>(f, device, options));
}

std::vector<Array> call(const Fn& f, const std::vector<Array>& args, int device,
                        JitOptions options) {
  std::vector<Arg> a(args.begin(), args.end());
  return jit(f, device, options).call(a).arrays();
}

}  // namespace lanes::amdgpu

namespace lanes {

Fn jit(const Fn& f, const Device& device, JitOptions options) {
  if (!f.impl()) throw ArgumentError("jit of an empty lanes::Fn");
  internal::check_device(device, "jit");
  if (device.kind == DeviceKind::Hip) return amdgpu::jit(f, device.index, options);
  return jit(f, options);
}

}  // namespace lanes
