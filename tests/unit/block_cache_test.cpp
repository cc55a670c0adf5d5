// The large-block cache: freed large buffers are reused, small ones are not cached, and
// the cache can be emptied.
#include "runtime/block_cache.h"

#include <lanes/array.h>

#include <gtest/gtest.h>

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
