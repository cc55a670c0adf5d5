// hip_executable_for (see hip_compile.h).
#include "engine/hip_compile.h"

#include <map>
#include <mutex>
#include <tuple>

#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"

namespace lanes::internal {

std::shared_ptr<amdgpu::HipExecutable> hip_executable_for(const GraphRef& g, int device,
                                                          const JitOptions& options) {
  using Key = std::tuple<const Graph*, int, Precision>;
  using Entry = std::pair<std::weak_ptr<const Graph>, std::shared_ptr<amdgpu::HipExecutable>>;
  // Never destroyed: unloading modules while the HIP runtime shuts down at exit can hang.
  static auto* mu = new std::mutex;
  static auto* cache = new std::map<Key, Entry>;
  const Key key{g.get(), device, options.precision};
  {
    std::lock_guard lock(*mu);
    auto it = cache->find(key);
    if (it != cache->end() && it->second.first.lock() == g) return it->second.second;
  }
  // Compiled outside the lock: replicas on different GPUs compile in parallel.
  std::shared_ptr<amdgpu::HipExecutable> exe =
      amdgpu::compile_hip_executable(lower_to_loops(optimize_graph(*g), options), device, options);
  std::lock_guard lock(*mu);
  for (auto it = cache->begin(); it != cache->end();) {
    it = it->second.first.expired() ? cache->erase(it) : std::next(it);
  }
  (*cache)[key] = {g, exe};
  return exe;
}

}  // namespace lanes::internal
