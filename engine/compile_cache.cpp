// The process-wide compile cache (see compile_cache.h): an LRU list of strong references
// over a map of weak ones, with single-flight compiles.
#include "engine/compile_cache.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "engine/jit_pipeline.h"

namespace lanes::internal {

namespace {
constexpr std::size_t kDefaultCapacity = 256;

// A compile in progress: the threads that want the same key wait on it.
struct InFlight {
  bool done = false;
  std::shared_ptr<Executable> exe;
  std::exception_ptr error;
};

struct Entry {
  std::weak_ptr<Executable> weak;
  std::shared_ptr<InFlight> in_flight;   // set while compiling
  std::list<std::string>::iterator lru;  // valid when retained
  bool retained = false;
};

struct Cache {
  std::mutex mu;
  std::condition_variable compiled;  // signalled when any in-flight compile finishes
  std::unordered_map<std::string, Entry> entries;
  // Keys of retained entries, most recently used first; strong refs in `strong`.
  std::list<std::string> lru;
  std::unordered_map<std::string, std::shared_ptr<Executable>> strong;
  std::size_t capacity = kDefaultCapacity;
  std::size_t inserts_since_prune = 0;
  std::atomic<std::uint64_t> compiles{0};
  std::atomic<int> injected_failures{0};
};

std::size_t capacity_from_env() {
  const char* s = std::getenv("LANES_COMPILE_CACHE_ENTRIES");
  if (s == nullptr || *s == '\0') return kDefaultCapacity;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  // A malformed value keeps the default rather than failing the host at start-up.
  return (end != nullptr && *end == '\0') ? static_cast<std::size_t>(v) : kDefaultCapacity;
}

Cache& cache() {
  // Never destroyed: Fns in static storage may drop executables after main returns.
  static Cache* c = [] {
    auto* p = new Cache;
    p->capacity = capacity_from_env();
    return p;
  }();
  return *c;
}

std::string cache_key(const Graph& g, const JitOptions& o) {
  return g.to_string() + "|precision=" + std::to_string(static_cast<int>(o.precision)) +
         "|width=" + std::to_string(o.vector_width) + "|parallel=" + std::to_string(o.parallel);
}

// Drops strong references beyond the capacity, least recently used first. The dropped
// executables are returned so that they are destroyed (freeing JIT code) outside the lock.
std::vector<std::shared_ptr<Executable>> evict_locked(Cache& c) {
  std::vector<std::shared_ptr<Executable>> dropped;
  while (c.lru.size() > c.capacity) {
    const std::string& key = c.lru.back();
    auto s = c.strong.find(key);
    dropped.push_back(std::move(s->second));
    c.strong.erase(s);
    auto e = c.entries.find(key);
    if (e != c.entries.end()) e->second.retained = false;
    c.lru.pop_back();
  }
  return dropped;
}

void retain_locked(Cache& c, const std::string& key, Entry& e, std::shared_ptr<Executable> exe) {
  if (e.retained) {
    c.lru.splice(c.lru.begin(), c.lru, e.lru);
    return;
  }
  if (c.capacity == 0) return;
  c.lru.push_front(key);
  e.lru = c.lru.begin();
  e.retained = true;
  c.strong[key] = std::move(exe);
}

void prune_expired_locked(Cache& c) {
  for (auto it = c.entries.begin(); it != c.entries.end();) {
    const Entry& e = it->second;
    bool dead = !e.retained && !e.in_flight && e.weak.expired();
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
    if (c.injected_failures.load() > 0 && c.injected_failures.fetch_sub(1) > 0) {
      cpu::trigger_llvm_fatal_error_for_test();
    }
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
    flight->error = error;
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
  return c.strong.size();
}

std::uint64_t compile_cache_compiles() { return cache().compiles.load(); }

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

void fail_next_compiles_for_test(int n) { cache().injected_failures.store(n); }

}  // namespace lanes::internal
