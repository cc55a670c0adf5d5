// Shards and stacking of the replica runner (runtime/replica_shards.h): every axis of a
// rank-3 array of several dtypes splits into shards that stack back into the array, a
// contiguous shard is a view of the input, and empty arrays and mismatched parts.
#include "runtime/replica_shards.h"

#include <gtest/gtest.h>
#include <lanes/array.h>
#include <lanes/error.h>

#include <cstdint>
#include <vector>

#include "tests/unit/test_util.h"

namespace lanes::internal {
namespace {

using lanes::testing::arrays_close;

template <class T>
Array iota(Shape shape) {
  std::vector<T> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(i);
  return Array::from(v, shape);
}

TEST(ReplicaShards, EveryAxisSplitsAndStacksBack) {
  for (const Array& x :
       {iota<double>({2, 3, 4}), iota<std::int32_t>({2, 3, 4}), iota<float>({1, 5, 2})}) {
    for (std::int64_t axis = 0; axis < 3; ++axis) {
      std::vector<Array> parts;
      for (std::int64_t r = 0; r < x.shape()[static_cast<std::size_t>(axis)]; ++r) {
        parts.push_back(replica_shard(x, axis, r));
        // Element (i, j) of the shard is x at that index with r inserted at `axis`.
        Shape s = x.shape();
        s.erase(s.begin() + axis);
        ASSERT_EQ(parts.back().shape(), s);
      }
      EXPECT_TRUE(arrays_close(stack_replicas(parts, axis), x)) << "axis " << axis;
    }
  }
}

TEST(ReplicaShards, ShardValuesAlongTheMiddleAxis) {
  Array x = iota<double>({2, 3, 2});
  EXPECT_TRUE(arrays_close(replica_shard(x, 1, 2), Array::from<double>({4, 5, 10, 11}, {2, 2})));
  EXPECT_TRUE(
      arrays_close(replica_shard(x, 2, 1), Array::from<double>({1, 3, 5, 7, 9, 11}, {2, 3})));
}

TEST(ReplicaShards, AContiguousShardIsAViewOfTheInput) {
  Array x = iota<double>({3, 2});
  Array s = replica_shard(x, 0, 1);
  EXPECT_TRUE(s.is_view());
  EXPECT_EQ(s.raw(), static_cast<const double*>(x.raw()) + 2);
  Array y = iota<double>({1, 4, 2});  // only extent-1 axes before axis 1
  EXPECT_TRUE(replica_shard(y, 1, 3).is_view());
  EXPECT_FALSE(replica_shard(x, 1, 0).is_view());
}

TEST(ReplicaShards, EmptyArraysAndMismatchedParts) {
  Array e = Array::empty(DType::F32, {2, 0, 3});
  Array s = replica_shard(e, 0, 1);
  EXPECT_EQ(s.shape(), (Shape{0, 3}));
  std::vector<Array> parts{s, s};
  EXPECT_EQ(stack_replicas(parts, 1).shape(), (Shape{0, 2, 3}));
  std::vector<Array> bad{Array::from<double>({1, 2}), Array::from<double>({1})};
  EXPECT_THROW(stack_replicas(bad, 0), InternalError);
  EXPECT_THROW(replica_shard(e, 0, 2), InternalError);
}

}  // namespace
}  // namespace lanes::internal
