// Outputs never alias the caller's Array::view memory (include/lanes/fn.h, Outputs;
// docs/semantics.md): after a call, the caller frees or overwrites the buffer it viewed
// and the outputs keep their values. Every case frees the buffer (under AddressSanitizer a
// read of it would be a heap-use-after-free) and, before freeing, overwrites it, so a
// build without ASan fails too. Passing an owning Array through is zero-copy: the output
// shares its refcounted storage and keeps it alive.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <memory>
#include <vector>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::arrays_close;

// A heap buffer the test frees after the call: the caller's memory behind a view.
struct CallerBuffer {
  explicit CallerBuffer(std::vector<double> values)
      : n(values.size()), data(std::make_unique<double[]>(values.size())) {
    for (std::size_t i = 0; i < n; ++i) data[i] = values[i];
  }
  Array view(Shape shape) const { return Array::view(data.get(), std::move(shape)); }
  // Overwrites, then frees: the outputs must not change (nor read freed memory).
  void clobber_and_free() {
    for (std::size_t i = 0; i < n; ++i) data[i] = -999.0;
    data.reset();
  }
  std::size_t n;
  std::unique_ptr<double[]> data;
};

const std::vector<double> kValues{1.5, -2.0, 3.25, 4.0, 5.5, -6.75};

// Calls f (once eager, once jitted) on a view of kValues of `shape`, frees the buffer,
// then checks every output against `expected` (computed from an owning copy).
void check_outputs_survive(const Fn& f, const Shape& shape) {
  const Array owning = Array::from(kValues, shape);
  const std::vector<Array> expected = f(owning).arrays();
  for (const Fn& g : {f, jit(f)}) {
    CallerBuffer buf(kValues);
    Outputs out = g(buf.view(shape));
    ASSERT_EQ(out.size(), expected.size());
    for (const Array& a : out) {
      EXPECT_FALSE(a.is_view());
      EXPECT_NE(a.raw(), static_cast<const void*>(buf.data.get()));
    }
    buf.clobber_and_free();
    for (std::size_t i = 0; i < out.size(); ++i) {
      SCOPED_TRACE("output " + std::to_string(i));
      EXPECT_TRUE(arrays_close(out[i], expected[i], 0));
    }
  }
}

TEST(OutputOwnership, IdentityOfAViewIsCopied) {
  check_outputs_survive(fn([](Value x) { return x; }), {6});
}

TEST(OutputOwnership, TimesOneSimplifiedAwayIsCopied) {
  check_outputs_survive(fn([](Value x) { return x * 1.0; }), {6});
  check_outputs_survive(fn([](Value x) { return x + 0.0 * 1.0; }), {2, 3});
}

TEST(OutputOwnership, ReshapeOfAViewIsCopied) {
  check_outputs_survive(fn([](Value x) { return reshape(x, {3, 2}); }), {6});
  check_outputs_survive(fn([](Value x) { return reshape(x, {-1}); }), {2, 3});
  check_outputs_survive(fn([](Value x) { return squeeze(expand_dims(x, 0), {0}); }), {2, 3});
}

TEST(OutputOwnership, SeveralOutputsEachOwnTheirData) {
  check_outputs_survive(fn([](Value x) {
                          return std::make_tuple(x, x * 1.0, reshape(x, {2, 3}), x + 1.0, x);
                        }),
                        {6});
}

TEST(OutputOwnership, VmapOfIdentityAndJitOfVmap) {
  Fn id = fn([](Value x) { return x; });
  check_outputs_survive(vmap(id), {2, 3});
  check_outputs_survive(vmap(id, 1, 1), {2, 3});
  check_outputs_survive(vmap(fn([](Value x) { return std::make_tuple(x, x * 1.0); })), {3, 2});
}

TEST(OutputOwnership, PmapOfIdentity) {
  Fn id = fn([](Value x) { return x; });
  check_outputs_survive(pmap(id, "i", 0, 0, cpu_devices(2)), {2, 3});
  // y is not mapped in or out: every replica sees the whole view and returns it.
  Fn pass = fn([](Value x, Value y) { return std::make_tuple(x * 2.0, y); });
  Fn p = pmap(pass, "i", {0, none}, {0, none}, cpu_devices(2));
  for (const Fn& g : {p, jit(p)}) {
    CallerBuffer buf(kValues);
    Outputs out = g(Array::from(std::vector<double>{1, 2}), buf.view({6}));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_FALSE(out[1].is_view());
    buf.clobber_and_free();
    EXPECT_TRUE(arrays_close(out[1], Array::from(kValues), 0));
    EXPECT_TRUE(arrays_close(out[0], Array::from(std::vector<double>{2, 4}), 0));
  }
}

TEST(OutputOwnership, GradAndVjpOutputs) {
  // value_and_grad of a function returning its input unchanged as an auxiliary value is
  // not expressible; vjp's primal output is f(x) itself.
  Fn id = fn([](Value x) { return x; });
  CallerBuffer buf(kValues);
  VjpResult r = vjp(id, {buf.view({6})});
  buf.clobber_and_free();
  EXPECT_TRUE(arrays_close(r.outputs[0], Array::from(kValues), 0));
  // The pullback of x * x reads its saved primal x: it must have been copied too (a
  // clobbered primal would give -999-based cotangents).
  Fn square = fn([](Value x) { return x * x; });
  CallerBuffer held(kValues);
  VjpResult sq = vjp(square, {held.view({6})});
  held.clobber_and_free();
  std::vector<double> want;
  for (double v : kValues) want.push_back(2 * v * 3.0);
  EXPECT_TRUE(
      arrays_close(sq.pullback(Array::from(std::vector<double>(6, 3.0)))[0], Array::from(want), 0));
}

TEST(OutputOwnership, OwningArgumentsPassThroughWithoutACopyAndStayAlive) {
  Fn id = fn([](Value x) { return std::make_tuple(x, reshape(x, {2, 3})); });
  for (const Fn& g : {id, jit(id)}) {
    Outputs out;
    const void* storage = nullptr;
    {
      Array x = Array::from(kValues);
      storage = x.raw();
      out = g(x);
    }  // the caller's handle is gone; the outputs hold the storage
    EXPECT_EQ(out[0].raw(), storage);
    EXPECT_FALSE(out[0].is_view());
    EXPECT_TRUE(arrays_close(out[0], Array::from(kValues), 0));
    EXPECT_TRUE(arrays_close(out[1], Array::from(kValues, {2, 3}), 0));
  }
}

TEST(OutputOwnership, ComputedOutputsOfViewsAreFreshAndViewsAreReadAtCallTime) {
  Fn f = jit(fn([](Value x) { return x * 2.0; }));
  CallerBuffer buf(kValues);
  Array v = buf.view({6});
  Array first = f(v);
  buf.data[0] = 100.0;  // the next call reads the new value
  Array second = f(v);
  buf.clobber_and_free();
  EXPECT_EQ(first.data<double>()[0], 3.0);
  EXPECT_EQ(second.data<double>()[0], 200.0);
}

}  // namespace
}  // namespace lanes
