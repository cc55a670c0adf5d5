// lanes::amdgpu: the public AMD GPU entry points over the engine's pipeline (trace,
// optimize_graph, lower_to_loops) and codegen/amdgpu.
#include <lanes/amdgpu.h>
#include <lanes/error.h>

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

std::vector<Array> call(const Fn& f, const std::vector<Array>& args, int device,
                        JitOptions options) {
  auto exe = internal::amdgpu::compile_hip_executable(lower(f, args, options), device, options);
  return exe->run(args);
}

}  // namespace lanes::amdgpu
