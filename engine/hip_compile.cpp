// HipCompileCache and hip_executable_for (see hip_compile.h).
#include "engine/hip_compile.h"

#include "engine/engine_context.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"

namespace lanes::internal {

std::shared_ptr<amdgpu::HipExecutable> HipCompileCache::get(const GraphRef& g, int device,
                                                            const JitOptions& options) {
  const Key key{g.get(), device, options.precision};
  {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end() && it->second.first.lock() == g) return it->second.second;
  }
  std::shared_ptr<amdgpu::HipExecutable> exe =
      amdgpu::compile_hip_executable(lower_to_loops(optimize_graph(*g), options), device, options);
  std::lock_guard lock(mu_);
  for (auto it = map_.begin(); it != map_.end();) {
    it = it->second.first.expired() ? map_.erase(it) : std::next(it);
  }
  map_[key] = {g, exe};
  return exe;
}

std::size_t HipCompileCache::size() {
  std::lock_guard lock(mu_);
  return map_.size();
}

std::shared_ptr<amdgpu::HipExecutable> hip_executable_for(const GraphRef& g, int device,
                                                          const JitOptions& options) {
  return EngineContext::get().hip_cache().get(g, device, options);
}

}  // namespace lanes::internal
