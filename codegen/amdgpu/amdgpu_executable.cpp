// The HIP Executable: device buffers for every buffer of the Program (inputs either
// copied up from host arrays or handed in as device buffers), constants copied up,
// kernels launched (ceil(points / kWorkgroupSize) workgroups of kWorkgroupSize
// work-items, arguments as KernelInfo::buffers says), outputs copied back or kept on the
// device. Every device buffer is owned by a shared_ptr, so a failure anywhere (a launch,
// a copy, a host step) frees what the run allocated. Cancellation is checked on the host
// before each launch and after the last (a kernel on the device is not interrupted).
#include "codegen/amdgpu/amdgpu_executable.h"

#include <lanes/error.h>

#include <optional>
#include <utility>

#include "runtime/cancel.h"
#include "runtime/check.h"
#include "runtime/hip_runtime.h"

namespace lanes::internal::amdgpu {

namespace {

std::size_t buffer_bytes(const loop::Buffer& b) {
  std::int64_t n = 1;
  for (std::int64_t d : b.shape) n *= d;
  return static_cast<std::size_t>(n) * dtype_size(b.dtype);
}

using Buffers = std::vector<std::shared_ptr<const hip::DeviceBuffer>>;

class HipExecutableImpl final : public HipExecutable {
 public:
  HipExecutableImpl(loop::Program program, int device, CodeObject code)
      : program_(std::move(program)), device_(device), code_(std::move(code)) {
    // A Program whose steps all run on the host has no code object to load.
    if (!code_.kernels.empty()) module_.emplace(device, code_.bytes);
    for (const KernelInfo& k : code_.kernels) functions_.push_back(module_->function(k.name));
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    check_count(inputs.size());
    Buffers in(inputs.size());
    for (const loop::Buffer& b : program_.buffers) {
      if (b.kind != loop::BufferKind::Input) continue;
      auto buf = std::make_shared<hip::DeviceBuffer>(device_, buffer_bytes(b));
      buf->copy_from_host(inputs[b.io_index].raw(), buffer_bytes(b));
      in[b.io_index] = std::move(buf);
    }
    Buffers outs = run_resident(in);
    std::vector<Array> out;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      const loop::OutputSource& o = program_.outputs[k];
      if (o.buffer < 0) {  // a literal: no need to read it back
        out.push_back(Array::full(o.literal.dtype(), {}, o.literal));
        continue;
      }
      const loop::Buffer& b = program_.buffers.at(o.buffer);
      Array a = Array::empty(b.dtype, b.shape);
      outs[k]->copy_to_host(a.raw(), buffer_bytes(b));
      out.push_back(std::move(a));
    }
    return out;
  }

  Buffers run_resident(std::span<const DeviceBufferRef> inputs) const override {
    check_count(inputs.size());
    hip::Stream stream(device_);
    const std::size_t nb = program_.buffers.size();
    Buffers dev(nb);
    for (std::size_t i = 0; i < nb; ++i) {
      const loop::Buffer& b = program_.buffers[i];
      if (b.kind == loop::BufferKind::Input) {
        dev[i] = checked_input(inputs, b);
        continue;
      }
      auto buf = std::make_shared<hip::DeviceBuffer>(device_, buffer_bytes(b));
      if (b.kind == loop::BufferKind::Constant)
        buf->copy_from_host(b.constant.raw(), buffer_bytes(b));
      dev[i] = std::move(buf);
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
      // Host side only: a kernel already launched runs to its end on the device.
      throw_if_cancelled();
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
    throw_if_cancelled();
    Buffers out;
    for (const loop::OutputSource& o : program_.outputs) {
      if (o.buffer >= 0) {
        out.push_back(dev.at(o.buffer));
        continue;
      }
      Array lit = Array::full(o.literal.dtype(), {}, o.literal);
      auto buf = std::make_shared<hip::DeviceBuffer>(device_, lit.nbytes());
      buf->copy_from_host(std::as_const(lit).raw(), lit.nbytes());
      out.push_back(std::move(buf));
    }
    return out;
  }

  int device() const override { return device_; }
  std::string llvm_ir() const override { return code_.llvm_ir; }
  std::string assembly() const override {
    return code_.bytes.empty() ? std::string() : disassemble(code_.bytes, code_.arch);
  }

 private:
  void check_count(std::size_t n) const {
    if (static_cast<int>(n) != program_.num_inputs) {
      LANES_FAIL("amdgpu backend: expected " + std::to_string(program_.num_inputs) +
                 " inputs, got " + std::to_string(n));
    }
  }

  DeviceBufferRef checked_input(std::span<const DeviceBufferRef> inputs,
                                const loop::Buffer& b) const {
    const DeviceBufferRef& buf = inputs[b.io_index];
    const std::string which = "amdgpu: argument " + std::to_string(b.io_index);
    if (!buf) throw ArgumentError(which + " is an empty device array");
    if (buf->device() != device_) {
      throw ArgumentError(which + " lives on HIP device " + std::to_string(buf->device()) +
                          ", but the function runs on HIP device " + std::to_string(device_));
    }
    if (buf->bytes() < buffer_bytes(b)) {
      LANES_FAIL(which + " has " + std::to_string(buf->bytes()) + " bytes, expected " +
                 std::to_string(buffer_bytes(b)));
    }
    return buf;
  }

  // Host steps write only their own (non-input) buffers: inputs are never modified.
  void run_host(const loop::HostStep& host, Buffers& dev) const {
    std::vector<Array> in;
    for (int b : host.inputs) {
      const loop::Buffer& buf = program_.buffers.at(b);
      Array a = Array::empty(buf.dtype, buf.shape);
      dev.at(b)->copy_to_host(a.raw(), buffer_bytes(buf));
      in.push_back(std::move(a));
    }
    std::vector<Array> res = host.run(in);
    if (res.size() != host.outputs.size()) {
      LANES_FAIL("amdgpu backend: host step " + host.name + " returned " +
                 std::to_string(res.size()) + " arrays for " + std::to_string(host.outputs.size()) +
                 " outputs");
    }
    for (std::size_t i = 0; i < res.size(); ++i) {
      const int id = host.outputs[i];
      const loop::Buffer& buf = program_.buffers.at(id);
      if (buf.kind == loop::BufferKind::Input) {
        LANES_FAIL("amdgpu backend: host step " + host.name + " writes input buffer " +
                   std::to_string(id));
      }
      // const_cast: the executable allocated every non-input buffer itself.
      const_cast<hip::DeviceBuffer&>(*dev.at(id))
          .copy_from_host(std::as_const(res[i]).raw(), buffer_bytes(buf));
    }
  }

  loop::Program program_;
  int device_;
  CodeObject code_;
  std::optional<hip::Module> module_;
  std::vector<void*> functions_;
};

}  // namespace

std::shared_ptr<HipExecutable> compile_hip_executable(loop::Program program, int device,
                                                      const JitOptions& options,
                                                      const std::string& arch) {
  if (!hip::hip_available()) throw RuntimeError("amdgpu: " + hip::unavailable_reason());
  const std::string target = arch.empty() ? hip::device_properties(device).arch : arch;
  if (target.empty()) {
    throw RuntimeError("amdgpu: the architecture of HIP device " + std::to_string(device) +
                       " is unknown (Lanes was built without HIP's headers); pass it explicitly");
  }
  CodeObject code = compile_amdgpu(program, target, options.precision);
  return std::make_shared<HipExecutableImpl>(std::move(program), device, std::move(code));
}

}  // namespace lanes::internal::amdgpu
