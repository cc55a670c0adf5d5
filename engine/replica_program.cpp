// ReplicaProgram and the interpreter's ReplicaProgramCache (see replica_program.h).
#include "engine/replica_program.h"

#include <algorithm>

#include "engine/compile_cache.h"
#include "engine/engine_context.h"
#include "engine/hip_compile.h"

namespace lanes::internal {

ReplicaProgram::ReplicaProgram(const JitOptions& options) : options_(options) {
  options_.parallel = false;  // a replica is one device thread
}

const Executable& ReplicaProgram::cpu(const Graph& body) {
  if (const Executable* e = ready_.load(std::memory_order_acquire)) return *e;
  std::lock_guard lock(mu_);  // first calls only; a failed compile is retried next call
  if (!exe_) {
    exe_ = compile_cached(body, options_);
    ready_.store(exe_.get(), std::memory_order_release);
  }
  return *exe_;
}

ReplicaFn ReplicaProgram::replica_fn(const GraphRef& body,
                                     const std::vector<std::int64_t>& hip_devices) {
  const bool any_cpu = hip_devices.empty() || std::any_of(hip_devices.begin(), hip_devices.end(),
                                                          [](std::int64_t d) { return d < 0; });
  const Executable* exe = any_cpu ? &cpu(*body) : nullptr;
  if (hip_devices.empty()) {
    return [exe](int, std::span<const Array> shard) { return exe->run(shard); };
  }
  // A GPU replica runs the body compiled for its device; its collectives are host steps,
  // so they reach the communicator through host staging.
  return [this, exe, body, hip_devices](int r, std::span<const Array> shard) {
    const std::int64_t device = hip_devices.at(static_cast<std::size_t>(r));
    if (device < 0) return exe->run(shard);
    return hip_executable_for(body, static_cast<int>(device), options_)->run(shard);
  };
}

std::shared_ptr<ReplicaProgram> ReplicaProgramCache::get(const GraphRef& body) {
  {
    std::shared_lock lock(mu_);
    auto it = map_.find(body.get());
    if (it != map_.end() && it->second.graph.lock() == body) return it->second.program;
  }
  std::unique_lock lock(mu_);
  Entry& e = map_[body.get()];
  if (e.graph.lock() != body) e = {body, std::make_shared<ReplicaProgram>(JitOptions{})};
  std::shared_ptr<ReplicaProgram> program = e.program;
  if (map_.size() >= sweep_at_) {
    std::erase_if(map_, [](const auto& kv) { return kv.second.graph.expired(); });
    sweep_at_ = std::max<std::size_t>(64, 2 * map_.size());
  }
  return program;
}

std::size_t ReplicaProgramCache::size() {
  std::shared_lock lock(mu_);
  return map_.size();
}

std::shared_ptr<ReplicaProgram> interpreter_replica_program(const GraphRef& body) {
  return EngineContext::get().replica_programs().get(body);
}

}  // namespace lanes::internal
