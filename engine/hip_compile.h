// A graph compiled for a HIP device (optimize_graph, lower_to_loops, the AMDGPU backend),
// cached per (graph, device, precision) while the graph lives: what pmap over HIP devices
// runs for each GPU replica. The engine context (engine_context.h) owns the process' one
// cache; hip_executable_for reaches it.
#pragma once

#include <lanes/jit_options.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>

#include "codegen/amdgpu/amdgpu_executable.h"
#include "engine/ir/graph.h"

namespace lanes::internal {

// Thread-safe. Entries whose graph has expired are swept at every insertion.
class HipCompileCache {
 public:
  // RuntimeError (with HIP's reason) when HIP or the device is unavailable, CompileError
  // when the AMDGPU toolchain fails. Compiles outside the lock, so replicas on different
  // GPUs compile in parallel.
  std::shared_ptr<amdgpu::HipExecutable> get(const GraphRef& g, int device,
                                             const JitOptions& options);
  std::size_t size();  // entries, live or not yet swept (tests)

 private:
  using Key = std::tuple<const Graph*, int, Precision>;
  using Entry = std::pair<std::weak_ptr<const Graph>, std::shared_ptr<amdgpu::HipExecutable>>;
  std::mutex mu_;
  std::map<Key, Entry> map_;
};

// The engine context's cache: HipCompileCache::get.
std::shared_ptr<amdgpu::HipExecutable> hip_executable_for(const GraphRef& g, int device,
                                                          const JitOptions& options);

}  // namespace lanes::internal
