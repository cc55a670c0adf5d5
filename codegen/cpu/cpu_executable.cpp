// compile_cpu and the CPU Executable: runs a Program's steps on Arrays.
//
// No LLVM here: the compiled kernels are plain function pointers owned through
// CompiledModule. A call allocates the Output/Temp buffers (64-byte aligned Arrays),
// runs each step in order and returns the outputs; it takes no locks and does no LLVM
// work, except that large kernels are split over the thread pool.
#include "codegen/backend.h"
#include "codegen/cpu/cpu_jit.h"
#include "runtime/thread_pool.h"

#include <lanes/error.h>

#include <algorithm>

namespace lanes::internal {

namespace {

// Kernels doing more than this much work (index points times the iterations of their
// counted loops) are split across threads.
constexpr std::int64_t kParallelThreshold = 1 << 16;

// Iterations of the counted loops one index point runs (the longest nest; a While
// counts as one iteration): a full reduction's partials kernel has few points but
// long loops (engine/lower/split_reduction.h).
std::int64_t loop_work(const loop::Block& block) {
  std::int64_t most = 1;
  for (const loop::Op& op : block.ops) {
    std::int64_t inner = 1;
    for (const loop::Block& b : op.blocks) inner = std::max(inner, loop_work(b));
    if (op.kind == loop::OpKind::Loop) inner *= std::max<std::int64_t>(op.trip_count, 1);
    most = std::max(most, inner);
  }
  return most;
}

struct KernelStep {
  cpu::KernelFn fn = nullptr;
  std::int64_t outer_extent = 0;  // extent of dim 0 (what chunks split)
  std::int64_t points = 0;        // total index points
  std::int64_t work = 0;          // points times loop_work of the body
  std::int64_t chunk_align = 1;   // chunks start at multiples of this (W if dim 0 is the vector axis)
};

class CpuExecutable final : public Executable {
 public:
  CpuExecutable(loop::Program program, const JitOptions& options,
                std::shared_ptr<cpu::CompiledModule> code)
      : program_(std::move(program)), options_(options), code_(std::move(code)) {
    std::size_t k = 0;
    for (const loop::Step& step : program_.steps) {
      const auto* kernel = std::get_if<loop::Kernel>(&step);
      if (kernel == nullptr) {
        kernel_steps_.push_back({});
        continue;
      }
      KernelStep ks;
      ks.fn = code_->kernels.at(k);
      ks.outer_extent = kernel->extents.at(0);
      ks.points = 1;
      for (std::int64_t e : kernel->extents) ks.points *= e;
      ks.work = ks.points * loop_work(kernel->body);
      int va = kernel->vector_axis < 0 ? static_cast<int>(kernel->extents.size()) - 1 : kernel->vector_axis;
      if (va == 0) ks.chunk_align = code_->widths.at(k);
      kernel_steps_.push_back(ks);
      ++k;
    }
    for (std::size_t i = 0; i < program_.buffers.size(); ++i) {
      const loop::Buffer& b = program_.buffers[i];
      if (b.kind == loop::BufferKind::Input) {
        if (b.io_index < 0 || b.io_index >= program_.num_inputs) {
          throw InternalError("cpu backend: input buffer " + std::to_string(i) + " has io_index " + std::to_string(b.io_index));
        }
      }
    }
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    if (static_cast<int>(inputs.size()) != program_.num_inputs) {
      throw InternalError("cpu backend: expected " + std::to_string(program_.num_inputs) +
                          " inputs, got " + std::to_string(inputs.size()));
    }
    const std::size_t nb = program_.buffers.size();
    std::vector<Array> arrays(nb);
    std::vector<void*> ptrs(nb, nullptr);
    for (std::size_t i = 0; i < nb; ++i) {
      const loop::Buffer& b = program_.buffers[i];
      switch (b.kind) {
        case loop::BufferKind::Input: arrays[i] = inputs[b.io_index]; break;
        case loop::BufferKind::Constant: arrays[i] = b.constant; break;
        default: arrays[i] = Array::empty(b.dtype, b.shape); break;
      }
      // Kernels only read through these pointers; const_cast is for the shared ABI.
      ptrs[i] = const_cast<void*>(std::as_const(arrays[i]).raw());
    }
    for (std::size_t s = 0; s < program_.steps.size(); ++s) {
      if (const auto* host = std::get_if<loop::HostStep>(&program_.steps[s])) {
        run_host(*host, arrays, ptrs);
      } else {
        run_kernel(kernel_steps_[s], ptrs.data());
      }
    }
    std::vector<Array> out;
    out.reserve(program_.outputs.size());
    for (const loop::OutputSource& o : program_.outputs) {
      if (o.buffer >= 0) {
        out.push_back(arrays.at(o.buffer));
      } else {
        out.push_back(Array::full(o.literal_dtype, {}, o.literal_value));
      }
    }
    return out;
  }

  std::string llvm_ir() const override { return code_->llvm_ir; }
  std::string assembly() const override { return code_->assembly(); }

 private:
  static void run_host(const loop::HostStep& host, std::vector<Array>& arrays, std::vector<void*>& ptrs) {
    std::vector<Array> in;
    in.reserve(host.inputs.size());
    for (int b : host.inputs) in.push_back(arrays.at(b));
    std::vector<Array> res = host.run(in);
    if (res.size() != host.outputs.size()) {
      throw InternalError("cpu backend: host step " + host.name + " returned " + std::to_string(res.size()) +
                          " arrays for " + std::to_string(host.outputs.size()) + " outputs");
    }
    for (std::size_t i = 0; i < res.size(); ++i) {
      int b = host.outputs[i];
      arrays.at(b) = std::move(res[i]);
      ptrs[b] = const_cast<void*>(std::as_const(arrays[b]).raw());
    }
  }

  void run_kernel(const KernelStep& k, void** ptrs) const {
    if (k.points <= 0) return;
    const std::int64_t n = k.outer_extent;
    if (!options_.parallel || k.work <= kParallelThreshold || n < 2) {
      k.fn(ptrs, 0, n);
      return;
    }
    ThreadPool& pool = ThreadPool::global();
    // A few chunks per thread balance uneven progress; chunk starts stay W-aligned when
    // dim 0 is the vector axis so only the last chunk has a tail.
    std::int64_t chunks = std::min<std::int64_t>(n, pool.num_threads() * 4);
    std::int64_t size = (n + chunks - 1) / chunks;
    size = (size + k.chunk_align - 1) / k.chunk_align * k.chunk_align;
    chunks = (n + size - 1) / size;
    pool.parallel_for(chunks, [&](std::int64_t c) {
      std::int64_t begin = c * size;
      k.fn(ptrs, begin, std::min(n, begin + size));
    });
  }

  loop::Program program_;
  JitOptions options_;
  std::shared_ptr<cpu::CompiledModule> code_;
  std::vector<KernelStep> kernel_steps_;  // parallel to program_.steps
};

}  // namespace

std::shared_ptr<Executable> compile_cpu(loop::Program program, const JitOptions& options) {
  auto code = cpu::compile_kernels(program, options);
  return std::make_shared<CpuExecutable>(std::move(program), options, std::move(code));
}

}  // namespace lanes::internal
