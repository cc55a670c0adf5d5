// The compile cache: executables keyed by (graph text, options, target). The engine
// context (engine_context.h) owns the process' one instance; the free functions below
// reach it.
//
// Two Fns that trace to the same graph share one executable, and threads racing to
// compile the same key compile it once (the others wait for that result).
//
// Bound: the cache keeps the most recently used executables alive, up to a capacity
// (LANES_COMPILE_CACHE_ENTRIES, default 256; 0 keeps none alive), and drops its reference
// to the least recently used one beyond that. Dropping the cache's reference never frees
// code still in use: an executable lives as long as any shared_ptr to it (a jitted Fn
// holds its own), and its JIT code (ORC ResourceTracker) is freed with the last one. The
// cache also remembers executables it no longer keeps alive by weak reference, so a live
// executable is still shared; expired weak entries are pruned as new entries arrive.
#pragma once

#include <lanes/jit_options.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "codegen/backend.h"
#include "engine/ir/graph.h"

namespace lanes::internal {

struct CompileCacheState;  // compile_cache.cpp

// One compile cache (thread-safe). The capacity is read from LANES_COMPILE_CACHE_ENTRIES
// at the first call that needs it (ArgumentError naming the variable for a value that is
// not an integer in [0, 2^40]; the next call reads the variable again).
class CompileCache {
 public:
  CompileCache();
  ~CompileCache();
  CompileCache(const CompileCache&) = delete;
  CompileCache& operator=(const CompileCache&) = delete;

  std::shared_ptr<Executable> get(const Graph& g, const JitOptions& options);

  std::size_t live_entries();      // entries whose executable is still alive
  std::size_t retained_entries();  // executables the cache keeps alive (<= capacity)
  std::uint64_t compiles() const;  // total compiles (each miss compiles once)
  std::size_t capacity();
  // Evicts at once if lowered; returns the previous capacity.
  std::size_t set_capacity(std::size_t entries);

 private:
  std::unique_ptr<CompileCacheState> state_;
};

// The engine context's cache: CompileCache::get.
std::shared_ptr<Executable> compile_cached(const Graph& g, const JitOptions& options);

// Number of entries whose executable is still alive (kept by the cache or by users).
std::size_t compile_cache_live_entries();
// Number of executables the cache keeps alive itself (<= the capacity).
std::size_t compile_cache_retained_entries();
// Total compiles since start (each cache miss compiles once; for tests).
std::uint64_t compile_cache_compiles();

// The capacity: read once from LANES_COMPILE_CACHE_ENTRIES (at the first use of the
// cache, which throws ArgumentError naming the variable for a value that is not an
// integer in [0, 2^40]), changed by the setter (tests; evicts at once if lowered).
// Returns the previous capacity.
std::size_t compile_cache_capacity();
std::size_t set_compile_cache_capacity(std::size_t entries);
// What LANES_COMPILE_CACHE_ENTRIES says now (default 256), read again on every call.
std::size_t compile_cache_capacity_from_env();

}  // namespace lanes::internal
