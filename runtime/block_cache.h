// A cache of recently freed large buffers.
//
// A functional API allocates every output anew; for large arrays the allocator maps
// fresh pages each time, and the page faults of first touch can cost more than the
// computation (measured: ~6 ns per f64 element at n = 10^7). Keeping freed large blocks
// for reuse, as XLA's and PyTorch's caching allocators do, makes repeated calls touch
// warm memory. The cache holds at most 512 MiB and reuses a block only for a request of
// exactly its size.
//
// Large blocks start half a page into their first page (kLargeBlockPageOffset), not at
// glibc's mmap offset of 16 or 64 bytes: a kernel streaming an input that malloc placed
// at page+16 into an output at page+64 loads x[i] from the same low 12 address bits as
// the store to out[i - 6] still in flight ("4K aliasing"), and the CPU stalls the load
// on a false store-to-load dependency (measured: jit 1.3-1.5x slower than the same loop
// into a page+16 buffer at n = 10^7). Half a page keeps every stream that starts at a
// page's first cache line (malloc, aligned_alloc(4096), mmap) 2 KiB away, and blocks of
// this cache share one offset, so their streams align exactly (no false dependency).
#pragma once

#include <cstddef>

namespace lanes::internal {

// Blocks of at least this many bytes go through the cache.
inline constexpr std::size_t kCachedBlockMinBytes = std::size_t{1} << 20;
// Where a cached (large) block starts within its 4 KiB page.
inline constexpr std::size_t kLargeBlockPageOffset = 2048;

// A 64-byte-aligned block of `bytes` (a multiple of 64); nullptr if memory is exhausted.
void* acquire_block(std::size_t bytes);
// Returns a block from acquire_block of that size.
void release_block(void* p, std::size_t bytes);
// Frees every cached block (tests, and hosts that want memory back).
void trim_block_cache();
std::size_t block_cache_bytes();

}  // namespace lanes::internal
