// The large-block cache (see block_cache.h).
#include "runtime/block_cache.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace lanes::internal {

namespace {
constexpr std::size_t kAlignment = 64;
constexpr std::size_t kPage = 4096;

// A large block: page-aligned storage with one spare page, handed out kLargeBlockPageOffset
// bytes in (see block_cache.h); the spare page keeps the whole request inside it.
void* allocate_large(std::size_t bytes) {
  std::size_t total = (bytes + kPage + kPage - 1) / kPage * kPage;
  char* base = static_cast<char*>(std::aligned_alloc(kPage, total));
  return base == nullptr ? nullptr : base + kLargeBlockPageOffset;
}
void free_large(void* p) { std::free(static_cast<char*>(p) - kLargeBlockPageOffset); }
constexpr std::size_t kMaxCachedBytes = std::size_t{512} << 20;

struct BlockCache {
  std::mutex mu;
  std::multimap<std::size_t, void*> free_blocks;  // size -> block
  std::size_t cached_bytes = 0;
};

BlockCache& cache() {
  // Never destroyed: Arrays held in static storage may be released after main returns.
  static BlockCache* c = new BlockCache;
  return *c;
}
}  // namespace

void* acquire_block(std::size_t bytes) {
  if (bytes >= kCachedBlockMinBytes) {
    BlockCache& c = cache();
    std::lock_guard lock(c.mu);
    // Exact sizes only: repeated calls of one function ask for the same sizes, and a
    // larger block handed out would pin memory the request does not use.
    auto it = c.free_blocks.find(bytes);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.cached_bytes -= it->first;
      c.free_blocks.erase(it);
      return p;
    }
    return allocate_large(bytes);
  }
  return std::aligned_alloc(kAlignment, bytes);
}

void release_block(void* p, std::size_t bytes) {
  if (p == nullptr) return;
  if (bytes >= kCachedBlockMinBytes) {
    BlockCache& c = cache();
    std::lock_guard lock(c.mu);
    if (c.cached_bytes + bytes <= kMaxCachedBytes) {
      c.free_blocks.emplace(bytes, p);
      c.cached_bytes += bytes;
      return;
    }
    free_large(p);
    return;
  }
  std::free(p);
}

void trim_block_cache() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mu);
  for (auto& [size, p] : c.free_blocks) free_large(p);
  c.free_blocks.clear();
  c.cached_bytes = 0;
}

std::size_t block_cache_bytes() {
  BlockCache& c = cache();
  std::lock_guard lock(c.mu);
  return c.cached_bytes;
}

}  // namespace lanes::internal
