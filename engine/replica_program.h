// The per-replica program of a pmap equation: its body compiled for the replicas' devices,
// and the callable that the runtime's replica runner (runtime/replica_runner.h) runs on
// each replica.
//
// A ReplicaProgram compiles the body for the CPU replicas on first use (not at lowering:
// the enclosing jit may still be compiling on this thread; kernels single-threaded, since
// a replica is one device thread) through the engine context's compile cache, and for a
// HIP replica through the context's HIP cache, inside that replica (GPUs compile in
// parallel). Its owner is the jitted program's host step (with the enclosing jit's
// options), or, for a pmap that the interpreter evaluates, the engine context's
// ReplicaProgramCache (default options, one program per body graph while it lives).
//
//   auto program = interpreter_replica_program(body);
//   run_replicas(in, launch, program->replica_fn(body, hip_devices));
#pragma once

#include <lanes/jit_options.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "codegen/backend.h"
#include "engine/ir/graph.h"
#include "runtime/replica_runner.h"

namespace lanes::internal {

class ReplicaProgram {
 public:
  explicit ReplicaProgram(const JitOptions& options);

  // The body compiled for a CPU replica. After the first call a lookup is one atomic
  // load; a failed compile is retried at the next call. The program does not hold the
  // body (the interpreter's cache must see the graph expire): every call passes the same.
  const Executable& cpu(const Graph& body);
  const JitOptions& options() const { return options_; }

  // What replica r runs: the body compiled for HIP device hip_devices[r] when that is
  // >= 0, else the CPU program (compiled here, before any replica starts, when some
  // replica needs it). hip_devices empty: every replica on the CPU. The callable refers
  // to this program, which must outlive it.
  ReplicaFn replica_fn(const GraphRef& body, const std::vector<std::int64_t>& hip_devices);

 private:
  JitOptions options_;
  std::mutex mu_;
  std::shared_ptr<Executable> exe_;
  std::atomic<const Executable*> ready_{nullptr};
};

// The interpreter's programs, per body graph while the graph lives (thread-safe). Hits
// take a shared lock; expired entries are swept when the map has doubled since the last
// sweep, so a miss costs amortized O(1).
class ReplicaProgramCache {
 public:
  std::shared_ptr<ReplicaProgram> get(const GraphRef& body);
  std::size_t size();  // entries, live or not yet swept (tests)

 private:
  struct Entry {
    std::weak_ptr<const Graph> graph;
    std::shared_ptr<ReplicaProgram> program;
  };
  std::shared_mutex mu_;
  std::unordered_map<const Graph*, Entry> map_;
  std::size_t sweep_at_ = 64;
};

// The engine context's ReplicaProgramCache: the program for a pmap outside jit.
std::shared_ptr<ReplicaProgram> interpreter_replica_program(const GraphRef& body);

}  // namespace lanes::internal
