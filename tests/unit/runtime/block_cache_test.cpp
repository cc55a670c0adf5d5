// The large-block cache: freed large buffers are reused, small ones are not cached, and
// the cache can be emptied.
#include "runtime/block_cache.h"

#include <gtest/gtest.h>
#include <lanes/array.h>

#include <cstdint>

namespace lanes::internal {
namespace {

TEST(BlockCache, LargeArrayStorageIsReused) {
  trim_block_cache();
  const void* first;
  {
    Array a = Array::empty(DType::F64, {1 << 20});  // 8 MiB
    first = a.raw();
  }
  EXPECT_EQ(block_cache_bytes(), std::size_t{8} << 20);
  Array b = Array::empty(DType::F64, {1 << 20});
  EXPECT_EQ(b.raw(), first);
  EXPECT_EQ(block_cache_bytes(), 0u);
}

TEST(BlockCache, SmallArraysAreNotCachedAndTrimEmpties) {
  trim_block_cache();
  { Array a = Array::empty(DType::F64, {16}); }
  EXPECT_EQ(block_cache_bytes(), 0u);
  { Array a = Array::empty(DType::F32, {1 << 20}); }
  EXPECT_GT(block_cache_bytes(), 0u);
  trim_block_cache();
  EXPECT_EQ(block_cache_bytes(), 0u);
}

// Large blocks sit half a page in (block_cache.h: 4K aliasing against inputs that malloc
// put at a page's start), stay 64-byte aligned, and their whole extent is writable.
TEST(BlockCache, LargeBlocksStartHalfAPageIn) {
  trim_block_cache();
  Array a = Array::empty(DType::F64, {(1 << 17) + 3});
  const auto addr = reinterpret_cast<std::uintptr_t>(a.raw());
  EXPECT_EQ(addr % 4096, kLargeBlockPageOffset);
  EXPECT_EQ(addr % 64, 0u);
  double* d = static_cast<double*>(a.raw());
  d[0] = 1.5;
  d[(1 << 17) + 2] = 2.5;
  EXPECT_EQ(a.data<double>()[(1 << 17) + 2], 2.5);
  Array small = Array::empty(DType::F64, {5});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.raw()) % 64, 0u);
}

TEST(BlockCache, CacheIsBounded) {
  trim_block_cache();
  {
    std::vector<Array> many;
    for (int i = 0; i < 80; ++i) many.push_back(Array::empty(DType::F64, {1 << 20}));
  }
  EXPECT_LE(block_cache_bytes(), std::size_t{512} << 20);
  trim_block_cache();
}

}  // namespace
}  // namespace lanes::internal
