// The engine context: the one process-wide object of the engine (DESIGN.md, convention
// 12), which owns the engine's caches:
// - the compile cache (compile_cache.h): jitted executables by graph text and options;
// - the HIP compile cache (hip_compile.h): a graph compiled per HIP device;
// - the replica programs of pmaps evaluated outside jit (replica_program.h).
//
// Created on first use (thread-safe) and never destroyed: Fns in static storage may drop
// executables after main returns, executables must not outlive the JIT (whose static
// destruction order relative to the context is unknown: freeing code after the JIT is
// gone hangs at exit), and unloading HIP modules while the HIP runtime shuts down can
// hang. Every cache is thread-safe on its own; the context adds no lock.
//
//   std::shared_ptr<Executable> exe = EngineContext::get().compile_cache().get(g, options);
#pragma once

#include <memory>

namespace lanes::internal {

class CompileCache;
class HipCompileCache;
class ReplicaProgramCache;

class EngineContext {
 public:
  static EngineContext& get();

  CompileCache& compile_cache() { return *compile_cache_; }
  HipCompileCache& hip_cache() { return *hip_cache_; }
  ReplicaProgramCache& replica_programs() { return *replica_programs_; }

  EngineContext(const EngineContext&) = delete;
  EngineContext& operator=(const EngineContext&) = delete;

 private:
  EngineContext();
  ~EngineContext();

  std::unique_ptr<CompileCache> compile_cache_;
  std::unique_ptr<HipCompileCache> hip_cache_;
  std::unique_ptr<ReplicaProgramCache> replica_programs_;
};

}  // namespace lanes::internal
