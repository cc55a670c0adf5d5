// The HIP Executable: device buffers for every buffer of the Program, inputs and
// constants copied up, kernels launched (ceil(points / kWorkgroupSize) workgroups of
// kWorkgroupSize work-items, arguments as KernelInfo::buffers says), outputs copied back.
#include "codegen/amdgpu/amdgpu_executable.h"

#include <lanes/error.h>

#include <optional>

#include "runtime/hip_runtime.h"

namespace lanes::internal::amdgpu {

namespace {

std::size_t buffer_bytes(const loop::Buffer& b) {
  std::int64_t n = 1;
  for (std::int64_t d : b.shape) n *= d;
  return static_cast<std::size_t>(n) * dtype_size(b.dtype);
}

class HipExecutable final : public Executable {
 public:
  HipExecutable(loop::Program program, int device, CodeObject code)
      : program_(std::move(program)),
        device_(device),
        code_(std::move(code)),
        module_(device, code_.bytes) {
    for (const KernelInfo& k : code_.kernels) functions_.push_back(module_.function(k.name));
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    if (static_cast<int>(inputs.size()) != program_.num_inputs) {
      throw InternalError("amdgpu backend: expected " + std::to_string(program_.num_inputs) +
                          " inputs, got " + std::to_string(inputs.size()));
    }
    hip::Stream stream(device_);
    const std::size_t nb = program_.buffers.size();
    std::vector<std::optional<hip::DeviceBuffer>> dev(nb);
    for (std::size_t i = 0; i < nb; ++i) {
      const loop::Buffer& b = program_.buffers[i];
      dev[i].emplace(device_, buffer_bytes(b));
      if (b.kind == loop::BufferKind::Input) {
        dev[i]->copy_from_host(inputs[b.io_index].raw(), buffer_bytes(b));
      } else if (b.kind == loop::BufferKind::Constant) {
        dev[i]->copy_from_host(b.constant.raw(), buffer_bytes(b));
      }
    }
    std::size_t k = 0;
    for (const loop::Step& step : program_.steps) {
      if (const auto* host = std::get_if<loop::HostStep>(&step)) {
        stream.synchronize();
        run_host(*host, dev);
        continue;
      }
      const KernelInfo& info = code_.kernels.at(k);
      void* fn = functions_.at(k++);
      if (info.points <= 0) continue;
      std::vector<void*> args;
      for (int b : info.buffers) args.push_back(const_cast<void**>(&dev.at(b)->ptr()));
      const std::int64_t groups = (info.points + kWorkgroupSize - 1) / kWorkgroupSize;
      if (groups > 0xffffffffLL) {
        throw UnsupportedError("amdgpu: kernel " + info.name + " has " +
                               std::to_string(info.points) +
                               " points, more than one launch can cover");
      }
      hip::launch(fn, {static_cast<unsigned>(groups), 1, 1}, {kWorkgroupSize, 1, 1}, args.data(),
                  stream);
    }
    stream.synchronize();
    std::vector<Array> out;
    for (const loop::OutputSource& o : program_.outputs) {
      if (o.buffer < 0) {
        out.push_back(Array::full(o.literal_dtype, {}, o.literal_value));
        continue;
      }
      const loop::Buffer& b = program_.buffers.at(o.buffer);
      Array a = Array::empty(b.dtype, b.shape);
      dev[o.buffer]->copy_to_host(a.raw(), buffer_bytes(b));
      out.push_back(std::move(a));
    }
    return out;
  }

  std::string llvm_ir() const override { return code_.llvm_ir; }
  std::string assembly() const override { return disassemble(code_.bytes, code_.arch); }

 private:
  void run_host(const loop::HostStep& host,
                std::vector<std::optional<hip::DeviceBuffer>>& dev) const {
    std::vector<Array> in;
    for (int b : host.inputs) {
      const loop::Buffer& buf = program_.buffers.at(b);
      Array a = Array::empty(buf.dtype, buf.shape);
      dev.at(b)->copy_to_host(a.raw(), buffer_bytes(buf));
      in.push_back(std::move(a));
    }
    std::vector<Array> res = host.run(in);
    if (res.size() != host.outputs.size()) {
      throw InternalError("amdgpu backend: host step " + host.name + " returned " +
                          std::to_string(res.size()) + " arrays for " +
                          std::to_string(host.outputs.size()) + " outputs");
    }
    for (std::size_t i = 0; i < res.size(); ++i) {
      const loop::Buffer& buf = program_.buffers.at(host.outputs[i]);
      dev.at(host.outputs[i])->copy_from_host(std::as_const(res[i]).raw(), buffer_bytes(buf));
    }
  }

  loop::Program program_;
  int device_;
  CodeObject code_;
  hip::Module module_;
  std::vector<void*> functions_;
};

}  // namespace

std::shared_ptr<Executable> compile_hip_executable(loop::Program program, int device,
                                                   const JitOptions& options,
                                                   const std::string& arch) {
  if (!hip::hip_available()) throw RuntimeError("amdgpu: " + hip::unavailable_reason());
  const std::string target = arch.empty() ? hip::device_properties(device).arch : arch;
  if (target.empty()) {
    throw RuntimeError("amdgpu: the architecture of HIP device " + std::to_string(device) +
                       " is unknown (Lanes was built without HIP's headers); pass it explicitly");
  }
  CodeObject code = compile_amdgpu(program, target, options.precision);
  return std::make_shared<HipExecutable>(std::move(program), device, std::move(code));
}

}  // namespace lanes::internal::amdgpu
