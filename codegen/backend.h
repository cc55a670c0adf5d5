// The interface between jit and a code generator: a loop-IR Program goes in, an
// Executable that runs it on Arrays comes out.
#pragma once

#include "codegen/loop_ir.h"

#include <lanes/jit_options.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lanes::internal {

class Executable {
 public:
  virtual ~Executable() = default;
  // inputs match the program's Input buffers in order (dtype and shape already checked).
  virtual std::vector<Array> run(std::span<const Array> inputs) const = 0;
  // The same on inputs given by address (the cached-dispatch path holds no Array copies,
  // and copying an Array copies its shape). The default copies them and calls run().
  virtual std::vector<Array> run_indirect(std::span<const Array* const> inputs) const {
    std::vector<Array> copies;
    copies.reserve(inputs.size());
    for (const Array* a : inputs) copies.push_back(*a);
    return run(copies);
  }
  virtual std::string llvm_ir() const { return {}; }    // the module handed to the JIT
  virtual std::string assembly() const { return {}; }   // the machine code, as text
};

class CompileMonitor;

// Compiles for the host CPU (codegen/cpu). Throws CompileError on failure. `monitor`, when
// given, sees the phases "codegen", "llvm_optimize" and "machine_code".
std::shared_ptr<Executable> compile_cpu(loop::Program program, const JitOptions& options,
                                        CompileMonitor* monitor = nullptr);

}  // namespace lanes::internal
