// Arguments out of range at the public API are clear lanes::Errors naming the argument
// and the allowed values (issue 20, item 6): JitOptions::vector_width, a DType that is
// not an enumerator, cpu_devices(n) and LANES_CPU_DEVICES beyond the maximum, arange of
// too many elements. And the other side of the bound: a shape with a zero extent has zero
// elements whatever its other extents are, and every path handles such arrays.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;
using testing::expect_error;

Fn twice() {
  return fn([](Value x) { return x * 2.0; });
}

TEST(ArgumentChecks, VectorWidthMustBeZeroOrAPowerOfTwoUpTo64) {
  for (int w : {-1, 3, 6, 65, 128, 1000}) {
    SCOPED_TRACE(w);
    expect_error<ArgumentError>([&] { (void)jit(twice(), {.vector_width = w}); },
                                {"jit: vector_width " + std::to_string(w),
                                 "is not 0 (the host's width) or a power of two from 1 to 64"});
  }
  const Array x = Array::from(std::vector<double>{1, 2, 3, 4, 5});
  for (int w : {0, 1, 2, 4, 8, 16, 32, 64}) {
    SCOPED_TRACE(w);
    EXPECT_TRUE(arrays_close(jit(twice(), {.vector_width = w})(x),
                             Array::from(std::vector<double>{2, 4, 6, 8, 10})));
  }
  expect_error<ArgumentError>([] { (void)jit(twice(), {.opt_level = 3}); },
                              {"jit: opt_level 3 is not 0, 1 or 2"});
}

TEST(ArgumentChecks, ADTypeThatIsNotAnEnumeratorIsAnArgumentError) {
  const auto bad = static_cast<DType>(42);
  const std::vector<std::string> parts{"dtype 42 is not one of bool, i32, i64, f32, f64"};
  expect_error<ArgumentError>([&] { (void)Array::zeros(bad, {3}); }, parts);
  expect_error<ArgumentError>([&] { (void)Array::empty(bad, {3}); }, parts);
  expect_error<ArgumentError>([&] { (void)Array::full(bad, {3}, 1.0); }, parts);
  expect_error<ArgumentError>([&] { (void)Array::arange(0.0, 3.0, 1.0, bad); }, parts);
  expect_error<ArgumentError>([&] { (void)Array::linspace(0, 1, 3, bad); }, parts);
  double mem[3] = {1, 2, 3};
  expect_error<ArgumentError>([&] { (void)Array::view_raw(mem, bad, {3}); }, parts);
  const Array x = Array::from(std::vector<double>{1, 2, 3});
  expect_error<ArgumentError>([&] { (void)jit(fn([&](Value v) { return astype(v, bad); }))(x); },
                              {"astype: dtype 42 is not one of"});
  expect_error<ArgumentError>(
      [&] { (void)fn([&](Value v) { return v + full(bad, {3}, 1.0); })(x); },
      {"full: dtype 42 is not one of"});
  expect_error<ArgumentError>([&] { (void)fn([&](Value v) { return v + iota(bad, {3}); })(x); },
                              {"iota: dtype 42 is not one of"});
}

TEST(ArgumentChecks, TooManyCpuDevicesNamesTheMaximum) {
  expect_error<ArgumentError>([] { (void)cpu_devices(100000); },
                              {"cpu_devices: n = 100000 is too large, the maximum is 4096"});
  expect_error<ArgumentError>([] { (void)cpu_devices(0); }, {"cpu_devices: n must be positive"});
  EXPECT_EQ(cpu_devices(4096).size(), 4096u);
  testing::ScopedEnv env("LANES_CPU_DEVICES", "100000");
  expect_error<ArgumentError>([] { (void)devices(); },
                              {"LANES_CPU_DEVICES='100000' is not an integer in [1, 4096]: too "
                               "large, the maximum is 4096"});
  env.set("99999999999999999999999");  // beyond int64: still "too large"
  expect_error<ArgumentError>([] { (void)devices(); }, {"too large, the maximum is 4096"});
  env.set("0");
  expect_error<ArgumentError>([] { (void)devices(); }, {"too small, the minimum is 1"});
  env.set("many");
  try {
    (void)devices();
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(),
                 "environment variable LANES_CPU_DEVICES='many' is not an integer in "
                 "[1, 4096]");
  }
}

TEST(ArgumentChecks, ArangeOfTooManyElementsBlamesTheBoundsNotTheStep) {
  // 1e18 i64 elements (8e18 bytes) cannot be allocated: the error names the size.
  expect_error<RuntimeError>([] { (void)Array::arange(std::int64_t{1'000'000'000'000'000'000}); },
                             {"cannot allocate i64[1000000000000000000]"});
  expect_error<ArgumentError>([] { (void)Array::arange(0.0, 1e30); },
                              {"arange: start 0 to stop 1e+30 by step 1",
                               "makes too many elements (1e+30)"});
  expect_error<ArgumentError>([] { (void)Array::arange(0.0, std::nan(""), 1.0); },
                              {"arange: stop nan is not finite"});
  expect_error<ArgumentError>([] { (void)Array::arange(0.0, 3.0, 0.0); },
                              {"arange: step 0", "must be finite and non-zero"});
  EXPECT_EQ(Array::arange(5.0, 1.0).size(), 0);
}

const std::int64_t k2to32 = std::int64_t{1} << 32;

TEST(ArgumentChecks, AZeroExtentMakesAnEmptyShapeWhateverTheOtherExtents) {
  for (const Shape& s :
       {Shape{k2to32, k2to32, 0}, Shape{0, k2to32, k2to32}, Shape{k2to32, 0, k2to32}}) {
    SCOPED_TRACE(shape_to_string(s));
    EXPECT_EQ(shape_size(s), 0);
    Array z = Array::zeros(DType::F64, s);
    EXPECT_EQ(z.size(), 0);
    EXPECT_EQ(z.nbytes(), 0u);
    EXPECT_EQ(z.shape(), s);
    EXPECT_EQ(Array::full(DType::I32, s, 7).size(), 0);
    EXPECT_EQ(Array::view_raw(nullptr, DType::F32, s).size(), 0);
    EXPECT_EQ(z.reshaped({0}).size(), 0);
    // Printing stays short (it does not walk 2^64 empty rows).
    EXPECT_LT(z.to_string().size(), 200u) << z.to_string();
  }
  // Overflow is still caught where the count is not zero.
  expect_error<ShapeError>([] { (void)shape_size({k2to32, k2to32, 1}); }, {"too many elements"});
  expect_error<ShapeError>([] { (void)shape_size({k2to32, -1, 0}); }, {"negative extent"});
  EXPECT_EQ(Array::zeros(DType::F64, {2, 0}).to_string(), "array([[],\n       []], dtype=f64)");
}

TEST(ArgumentChecks, EmptyArraysWithHugeExtentsThroughFnJitAndVmap) {
  const Shape s{k2to32, k2to32, 0};
  const Array z = Array::zeros(DType::F64, s);
  Fn total = fn([](Value x) { return sum(x); });
  Fn inner = fn([](Value x) { return sum(x, {2}); });
  Fn scaled = fn([](Value x) { return exp(x) * 2.0; });
  for (const Fn& f : {total, jit(total)}) {
    Array r = f(z);
    EXPECT_EQ(r.shape(), Shape{});
    EXPECT_EQ(r.item<double>(), 0.0);  // the identity of the sum
  }
  for (const Fn& f : {scaled, jit(scaled), vmap(scaled), jit(vmap(scaled))}) {
    Array r = f(z);
    EXPECT_EQ(r.shape(), s);
    EXPECT_EQ(r.size(), 0);
  }
  // [0, 2^32, 2^32] summed over its zero axis is [2^32, 2^32] of zeros: 2^64 elements, too
  // many for any machine, reported as an error (not an overflow).
  const Array z0 = Array::zeros(DType::F64, {0, k2to32, k2to32});
  EXPECT_THROW((void)fn([](Value x) { return sum(x, {0}); })(z0), Error);
  // Summing over a huge axis of an empty array leaves an empty array.
  EXPECT_EQ(Array(inner(Array::zeros(DType::F64, {0, k2to32, 3}))).shape(), (Shape{0, k2to32}));
  EXPECT_EQ(Array(jit(inner)(Array::zeros(DType::F64, {0, k2to32, 3}))).shape(),
            (Shape{0, k2to32}));
}

}  // namespace
}  // namespace lanes
