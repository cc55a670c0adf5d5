// The compile cache (see compile_cache.h): an LRU list of strong references over a map of
// weak ones, with single-flight compiles. An entry is retained exactly when it has a node
// in the LRU list (which holds the strong reference). The free functions reach the engine
// context's instance.
#include "engine/compile_cache.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/engine_context.h"
#include "engine/jit_pipeline.h"
#include "runtime/env.h"

namespace lanes::internal {

namespace {
constexpr std::size_t kDefaultCapacity = 256;
constexpr std::int64_t kMaxCapacity = std::int64_t{1} << 40;  // "keep everything"

// A compile in progress: the threads that want the same key wait on it. On failure
// (exe null) a waiter retries, becoming the next to compile.
struct InFlight {
  bool done = false;
  std::shared_ptr<Executable> exe;
};

// A retained executable, in LRU order: the key (to find its Entry) and the strong ref.
using Retained = std::pair<std::string, std::shared_ptr<Executable>>;
using LruList = std::list<Retained>;

struct Entry {
  std::weak_ptr<Executable> weak;
  std::shared_ptr<InFlight> in_flight;   // set while compiling
  std::optional<LruList::iterator> lru;  // set exactly when retained
};

}  // namespace

struct CompileCacheState {
  std::mutex mu;
  std::condition_variable compiled;  // signalled when any in-flight compile finishes
  std::unordered_map<std::string, Entry> entries;
  LruList lru;  // retained entries, most recently used first
  // Read from the environment at the first call that needs it (a bad value throws and
  // leaves it unset, so the next call reads the variable again).
  std::optional<std::size_t> capacity_read;
  std::size_t inserts_since_prune = 0;
  std::atomic<std::uint64_t> compiles{0};

  std::size_t capacity_locked() {
    if (!capacity_read) capacity_read = compile_cache_capacity_from_env();
    return *capacity_read;
  }
};

namespace {
using Cache = CompileCacheState;

// Every option that changes the compiled code; not on_progress, which only watches a
// compile (functions that differ in it share executables).
std::string cache_key(const Graph& g, const JitOptions& o) {
  return g.to_string() + "|precision=" + std::to_string(static_cast<int>(o.precision)) +
         "|width=" + std::to_string(o.vector_width) + "|parallel=" + std::to_string(o.parallel) +
         "|opt=" + std::to_string(o.opt_level);
}

// Drops strong references beyond the capacity, least recently used first. The dropped
// executables are returned so that they are destroyed (freeing JIT code) outside the lock.
std::vector<std::shared_ptr<Executable>> evict_locked(Cache& c) {
  std::vector<std::shared_ptr<Executable>> dropped;
  while (c.lru.size() > c.capacity_locked()) {
    Retained& last = c.lru.back();
    dropped.push_back(std::move(last.second));
    // Pruning never removes a retained entry, so its Entry exists.
    c.entries.at(last.first).lru.reset();
    c.lru.pop_back();
  }
  return dropped;
}

void retain_locked(Cache& c, const std::string& key, Entry& e, std::shared_ptr<Executable> exe) {
  if (e.lru) {
    c.lru.splice(c.lru.begin(), c.lru, *e.lru);
    return;
  }
  if (c.capacity_locked() == 0) return;
  c.lru.emplace_front(key, std::move(exe));
  e.lru = c.lru.begin();
}

void prune_expired_locked(Cache& c) {
  for (auto it = c.entries.begin(); it != c.entries.end();) {
    const Entry& e = it->second;
    bool dead = !e.lru && !e.in_flight && e.weak.expired();
    it = dead ? c.entries.erase(it) : std::next(it);
  }
  c.inserts_since_prune = 0;
}
}  // namespace

CompileCache::CompileCache() : state_(std::make_unique<CompileCacheState>()) {}
CompileCache::~CompileCache() = default;

std::shared_ptr<Executable> CompileCache::get(const Graph& g, const JitOptions& options) {
  Cache& c = *state_;
  const std::string key = cache_key(g, options);
  std::vector<std::shared_ptr<Executable>> dropped;
  std::shared_ptr<InFlight> flight;
  {
    std::unique_lock lock(c.mu);
    c.capacity_locked();  // a bad LANES_COMPILE_CACHE_ENTRIES throws before anything is made
    for (;;) {
      Entry& e = c.entries[key];
      if (auto exe = e.weak.lock()) {
        retain_locked(c, key, e, exe);
        dropped = evict_locked(c);
        lock.unlock();
        return exe;
      }
      if (!e.in_flight) break;
      // Another thread compiles this key: wait for it, then look again (on its failure
      // the loop makes this thread the next to try).
      std::shared_ptr<InFlight> other = e.in_flight;
      c.compiled.wait(lock, [&] { return other->done; });
      if (other->exe) {
        Entry& again = c.entries[key];
        retain_locked(c, key, again, other->exe);
        dropped = evict_locked(c);
        lock.unlock();
        return other->exe;
      }
    }
    flight = std::make_shared<InFlight>();
    c.entries[key].in_flight = flight;
  }
  // Compile outside the lock so that other keys compile concurrently.
  std::shared_ptr<Executable> exe;
  std::exception_ptr error;
  try {
    c.compiles.fetch_add(1);
    exe = compile_graph(g, options);
  } catch (...) {
    error = std::current_exception();
  }
  {
    std::lock_guard lock(c.mu);
    Entry& e = c.entries[key];
    e.in_flight.reset();
    flight->done = true;
    flight->exe = exe;
    if (exe) {
      e.weak = exe;
      retain_locked(c, key, e, exe);
      dropped = evict_locked(c);
      if (++c.inserts_since_prune >= 64) prune_expired_locked(c);
    }
  }
  c.compiled.notify_all();
  if (error) std::rethrow_exception(error);
  return exe;
}

std::size_t CompileCache::live_entries() {
  Cache& c = *state_;
  std::lock_guard lock(c.mu);
  std::size_t n = 0;
  for (const auto& [k, e] : c.entries) n += !e.weak.expired();
  return n;
}

std::size_t CompileCache::retained_entries() {
  Cache& c = *state_;
  std::lock_guard lock(c.mu);
  return c.lru.size();
}

std::uint64_t CompileCache::compiles() const { return state_->compiles.load(); }

std::size_t CompileCache::capacity() {
  Cache& c = *state_;
  std::lock_guard lock(c.mu);
  return c.capacity_locked();
}

std::size_t CompileCache::set_capacity(std::size_t entries) {
  Cache& c = *state_;
  std::vector<std::shared_ptr<Executable>> dropped;  // destroyed after the lock is released
  std::lock_guard lock(c.mu);
  const std::size_t old = c.capacity_locked();
  c.capacity_read = entries;
  dropped = evict_locked(c);
  return old;
}

std::size_t compile_cache_capacity_from_env() {
  return static_cast<std::size_t>(env_int(
      "LANES_COMPILE_CACHE_ENTRIES", static_cast<std::int64_t>(kDefaultCapacity), 0, kMaxCapacity));
}

// --- the engine context's cache ---------------------------------------------------

std::shared_ptr<Executable> compile_cached(const Graph& g, const JitOptions& options) {
  return EngineContext::get().compile_cache().get(g, options);
}
std::size_t compile_cache_live_entries() {
  return EngineContext::get().compile_cache().live_entries();
}
std::size_t compile_cache_retained_entries() {
  return EngineContext::get().compile_cache().retained_entries();
}
std::uint64_t compile_cache_compiles() { return EngineContext::get().compile_cache().compiles(); }
std::size_t compile_cache_capacity() { return EngineContext::get().compile_cache().capacity(); }
std::size_t set_compile_cache_capacity(std::size_t entries) {
  return EngineContext::get().compile_cache().set_capacity(entries);
}

}  // namespace lanes::internal
