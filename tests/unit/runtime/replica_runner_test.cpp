// The runtime's replica runner without the engine: a hand-written per-replica callable
// run on N replicas, its shards (along each in_axes entry, whole inputs for -1), the axis
// bound in each replica's context, collectives through that binding's communicator, the
// outputs stacked along out_axes, nested runs, and a replica's exception reported as the
// same lanes::Error kind naming the replica while the replicas waiting on it are released.
#include "runtime/replica_runner.h"

#include <gtest/gtest.h>
#include <lanes/array.h>
#include <lanes/error.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "runtime/replica_context.h"
#include "tests/unit/test_util.h"

namespace lanes::internal {
namespace {

using lanes::testing::arrays_close;
using lanes::testing::expect_error;

using Axes = std::vector<std::int64_t>;
const Axes kZero{0}, kOne{1}, kZeroZero{0, 0};

Array iota(Shape shape) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  return Array::from(v, shape);
}

// The psum of x over the bound axis "i" of the calling replica.
Array psum_i(const Array& x) {
  const AxisBinding* axis = find_replica_axis("i");
  if (axis == nullptr) throw AxisNameError("no axis 'i'");
  Array out = Array::empty(x.dtype(), x.shape());
  axis->comm->all_reduce(axis->rank, x.dtype(), ReduceOp::Sum, x.raw(), out.raw(),
                         static_cast<std::size_t>(x.size()));
  return out;
}

TEST(ReplicaRunner, RunsEveryReplicaOnItsShardWithItsAxisBound) {
  for (int n : {1, 3, 4}) {
    Array x = iota({2, n});                   // replicas get columns (in_axes 1)
    Array w = Array::from<double>({10, 20});  // unmapped: every replica gets it whole
    std::atomic<int> calls{0};
    const Axes in_axes{1, -1}, out_axes{0, -1};
    ReplicaLaunch launch{.axis_name = "i", .replicas = n, .in_axes = in_axes, .out_axes = out_axes};
    std::vector<Array> in{x, w};
    std::vector<Array> out =
        run_replicas(in, launch, [&](int r, std::span<const Array> shard) -> std::vector<Array> {
          ++calls;
          const AxisBinding* axis = find_replica_axis("i");
          EXPECT_NE(axis, nullptr);
          EXPECT_EQ(axis->rank, r);
          EXPECT_EQ(axis->size, n);
          EXPECT_EQ(shard.size(), 2u);
          EXPECT_EQ(shard[0].shape(), (Shape{2}));
          EXPECT_TRUE(arrays_close(shard[1], Array::from<double>({10, 20})));
          std::vector<double> col = {shard[0].data<double>()[0], shard[0].data<double>()[1]};
          std::vector<double> mine = {col[0] + shard[1].data<double>()[0], col[1]};
          return {Array::from(mine), Array::from<double>({static_cast<double>(r)})};
        });
    EXPECT_EQ(calls.load(), n);
    ASSERT_EQ(out.size(), 2u);
    std::vector<double> want;
    for (int r = 0; r < n; ++r) {
      want.push_back(static_cast<double>(r) + 10);  // x[0, r] + w[0]
      want.push_back(static_cast<double>(n + r));   // x[1, r]
    }
    EXPECT_TRUE(arrays_close(out[0], Array::from(want, {n, 2}))) << "n = " << n;
    EXPECT_TRUE(arrays_close(out[1], Array::from<double>({0})));  // replica 0's
  }
}

TEST(ReplicaRunner, CollectivesGoThroughTheBoundCommunicatorAndStackAlongOutAxes) {
  const int n = 4;
  Array x = iota({n, 3});
  ReplicaLaunch launch{.axis_name = "i", .replicas = n, .in_axes = kZero, .out_axes = kOne};
  std::vector<Array> out = run_replicas(
      std::span<const Array>(&x, 1), launch,
      [](int, std::span<const Array> shard) { return std::vector<Array>{psum_i(shard[0])}; });
  // Every replica's column k is sum_r x[r, k]; stacked along axis 1: out[k, r].
  std::vector<double> want;
  for (int k = 0; k < 3; ++k) {
    double s = 0;
    for (int r = 0; r < n; ++r) s += static_cast<double>(3 * r + k);
    for (int r = 0; r < n; ++r) want.push_back(s);
  }
  EXPECT_TRUE(arrays_close(out[0], Array::from(want, {3, n})));
}

TEST(ReplicaRunner, AFailingReplicaIsNamedAndReleasesTheOthers) {
  const int n = 4;
  Array x = iota({n});
  ReplicaLaunch launch{.axis_name = "i", .replicas = n, .in_axes = kZero, .out_axes = kZero};
  for (int round = 0; round < 3; ++round) {
    // Replica 2 fails; the others wait in a psum that cannot complete without it.
    expect_error<ShapeError>(
        [&] {
          run_replicas(std::span<const Array>(&x, 1), launch,
                       [](int r, std::span<const Array> shard) {
                         if (r == 2) throw ShapeError("dot_general: bad shapes");
                         return std::vector<Array>{psum_i(shard[0])};
                       });
        },
        {"pmap replica 2 of 4 (axis 'i'): ", "dot_general: bad shapes"});
  }
  // An exception that is no lanes::Error becomes a RuntimeError naming the replica.
  expect_error<RuntimeError>(
      [&] {
        run_replicas(std::span<const Array>(&x, 1), launch,
                     [](int r, std::span<const Array> shard) {
                       if (r == 3) throw std::out_of_range("vector::at");
                       return std::vector<Array>{psum_i(shard[0])};
                     });
      },
      {"pmap replica 3 of 4 (axis 'i'): vector::at"});
}

TEST(ReplicaRunner, NestedRunsSeeTheEnclosingAxes) {
  Array x = iota({2, 3});
  ReplicaLaunch outer{.axis_name = "o", .replicas = 2, .in_axes = kZero, .out_axes = kZero};
  ReplicaLaunch inner{.axis_name = "i", .replicas = 3, .in_axes = kZero, .out_axes = kZero};
  std::vector<Array> out =
      run_replicas(std::span<const Array>(&x, 1), outer, [&](int o, std::span<const Array> row) {
        return run_replicas(row, inner, [o](int i, std::span<const Array> elem) {
          const AxisBinding* ob = find_replica_axis("o");
          EXPECT_TRUE(ob != nullptr && ob->rank == o && ob->size == 2);
          const AxisBinding* ib = find_replica_axis("i");
          EXPECT_TRUE(ib != nullptr && ib->rank == i && ib->size == 3);
          return std::vector<Array>{psum_i(elem[0])};  // the row's sum
        });
      });
  EXPECT_TRUE(arrays_close(out[0], Array::from<double>({3, 3, 3, 12, 12, 12}, {2, 3})));
}

TEST(ReplicaRunner, InputsOrOutputsThatDoNotMatchTheLaunchAreInternalErrors) {
  Array x = iota({2});
  ReplicaLaunch launch{.axis_name = "i", .replicas = 2, .in_axes = kZeroZero, .out_axes = kZero};
  auto one = [](int, std::span<const Array> s) { return std::vector<Array>{s[0]}; };
  expect_error<InternalError>([&] { run_replicas(std::span<const Array>(&x, 1), launch, one); },
                              {"1 inputs for 2 in_axes"});
  launch.in_axes = kZero;
  launch.out_axes = kZeroZero;
  expect_error<InternalError>([&] { run_replicas(std::span<const Array>(&x, 1), launch, one); },
                              {"pmap replica", "returned 1 outputs for 2 out_axes"});
}

}  // namespace
}  // namespace lanes::internal
