// compile_cpu and the CPU Executable: runs a Program's steps on Arrays.
//
// No LLVM here: the compiled kernels are plain function pointers owned through
// CompiledModule. A call allocates the Output/Temp buffers (64-byte aligned Arrays),
// runs each step in order and returns the outputs; it takes no locks and does no LLVM
// work, except that large kernels are split over the thread pool. The per-call buffer
// tables live on the caller's stack (SmallVector), so concurrent calls of one
// executable share nothing mutable and a call allocates only its output Arrays.
//
// Cancellation: kernels are handed the current token's flag (cpu_jit.h); a call checks
// the token before each step and after the last, and skips the thread-pool chunks not yet
// started once it is set, so a cancelled call throws lanes::Cancelled (runtime/cancel.h).
#include <lanes/error.h>

#include <algorithm>
#include <atomic>

#include "codegen/backend.h"
#include "codegen/cpu/cpu_jit.h"
#include "runtime/cancel.h"
#include "runtime/check.h"
#include "runtime/saturating.h"
#include "runtime/small_vector.h"
#include "runtime/thread_pool.h"

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
    if (op.kind == loop::OpKind::Loop)
      inner = saturating_mul(inner, std::max<std::int64_t>(op.trip_count, 1));
    most = std::max(most, inner);
  }
  return most;
}

struct KernelStep {
  cpu::KernelFn fn = nullptr;
  std::int64_t outer_extent = 0;  // extent of dim 0 (what chunks split)
  std::int64_t points = 0;        // total index points
  std::int64_t work = 0;          // points times loop_work of the body
  std::int64_t chunk_align =
      1;  // chunks start at multiples of this (W if dim 0 is the vector axis)
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
      for (std::int64_t e : kernel->extents) ks.points = saturating_mul(ks.points, e);
      ks.work = saturating_mul(ks.points, loop_work(kernel->body));
      int va = kernel->vector_axis < 0 ? static_cast<int>(kernel->extents.size()) - 1
                                       : kernel->vector_axis;
      if (va == 0) ks.chunk_align = code_->widths.at(k);
      kernel_steps_.push_back(ks);
      ++k;
    }
    // run() indexes its buffer tables unchecked: check every index once here.
    const auto nb = static_cast<int>(program_.buffers.size());
    auto check_buffer = [&](int b, const char* what) {
      if (b < 0 || b >= nb) {
        LANES_FAIL(std::string("cpu backend: ") + what + " buffer " + std::to_string(b) +
                   " out of range (" + std::to_string(nb) + " buffers)");
      }
    };
    for (const loop::Step& step : program_.steps) {
      if (const auto* host = std::get_if<loop::HostStep>(&step)) {
        for (int b : host->inputs) check_buffer(b, "host step input");
        for (int b : host->outputs) check_buffer(b, "host step output");
      }
    }
    for (const loop::OutputSource& o : program_.outputs) {
      if (o.buffer >= 0) check_buffer(o.buffer, "program output");
    }
    host_output_.assign(program_.buffers.size(), 0);
    for (const loop::Step& step : program_.steps) {
      if (const auto* host = std::get_if<loop::HostStep>(&step)) {
        for (int b : host->outputs) host_output_[static_cast<std::size_t>(b)] = 1;
      }
    }
    slot_.assign(program_.buffers.size(), -1);
    int slots = 0;
    for (std::size_t i = 0; i < program_.buffers.size(); ++i) {
      const loop::BufferKind k = program_.buffers[i].kind;
      const bool fresh = k == loop::BufferKind::Output || k == loop::BufferKind::Temp;
      if (fresh || host_output_[i]) slot_[i] = slots++;
    }
    output_move_.assign(program_.outputs.size(), 0);
    for (std::size_t j = 0; j < program_.outputs.size(); ++j) {
      const int b = program_.outputs[j].buffer;
      if (b < 0 || slot_[static_cast<std::size_t>(b)] < 0) continue;
      bool later = false;
      for (std::size_t k = j + 1; k < program_.outputs.size(); ++k)
        later |= program_.outputs[k].buffer == b;
      output_move_[j] = !later;
    }
    for (std::size_t i = 0; i < program_.buffers.size(); ++i) {
      const loop::Buffer& b = program_.buffers[i];
      if (b.kind == loop::BufferKind::Input) {
        if (b.io_index < 0 || b.io_index >= program_.num_inputs) {
          LANES_FAIL("cpu backend: input buffer " + std::to_string(i) + " has io_index " +
                     std::to_string(b.io_index));
        }
      }
    }
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    check_input_count(inputs.size());
    return run_impl([&](int i) { return &inputs[static_cast<std::size_t>(i)]; });
  }
  std::vector<Array> run_indirect(std::span<const Array* const> inputs) const override {
    check_input_count(inputs.size());
    return run_impl([&](int i) { return inputs[static_cast<std::size_t>(i)]; });
  }

  std::string llvm_ir() const override { return code_->llvm_ir; }
  std::string assembly() const override { return code_->assembly(); }

 private:
  // Per-call buffer tables, inline up to this many buffers (most programs have few).
  using Arrays = SmallVector<Array, 12>;
  using Pointers = SmallVector<void*, 13>;  // the buffers and the cancel flag
  using ArrayRefs = SmallVector<const Array*, 12>;

  void check_input_count(std::size_t n) const {
    if (static_cast<int>(n) != program_.num_inputs) {
      LANES_FAIL("cpu backend: expected " + std::to_string(program_.num_inputs) + " inputs, got " +
                 std::to_string(n));
    }
  }

  // One call. Inputs and constants are used in place (no Array copies: copying an Array
  // copies its shape); Output/Temp buffers are allocated into `owned`, and outputs are
  // moved out of it, so only the output Arrays touch the heap.
  template <class InputAt>
  std::vector<Array> run_impl(InputAt input_at) const {
    const std::size_t nb = program_.buffers.size();
    Arrays owned;
    for (std::size_t i = 0; i < nb; ++i) {
      if (slot_[i] < 0) continue;
      const loop::Buffer& b = program_.buffers[i];
      // A host step's output is made by the step; the others are fresh kernel outputs.
      if (host_output_[i]) {
        owned.emplace_back();
      } else {
        owned.emplace_back(Array::empty(b.dtype, b.shape));
      }
    }
    ArrayRefs table;
    Pointers ptrs;
    for (std::size_t i = 0; i < nb; ++i) {
      const loop::Buffer& b = program_.buffers[i];
      const Array* a = slot_[i] >= 0 ? &owned[static_cast<std::size_t>(slot_[i])]
                       : b.kind == loop::BufferKind::Input ? input_at(b.io_index)
                                                           : &b.constant;
      table.push_back(a);
      // Kernels only read through these pointers; const_cast is for the shared ABI.
      ptrs.push_back(const_cast<void*>(a->raw()));
    }
    // After the buffers: the current token's flag, which kernels with a While read.
    const std::atomic<std::uint32_t>* cancel = current_cancel_flag();
    ptrs.push_back(const_cast<std::atomic<std::uint32_t>*>(cancel));
    for (std::size_t s = 0; s < program_.steps.size(); ++s) {
      throw_if_cancelled();
      if (const auto* host = std::get_if<loop::HostStep>(&program_.steps[s])) {
        run_host(*host, table, owned, ptrs);
      } else {
        run_kernel(kernel_steps_[s], ptrs.data(), *cancel);
      }
    }
    // A While cut short by the flag left partial results: they are never returned.
    throw_if_cancelled();
    std::vector<Array> out;
    out.reserve(program_.outputs.size());
    for (std::size_t j = 0; j < program_.outputs.size(); ++j) {
      const loop::OutputSource& o = program_.outputs[j];
      if (o.buffer < 0) {
        out.push_back(Array::full(o.literal.dtype(), {}, o.literal));
      } else if (output_move_[j]) {
        out.push_back(
            std::move(owned[static_cast<std::size_t>(slot_[static_cast<std::size_t>(o.buffer)])]));
      } else {
        out.push_back(*table[static_cast<std::size_t>(o.buffer)]);
      }
    }
    return out;
  }

  void run_host(const loop::HostStep& host, ArrayRefs& table, Arrays& owned, Pointers& ptrs) const {
    std::vector<Array> in;
    in.reserve(host.inputs.size());
    for (int b : host.inputs) in.push_back(*table[static_cast<std::size_t>(b)]);
    std::vector<Array> res = host.run(in);
    if (res.size() != host.outputs.size()) {
      LANES_FAIL("cpu backend: host step " + host.name + " returned " + std::to_string(res.size()) +
                 " arrays for " + std::to_string(host.outputs.size()) + " outputs");
    }
    for (std::size_t i = 0; i < res.size(); ++i) {
      const auto b = static_cast<std::size_t>(host.outputs[i]);
      Array& slot = owned[static_cast<std::size_t>(slot_[b])];
      slot = std::move(res[i]);
      table[b] = &slot;
      ptrs[b] = const_cast<void*>(std::as_const(slot).raw());
    }
  }

  // `cancel`: once set, chunks not yet started are skipped (the caller throws).
  void run_kernel(const KernelStep& k, void** ptrs,
                  const std::atomic<std::uint32_t>& cancel) const {
    if (k.points <= 0) return;
    const std::int64_t n = k.outer_extent;
    if (!options_.parallel || k.work <= kParallelThreshold || n < 2) {
      k.fn(ptrs, 0, n);
      return;
    }
    // Held for the whole job: a concurrent set_num_threads replaces the global pool, and
    // this job finishes on the one it started on.
    const std::shared_ptr<ThreadPool> pool = ThreadPool::global();
    // A few chunks per thread balance uneven progress; chunk starts stay W-aligned when
    // dim 0 is the vector axis so only the last chunk has a tail (the kernel relies on it:
    // it emits no W = 1 epilogue when extent % W is 0, kernel_codegen.cpp emit_nest).
    std::int64_t chunks = std::min<std::int64_t>(n, pool->num_threads() * 4);
    std::int64_t size = (n + chunks - 1) / chunks;
    size = (size + k.chunk_align - 1) / k.chunk_align * k.chunk_align;
    chunks = (n + size - 1) / size;
    // The task captures one reference, so the std::function holds it inline: splitting a
    // kernel allocates nothing (tests/alloc checks).
    struct Chunks {
      const KernelStep& k;
      void** ptrs;
      std::int64_t size, n;
      const std::atomic<std::uint32_t>& cancel;
    } job{k, ptrs, size, n, cancel};
    pool->parallel_for(chunks, [&job](std::int64_t c) {
      if (job.cancel.load(std::memory_order_relaxed) != 0) return;
      const std::int64_t begin = c * job.size;
      job.k.fn(job.ptrs, begin, std::min(job.n, begin + job.size));
    });
  }

  loop::Program program_;
  JitOptions options_;
  std::shared_ptr<cpu::CompiledModule> code_;
  std::vector<KernelStep> kernel_steps_;  // parallel to program_.steps
  // Per buffer: its index in a call's owned Arrays (Output/Temp buffers and host-step
  // outputs), or -1 (Input, Constant); whether a host step produces it.
  std::vector<int> slot_;
  std::vector<char> host_output_;
  // Per program output: moved out of the owned Arrays (its last use as an output).
  std::vector<char> output_move_;
};

}  // namespace

std::shared_ptr<Executable> compile_cpu(loop::Program program, const JitOptions& options,
                                        CompileMonitor* monitor) {
  auto code = cpu::compile_kernels(program, options, monitor);
  return std::make_shared<CpuExecutable>(std::move(program), options, std::move(code));
}

}  // namespace lanes::internal
