// pmap on CPU device threads: devices(), sharding and stitching along in_axes/out_axes,
// every collective against hand-computed values with 4 and 8 replicas (on any core
// count), determinism, argument errors, unbound axis names, and a failing replica.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
using testing::expect_error;

Array iota_f64(Shape shape) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) + 0.25;
  return Array::from(v, shape);
}

TEST(PmapDevices, CountComesFromTheEnvironment) {
  testing::ScopedEnv env("LANES_CPU_DEVICES", "3");
  auto devs = devices();
  ASSERT_EQ(devs.size(), 3u);
  EXPECT_EQ(devs[2].name, "cpu:2");
  EXPECT_EQ(devs[2].index, 2);
  env.set("zero");
  expect_error<ArgumentError>([] { devices(); }, {"LANES_CPU_DEVICES", "zero"});
  env.set(std::nullopt);
  EXPECT_GE(devices().size(), 1u);
  EXPECT_EQ(cpu_devices(8).size(), 8u);
}

TEST(PmapBasics, ElementwiseFunctionMatchesTheWholeArray) {
  Fn f = fn([](Value x, Value y) { return lanes::sin(x) * y + 1.0; });
  Array x = iota_f64({4, 5}), y = iota_f64({4, 5});
  Array got = pmap(f, "i", 0, 0, cpu_devices(4))(x, y);
  EXPECT_TRUE(arrays_close(got, jit(f)(x, y), 1));
}

TEST(PmapBasics, UnmappedArgumentsAndOtherAxes) {
  // x mapped along axis 1, w shared; output stacked along axis 1.
  Fn f = fn([](Value x, Value w) { return x * w; });
  Array x = iota_f64({3, 4});  // replicas get columns
  Array w = Array::from({1.0, 10.0, 100.0});
  Array got = pmap(f, "i", {1, none}, 1, cpu_devices(4))(x, w);
  ASSERT_EQ(got.shape(), (Shape{3, 4}));
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) {
      EXPECT_EQ(got.element_as_double(r * 4 + c),
                x.element_as_double(r * 4 + c) * w.element_as_double(r));
    }
  }
}

TEST(PmapCollectives, PsumPmeanPmaxPminOnFourAndEightReplicas) {
  for (int n : {4, 8}) {
    Fn f = fn([](Value x) {
      return std::make_tuple(psum(x, "i"), pmean(x, "i"), pmax(x, "i"), pmin(x, "i"));
    });
    Array x = iota_f64({n, 3});
    Outputs out = pmap(f, "i", 0, 0, cpu_devices(n))(x);
    for (int c = 0; c < 3; ++c) {
      double sum = 0, mx = -1e300, mn = 1e300;
      for (int r = 0; r < n; ++r) {
        double v = x.element_as_double(r * 3 + c);
        sum += v;
        mx = std::max(mx, v);
        mn = std::min(mn, v);
      }
      for (int r = 0; r < n; ++r) {
        EXPECT_EQ(out[0].element_as_double(r * 3 + c), sum);
        EXPECT_EQ(out[1].element_as_double(r * 3 + c), sum / n);
        EXPECT_EQ(out[2].element_as_double(r * 3 + c), mx);
        EXPECT_EQ(out[3].element_as_double(r * 3 + c), mn);
      }
    }
  }
}

TEST(PmapCollectives, IntegerPsumAndAxisIndex) {
  Fn f = fn([](Value x) { return psum(x * astype(axis_index("i"), DType::I64), "i"); });
  Array x = Array::from(std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 1, 1});
  Array got = pmap(f, "i", 0, 0, cpu_devices(8))(x);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(got.data<std::int64_t>()[r], 28);
  Fn idx = fn([](Value x) { return astype(axis_index("i"), DType::F64) + x * 0.0; });
  Array ids = pmap(idx, "i", 0, 0, cpu_devices(4))(Array::zeros(DType::F64, {4}));
  EXPECT_TRUE(arrays_close(ids, Array::from({0.0, 1.0, 2.0, 3.0})));
}

TEST(PmapCollectives, AllGatherStackedAndTiled) {
  const int n = 4;
  Fn stacked = fn([](Value x) { return all_gather(x, "i", 1); });
  Fn tiled = fn([](Value x) { return all_gather(x, "i", 0, true); });
  Array x = iota_f64({n, 2});
  Array s = pmap(stacked, "i", 0, 0, cpu_devices(n))(x);  // per replica [2, n]
  ASSERT_EQ(s.shape(), (Shape{n, 2, n}));
  Array t = pmap(tiled, "i", 0, 0, cpu_devices(n))(x);  // per replica [2n]
  ASSERT_EQ(t.shape(), (Shape{n, 2 * n}));
  for (int r = 0; r < n; ++r) {
    for (int j = 0; j < 2; ++j) {
      for (int q = 0; q < n; ++q) {
        double want = x.element_as_double(q * 2 + j);
        EXPECT_EQ(s.element_as_double((r * 2 + j) * n + q), want);
        EXPECT_EQ(t.element_as_double(r * 2 * n + q * 2 + j), want);
      }
    }
  }
}

TEST(PmapCollectives, PpermuteRotatesAndZeroFillsNonTargets) {
  const int n = 4;
  Fn rot = fn([](Value x) { return ppermute(x, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}}); });
  Fn partial = fn([](Value x) { return ppermute(x, "i", {{0, 2}}); });
  Array x = Array::from({10.0, 11.0, 12.0, 13.0});
  EXPECT_TRUE(
      arrays_close(pmap(rot, "i", 0, 0, cpu_devices(n))(x), Array::from({13.0, 10.0, 11.0, 12.0})));
  EXPECT_TRUE(arrays_close(pmap(partial, "i", 0, 0, cpu_devices(n))(x),
                           Array::from({0.0, 0.0, 10.0, 0.0})));
  expect_error<ArgumentError>(
      [&] {
        pmap(fn([](Value v) {
               return ppermute(v, "i", {{0, 1}, {2, 1}});
             }),
             "i", 0, 0, cpu_devices(n))(x);
      },
      {"ppermute", "(2, 1)", "permutation"});
}

TEST(PmapCollectives, ResultsAreBitwiseIdenticalOnEveryReplicaAndRun) {
  const int n = 8;
  Fn f = fn([](Value x) { return psum(lanes::sin(x) * 1e8, "i"); });
  std::vector<double> v;
  for (int i = 0; i < n * 16; ++i) v.push_back(std::sin(i * 1.7) * std::pow(10.0, i % 7));
  Array x = Array::from(v, {n, 16});
  Fn p = pmap(f, "i", 0, 0, cpu_devices(n));
  Array first = p(x);
  for (int run = 0; run < 5; ++run) {
    Array again = p(x);
    EXPECT_EQ(std::memcmp(again.raw(), first.raw(), first.nbytes()), 0);
  }
  for (int r = 1; r < n; ++r) {
    EXPECT_EQ(std::memcmp(static_cast<const double*>(first.raw()) + r * 16, first.raw(),
                          16 * sizeof(double)),
              0);
  }
}

TEST(PmapErrors, MappedAxisMustMatchTheDeviceCount) {
  Fn f = fn([](Value x) { return x * 2.0; });
  expect_error<ArgumentError>(
      [&] {
        pmap(f, "i", 0, 0, cpu_devices(4))(iota_f64({3, 2}));
      },
      {"argument 0", "[3,2]", "axis 0", "4 devices"});
  expect_error<ArgumentError>(
      [&] {
        pmap(f, "i", 2, 0, cpu_devices(4))(iota_f64({4, 2}));
      },
      {"in_axes[0]", "out of range"});
  expect_error<ArgumentError>([&] { pmap(f, "i", none, 0, cpu_devices(4))(iota_f64({4})); },
                              {"no argument is mapped"});
}

TEST(PmapErrors, UnboundAxisNamesAreAxisNameErrors) {
  Fn wrong = fn([](Value x) { return psum(x, "j"); });
  expect_error<AxisNameError>([&] { pmap(wrong, "i", 0, 0, cpu_devices(2))(iota_f64({2})); },
                              {"psum", "unbound axis name 'j'"});
  // Outside any pmap or vmap at all.
  expect_error<AxisNameError>([&] { wrong(iota_f64({2})); }, {"psum", "'j'"});
  expect_error<AxisNameError>([&] { jit(fn([](Value x) { return all_gather(x, "k"); }))(1.0); },
                              {"all_gather", "'k'"});
}

TEST(PmapErrors, AFailingReplicaReleasesTheOthersAndItsErrorReachesTheCaller) {
  // Replica 2 runs a psum over an axis nobody binds at run time (bound directly, past
  // the DSL's trace-time check), inside a branch only it takes; the others wait in the
  // psum over "i" and must be released.
  Fn f = fn([](Value x) {
    Value bad = lanes::cond(
        lanes::eq(axis_index("i"), std::int32_t{2}),
        [](Value v) {
          return internal::bind1("psum", {v}, internal::Params{{"axis_name", std::string("zzz")}});
        },
        [](Value v) { return v; }, x);
    return psum(bad, "i");
  });
  for (int run = 0; run < 3; ++run) {
    expect_error<AxisNameError>(
        [&] {
          pmap(f, "i", 0, 0, cpu_devices(4))(iota_f64({4, 3}));
        },
        {"psum", "unbound axis name 'zzz'"});
  }
}

TEST(PmapCompose, JitOfPmapAndPmapOfJit) {
  Fn f = fn([](Value x) { return x - pmean(x, "i"); });
  Array x = Array::from({1.0, 2.0, 3.0, 6.0});
  Array want = Array::from({-2.0, -1.0, 0.0, 3.0});
  EXPECT_TRUE(arrays_close(jit(pmap(f, "i", 0, 0, cpu_devices(4)))(x), want));
  EXPECT_TRUE(arrays_close(pmap(jit(f), "i", 0, 0, cpu_devices(4))(x), want));
}

TEST(PmapCompose, VmapOfPmap) {
  // vmap over a leading batch of 3 of a pmap over 4 devices along axis 0 of each element.
  Fn f = fn([](Value x) { return x / psum(x, "i"); });
  Array xs = iota_f64({3, 4});
  Array got = vmap(pmap(f, "i", 0, 0, cpu_devices(4)))(xs);
  ASSERT_EQ(got.shape(), (Shape{3, 4}));
  for (int b = 0; b < 3; ++b) {
    double s = 0;
    for (int r = 0; r < 4; ++r) s += xs.element_as_double(b * 4 + r);
    for (int r = 0; r < 4; ++r) {
      EXPECT_DOUBLE_EQ(got.element_as_double(b * 4 + r), xs.element_as_double(b * 4 + r) / s);
    }
  }
}

}  // namespace
}  // namespace lanes
