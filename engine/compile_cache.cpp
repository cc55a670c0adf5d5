// The process-wide compile cache (see compile_cache.h): an LRU list of strong references
// over a map of weak ones, with single-flight compiles. An entry is retained exactly when
// it has a node in the LRU list (which holds the strong reference).
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

struct Cache {
  std::mutex mu;
  std::condition_variable compiled;  // signalled when any in-flight compile finishes
  std::unordered_map<std::string, Entry> entries;
  LruList lru;  // retained entries, most recently used first
  std::size_t capacity = kDefaultCapacity;
  std::size_t inserts_since_prune = 0;
  std::atomic<std::uint64_t> compiles{0};
};

Cache& cache() {
  // Never destroyed: Fns in static storage may drop executables after main returns.
  // A bad LANES_COMPILE_CACHE_ENTRIES throws before anything is made: the next call
  // reads the variable again.
  static Cache* c = [] {
    const std::size_t capacity = compile_cache_capacity_from_env();
    auto* p = new Cache;
    p->capacity = capacity;
    return p;
  }();
  return *c;
}

std::string cache_key(const Graph& g, const JitOptions& o) {
  return g.to_string() + "|precision=" + std::to_string(static_cast<int>(o.precision)) +
         "|width=" + std::to_string(o.vector_width) + "|parallel=" + std::to_string(o.parallel) +
         "|opt=" + std::to_string(o.opt_level);
}

// Drops strong references beyond the capacity, least recently used first. The dropped
// executables are returned so that they are destroyed (freeing JIT code) outside the lock.
std::vector<std::shared_ptr<Executable>> evict_locked(Cache& c) {
  std::vector<std::shared_ptr<Executable>> dropped;
  while (c.lru.size() > c.capacity) {
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
  if (c.capacity == 0) return;
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

std::shared_ptr<Executable> compile_cached(const Graph& g, const JitOptions& options) {
  Cache& c = cache();
  const std::string key = cache_key(g, options);
  std::vector<std::shared_ptr<Executable>> dropped;
  std::shared_ptr<InFlight> flight;
  {
    std::unique_lock lock(c.mu);
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

std::size_t compile_cache_live_entries() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  std::size_t n = 0;
  for (const auto& [k, e] : c.entries) n += !e.weak.expired();
  return n;
}

std::size_t compile_cache_retained_entries() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  return c.lru.size();
}

std::uint64_t compile_cache_compiles() { return cache().compiles.load(); }

std::size_t compile_cache_capacity_from_env() {
  return static_cast<std::size_t>(env_int(
      "LANES_COMPILE_CACHE_ENTRIES", static_cast<std::int64_t>(kDefaultCapacity), 0, kMaxCapacity));
}

std::size_t compile_cache_capacity() {
  Cache& c = cache();
  std::lock_guard lock(c.mu);
  return c.capacity;
}

std::size_t set_compile_cache_capacity(std::size_t entries) {
  Cache& c = cache();
  std::vector<std::shared_ptr<Executable>> dropped;
  std::lock_guard lock(c.mu);
  std::size_t old = c.capacity;
  c.capacity = entries;
  dropped = evict_locked(c);
  return old;
}

}  // namespace lanes::internal
