// pmap's runtime: replicas run on persistent device workers (no threads created per
// call), concurrent and nested pmaps still complete (they fall back to fresh threads
// rather than queue behind each other), a failed call leaves the workers usable, and
// the replica body is compiled with the enclosing jit's options.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <thread>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "runtime/device_workers.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;

Array ramp(Shape shape, double scale) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * (static_cast<double>(i) + 0.5);
  return Array::from(v, shape);
}

// x - pmean(x) over 4 replicas of f64[3], by hand.
Array centered(const Array& x) {
  std::vector<double> out(static_cast<std::size_t>(x.size()));
  for (int k = 0; k < 3; ++k) {
    double mean = 0;
    for (int r = 0; r < 4; ++r) mean += x.element_as_double(r * 3 + k);
    mean /= 4;
    for (int r = 0; r < 4; ++r)
      out[static_cast<std::size_t>(r * 3 + k)] = x.element_as_double(r * 3 + k) - mean;
  }
  return Array::from(out, x.shape());
}

Fn centering() {
  return fn([](Value x) { return x - pmean(x, "i"); });
}

TEST(PmapRuntime, ReplicasRunOnPersistentDeviceWorkers) {
  Fn p = jit(pmap(centering(), "i", 0, 0, cpu_devices(4)));
  Array x = ramp({4, 3}, 0.75);
  ASSERT_TRUE(arrays_close(p(x), centered(x), 2));
  const std::size_t workers = internal::device_worker_count();
  EXPECT_GE(workers, 3u);  // replicas 1..3 (replica 0 is the calling thread)
  for (int call = 0; call < 50; ++call) ASSERT_TRUE(arrays_close(p(x), centered(x), 2));
  EXPECT_EQ(internal::device_worker_count(), workers);
}

TEST(PmapRuntime, ConcurrentCallersAllComplete) {
  Fn p = jit(pmap(centering(), "i", 0, 0, cpu_devices(4)));
  Fn q = pmap(centering(), "i", 0, 0, cpu_devices(4));
  std::vector<std::thread> callers;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      Array x = ramp({4, 3}, 1.0 + t);
      for (int call = 0; call < 25; ++call) {
        Array got = (t % 2 == 0 ? p : q)(x);
        good[static_cast<std::size_t>(t)] += arrays_close(got, centered(x), 2) ? 1 : 0;
      }
    });
  }
  for (std::thread& c : callers) c.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(good[static_cast<std::size_t>(t)], 25) << "caller " << t;
}

TEST(PmapRuntime, NestedPmapInsideReplicas) {
  // Outer "i" over 2 devices, inner "j" over 3 (an inner pmap inside each outer replica,
  // so the workers are held and the inner replicas run on fresh threads): the psum over
  // "j" and then over "i" is the total sum.
  Fn inner = pmap(fn([](Value x) { return psum(x, "j"); }), "j", 0, 0, cpu_devices(3));
  Fn outer =
      pmap(fn([inner](Value x) { return psum(Value(inner(x)), "i"); }), "i", 0, 0, cpu_devices(2));
  Array x = ramp({2, 3, 2}, 1.0);
  double s0 = 0, s1 = 0;
  for (int i = 0; i < 12; i += 2) {
    s0 += x.element_as_double(i);
    s1 += x.element_as_double(i + 1);
  }
  Array got = outer(x);
  ASSERT_EQ(got.shape(), (Shape{2, 3, 2}));
  for (int i = 0; i < 12; i += 2) {
    EXPECT_DOUBLE_EQ(got.element_as_double(i), s0);
    EXPECT_DOUBLE_EQ(got.element_as_double(i + 1), s1);
  }
}

TEST(PmapRuntime, WorkersStayUsableAfterAFailingReplica) {
  // Replica 2 alone runs a psum over an axis nobody binds at run time (bound past the
  // DSL's trace-time check); the others wait in the psum over "i" and are released.
  Fn bad = jit(pmap(fn([](Value x) {
                      Value v = lanes::cond(
                          lanes::eq(axis_index("i"), std::int32_t{2}),
                          [](Value v) {
                            return internal::bind1(
                                "psum", {v}, internal::Params{{"axis_name", std::string("zzz")}});
                          },
                          [](Value v) { return v; }, x);
                      return psum(v, "i");
                    }),
                    "i", 0, 0, cpu_devices(4)));
  Fn good = jit(pmap(centering(), "i", 0, 0, cpu_devices(4)));
  Array x = ramp({4, 3}, 2.0);
  for (int round = 0; round < 3; ++round) {
    EXPECT_THROW(bad(x), AxisNameError);
    EXPECT_TRUE(arrays_close(good(x), centered(x), 2));
  }
}

// The body of a jitted pmap is compiled with the jit's options: with Precision::Fast each
// replica's rows are bitwise what jit(f, Fast) gives for that row.
TEST(PmapRuntime, ReplicaBodyUsesTheEnclosingJitOptions) {
  Fn f = fn([](Value x) { return lanes::exp(lanes::sin(x) * 3.0) + lanes::log(x); });
  const int n = 2, m = 257;
  Array x = ramp({n, m}, 0.037);
  const JitOptions fast{.precision = Precision::Fast};
  Array got = jit(pmap(f, "i", 0, 0, cpu_devices(n)), fast)(x);
  Array got_precise = jit(pmap(f, "i", 0, 0, cpu_devices(n)))(x);
  bool differs = false;
  for (int r = 0; r < n; ++r) {
    std::vector<double> row(x.data<double>().begin() + r * m,
                            x.data<double>().begin() + (r + 1) * m);
    Array want_fast = jit(f, fast)(Array::from(row));
    Array want_precise = jit(f)(Array::from(row));
    for (int k = 0; k < m; ++k) {
      ASSERT_EQ(got.element_as_double(r * m + k), want_fast.element_as_double(k)) << r << "," << k;
      ASSERT_EQ(got_precise.element_as_double(r * m + k), want_precise.element_as_double(k));
      differs = differs || want_fast.element_as_double(k) != want_precise.element_as_double(k);
    }
  }
  // Otherwise the test could not tell the options apart.
  EXPECT_TRUE(differs) << "Fast and Precise agree bitwise on every element";
}

}  // namespace
}  // namespace lanes
