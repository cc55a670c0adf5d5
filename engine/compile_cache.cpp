// The process-wide compile cache (see compile_cache.h).
#include "engine/compile_cache.h"

#include "engine/jit_pipeline.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace lanes::internal {

namespace {
struct Cache {
  std::mutex mu;
  std::unordered_map<std::string, std::weak_ptr<Executable>> entries;
  std::size_t inserts_since_prune = 0;
};

Cache& cache() {
  static Cache c;
  return c;
}

std::string cache_key(const Graph& g, const JitOptions& o) {
  return g.to_string() + "|precision=" + std::to_string(static_cast<int>(o.precision)) +
         "|width=" + std::to_string(o.vector_width) + "|parallel=" + std::to_string(o.parallel);
}

void prune_expired(Cache& c) {
  for (auto it = c.entries.begin(); it != c.entries.end();) {
    it = it->second.expired() ? c.entries.erase(it) : std::next(it);
  }
  c.inserts_since_prune = 0;
}
}  // namespace

std::shared_ptr<Executable> compile_cached(const Graph& g, const JitOptions& options) {
  Cache& c = cache();
  std::string key = cache_key(g, options);
  {
    std::lock_guard lock(c.mu);
    auto it = c.entries.find(key);
    if (it != c.entries.end()) {
      if (auto exe = it->second.lock()) return exe;
    }
  }
  // Compile outside the lock; two threads racing on the same new graph may both compile,
  // and the first to insert wins (per-Fn caches already make such races rare).
  std::shared_ptr<Executable> exe = compile_graph(g, options);
  std::lock_guard lock(c.mu);
  auto& slot = c.entries[key];
  if (auto existing = slot.lock()) return existing;
  slot = exe;
  if (++c.inserts_since_prune >= 64) prune_expired(c);
  return exe;
}

std::size_t compile_cache_live_entries() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  std::size_t n = 0;
  for (const auto& [k, w] : c.entries) n += !w.expired();
  return n;
}

}  // namespace lanes::internal
