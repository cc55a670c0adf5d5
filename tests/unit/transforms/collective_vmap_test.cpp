// Collectives under vmap(f, ..., axis_name): they reduce over the batch (JAX semantics),
// so the same function gives the same numbers under vmap and under pmap; nested
// pmap-over-vmap with two axis names; names that nothing binds.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
using testing::expect_error;

Array sample(Shape shape) {
  std::vector<double> v(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(1.3 * static_cast<double>(i)) * 3.0;
  return Array::from(v, shape);
}

// Every collective at once; outputs stacked along the mapped axis by both vmap and pmap.
Fn all_collectives() {
  return fn([](Value x) {
    Value idx = astype(axis_index("i"), DType::F64);
    return std::make_tuple(psum(x, "i"), pmean(x, "i"), pmax(x, "i"), pmin(x, "i"),
                           all_gather(x, "i"), all_gather(x, "i", 0, true),
                           ppermute(x, "i", {{0, 2}, {2, 1}, {1, 0}}), x * idx);
  });
}

TEST(CollectiveVmap, EveryCollectiveAgreesWithPmap) {
  const int n = 4;
  Array x = sample({n, 3});
  Outputs by_vmap = vmap(all_collectives(), 0, 0, "i")(x);
  Outputs by_pmap = pmap(all_collectives(), "i", 0, 0, cpu_devices(n))(x);
  ASSERT_EQ(by_vmap.size(), by_pmap.size());
  for (std::size_t k = 0; k < by_vmap.size(); ++k) {
    EXPECT_TRUE(arrays_close(by_vmap[k], by_pmap[k], 2)) << "output " << k;
  }
  // And jit(vmap) too.
  Outputs jitted = jit(vmap(all_collectives(), 0, 0, "i"))(x);
  for (std::size_t k = 0; k < by_vmap.size(); ++k) {
    EXPECT_TRUE(arrays_close(jitted[k], by_pmap[k], 2)) << "output " << k;
  }
}

TEST(CollectiveVmap, HandComputedValues) {
  Fn f = fn([](Value x) { return x / psum(x, "i"); });
  Array got = vmap(f, 0, 0, "i")(Array::from({1.0, 3.0, 4.0}));
  EXPECT_TRUE(arrays_close(got, Array::from({0.125, 0.375, 0.5})));
  // An unbatched operand: psum of a value every element shares is n times it.
  Fn g = fn([](Value x, Value c) { return x + psum(c, "i"); });
  Array got2 = vmap(g, {0, none}, 0, "i")(Array::from({0.0, 1.0, 2.0}), 2.5);
  EXPECT_TRUE(arrays_close(got2, Array::from({7.5, 8.5, 9.5})));
  Fn idx = fn([](Value x) { return x * astype(axis_index("i"), DType::F64); });
  EXPECT_TRUE(arrays_close(vmap(idx, 0, 0, "i")(Array::from({5.0, 5.0, 5.0})),
                           Array::from({0.0, 5.0, 10.0})));
}

TEST(CollectiveVmap, NestedPmapOverVmapWithTwoNames) {
  // 2 devices ("i") x a batch of 3 ("j") per device.
  Fn f = fn([](Value x) {
    Value total = psum(psum(x, "j"), "i");
    Value row = psum(x, "j");
    Value id = astype(axis_index("i"), DType::F64) * 10.0 + astype(axis_index("j"), DType::F64);
    return std::make_tuple(total, row, id);
  });
  Array x = sample({2, 3});
  Outputs out = pmap(vmap(f, 0, 0, "j"), "i", 0, 0, cpu_devices(2))(x);
  double total = 0, rows[2] = {0, 0};
  for (int k = 0; k < 6; ++k) {
    total += x.element_as_double(k);
    rows[k / 3] += x.element_as_double(k);
  }
  for (int k = 0; k < 6; ++k) {
    EXPECT_NEAR(out[0].element_as_double(k), total, 1e-12);
    EXPECT_NEAR(out[1].element_as_double(k), rows[k / 3], 1e-12);
    EXPECT_EQ(out[2].element_as_double(k), (k / 3) * 10 + k % 3);
  }
}

TEST(CollectiveVmap, AnotherNameIsUnbound) {
  Fn f = fn([](Value x) { return pmean(x, "j"); });
  expect_error<AxisNameError>([&] { vmap(f, 0, 0, "i")(sample({3})); },
                              {"pmean", "unbound axis name 'j'"});
  // An unnamed vmap binds no name.
  expect_error<AxisNameError>([&] { vmap(f)(sample({3})); }, {"'j'"});
}

TEST(CollectiveVmap, DtypesAreChecked) {
  Fn f = fn([](Value x) { return pmean(x, "i"); });
  expect_error<DTypeError>(
      [&] {
        vmap(f, 0, 0, "i")(Array::from(std::vector<std::int64_t>{1, 2}));
      },
      {"pmean", "i64"});
}

}  // namespace
}  // namespace lanes
