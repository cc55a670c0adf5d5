// The process-wide compile cache: executables keyed by (graph text, options, target).
//
// Two Fns that trace to the same graph share one executable. The cache holds weak
// references only: code lives as long as some jitted Fn uses it (its ResourceTracker is
// released with the last reference), and expired entries are pruned as new ones arrive,
// so the cache does not grow without bound.
#pragma once

#include "codegen/backend.h"
#include "engine/ir/graph.h"

#include <lanes/jit_options.h>

#include <memory>

namespace lanes::internal {

std::shared_ptr<Executable> compile_cached(const Graph& g, const JitOptions& options);

// Number of live entries (for tests of the cache's bound).
std::size_t compile_cache_live_entries();

}  // namespace lanes::internal
