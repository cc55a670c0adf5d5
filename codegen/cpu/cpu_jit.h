// The CPU backend's internal interface between the LLVM-free executable code and the
// LLVM-side compiler (codegen/cpu/cpu_jit.cpp, kernel_codegen.cpp, scalar_codegen.cpp).
//
// No LLVM type appears here, so cpu_executable.cpp compiles without LLVM headers.
#pragma once

#include "codegen/loop_ir.h"

#include <lanes/jit_options.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lanes::internal {
class CompileMonitor;
}

namespace lanes::internal::cpu {

// void kernel(void** buffers, int64_t outer_begin, int64_t outer_end): runs the index
// points whose outermost coordinate lies in [outer_begin, outer_end). buffers[n], after
// the program's n buffers, is the address of the cancel flag (a std::atomic<uint32_t>,
// runtime/cancel.h): a While stops iterating once it is nonzero, leaving its outputs
// unspecified, and the caller throws lanes::Cancelled.
using KernelFn = void (*)(void** buffers, std::int64_t outer_begin, std::int64_t outer_end);

// Host SIMD facts, detected once.
struct HostIsa {
  bool avx = false;       // 256-bit vectors
  bool avx2_fma = false;  // SLEEF's avx2 variants need both
  bool avx512f = false;   // 512-bit vectors
  int vector_bytes() const { return avx512f ? 64 : avx ? 32 : 16; }
};
const HostIsa& host_isa();

// The SIMD width a kernel is compiled for: options.vector_width, or the host's register
// width divided by the kernel's widest element (bools and i32 count as 4 bytes), times
// four for loops bound by the latency of their carries (cpu_jit.cpp says which).
int kernel_width(const loop::Kernel& kernel, const JitOptions& options);
// Lanes per step for the points a kernel compiled `width` wide leaves over: one host
// register when `width` was widened beyond it and does not divide the vector axis, else
// 0 (the one-lane epilogue takes them). Forced widths have no tail loop.
int kernel_tail_width(const loop::Kernel& kernel, const JitOptions& options, int width);

// Compiled code of one Program: one function per Kernel step (in step order). Owns the
// JIT's resource tracker: destroying the last copy frees the machine code.
class CompiledModule {
 public:
  ~CompiledModule();
  std::vector<KernelFn> kernels;
  std::vector<int> widths;  // SIMD width each kernel was compiled for
  std::vector<std::string> symbols;  // the kernels' JIT symbol names
  std::string llvm_ir;      // the optimized module
  std::string assembly() const;  // generated on demand from llvm_ir

  struct Impl;
  std::unique_ptr<Impl> impl;
};

// Emits, optimizes and JIT-compiles the kernels of `program`, reporting the phases
// "codegen", "llvm_optimize" and "machine_code" to `monitor` if given (never while
// holding the JIT's locks). Throws CompileError.
std::shared_ptr<CompiledModule> compile_kernels(const loop::Program& program,
                                                const JitOptions& options,
                                                CompileMonitor* monitor = nullptr);

// Testing hooks. compile_ir_text JIT-compiles LLVM IR text and returns the address of
// `symbol` (the module is freed with the returned owner); errors become CompileError.
std::shared_ptr<CompiledModule> compile_ir_text(const std::string& ir, const std::string& symbol,
                                                void** address);
// Modules currently held by the JIT (resource trackers not yet removed).
std::size_t live_module_count();
// Whether the JIT can resolve `symbol` now (e.g. a SLEEF function, or a kernel's name).
bool jit_can_resolve(const std::string& symbol);
// Runs llvm::report_fatal_error inside the JIT boundary: must throw CompileError.
void trigger_llvm_fatal_error_for_test();
// Fault injection: the next `n` calls of compile_kernels fail inside LLVM (a
// report_fatal_error, which the backend turns into CompileError), so that tests see how
// a failure deep in LLVM reaches the caller through the compile cache and jit.
void fail_next_compiles_for_test(int n);
// Benchmark hook: whether Whiles check the cancel flag (default true). Only for measuring
// the check's cost (bench/cancel_bench.cpp); not part of the compile-cache key.
void set_cancel_checks_for_bench(bool on);
bool cancel_checks_for_bench();

}  // namespace lanes::internal::cpu
