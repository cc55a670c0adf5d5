// Reductions that run in SIMD along their own loop (codegen/cpu/inner_vectorization.h):
// under vmap, a per-element function that reduces a row of its argument would gather the
// row with the batch as the lanes; the CPU backend runs the batch one element at a time
// and the reduction in vector registers instead.
//
// Checked: the compiled code takes that shape only where it should (the reduction of a
// gathered row; not argmax, not a user's scan, not a row whose batch is contiguous,
// not at a forced vector width), and its results agree with the interpreter and with a
// loop of per-element calls. A reordered float sum of k terms is within
// (k - 1) eps sum|terms| of the exact sum, as is the interpreter's sequential one, so the
// two agree within 2 k eps sum|terms|; sum|terms| is the same function of |inputs|.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstring>
#include <string>

#include "test_util.h"

namespace lanes {
namespace {

Array wave(DType t, Shape shape, double scale, double phase) {
  Array a = Array::empty(t, shape);
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double v = std::sin(scale * static_cast<double>(i) + phase) * 1.7;
    if (t == DType::F32) {
      static_cast<float*>(a.raw())[i] = static_cast<float>(v);
    } else {
      static_cast<double*>(a.raw())[i] = v;
    }
  }
  return a;
}

Array abs_of(const Array& a) {
  return fn([](Value x) { return abs(x); })(a);
}

bool same_bits(const Array& a, const Array& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(),
                     static_cast<std::size_t>(a.size()) * dtype_size(a.dtype())) == 0;
}

// got vs want element by element, within 2 (terms + 1) eps abs_sum[i].
::testing::AssertionResult within_sum_bound(const Array& got, const Array& want,
                                            const Array& abs_sum, std::int64_t terms) {
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) {
    return ::testing::AssertionFailure() << "shape or dtype differs";
  }
  const double eps = got.dtype() == DType::F32 ? 0x1p-24 : 0x1p-53;
  for (std::int64_t i = 0; i < got.size(); ++i) {
    const double g = got.element_as_double(i), w = want.element_as_double(i);
    const double bound = 2.0 * static_cast<double>(terms + 1) * eps * abs_sum.element_as_double(i);
    if (!(std::fabs(g - w) <= bound)) {
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << g << ", want " << w << ", bound " << bound;
    }
  }
  return ::testing::AssertionSuccess();
}

bool reassociates(const Fn& f, const std::vector<Arg>& args) {
  return f.llvm_ir(args).find("reassoc") != std::string::npos;
}

// sum(outer(v, v) * W) per batch element, the benchmark's large-intermediate case.
Fn outer_quadratic() {
  return fn([](Value v, Value w) { return sum(outer(v, v) * w); });
}

class InnerReduction : public ::testing::TestWithParam<DType> {};

TEST_P(InnerReduction, VmappedQuadraticFormMatchesThePerElementLoop) {
  const DType t = GetParam();
  // K = 100: not a multiple of any vector width (the vectorized loop has a remainder);
  // batch 37: odd, so a thread split or width would show at the edges.
  const std::int64_t batch = 37, k = 100;
  Array vs = wave(t, {batch, k}, 0.37, 0.1);
  Array w = wave(t, {k, k}, 0.11, 0.7);
  Fn f = outer_quadratic();
  Fn compiled = jit(vmap(f, {0, none}));
  EXPECT_TRUE(reassociates(compiled, {vs, w}));
  Array got = compiled(vs, w);
  Array want = vmap(f, {0, none})(vs, w);
  Array abs_sum = vmap(f, {0, none})(abs_of(vs), abs_of(w));
  EXPECT_TRUE(within_sum_bound(got, want, abs_sum, k * k));
  // Against a loop of per-element calls of the unbatched function.
  for (std::int64_t b = 0; b < batch; b += 9) {
    Array row = fn([b, k](Value x) { return reshape(slice(x, {b, 0}, {b + 1, k}), {k}); })(vs);
    Array one = f(row, w);
    const double e = one.element_as_double(0);
    EXPECT_NEAR(
        got.element_as_double(b), e,
        2.0 * (k * k + 1) * (t == DType::F32 ? 0x1p-24 : 0x1p-53) * abs_sum.element_as_double(b))
        << "batch element " << b;
  }
}

TEST_P(InnerReduction, VmappedMatrixVectorProductMatchesTheInterpreter) {
  const DType t = GetParam();
  const std::int64_t batch = 19, k = 67, rows = 5;
  Array xs = wave(t, {batch, k}, 0.29, 0.3);
  Array w = wave(t, {rows, k}, 0.13, 1.1);
  Fn mv = fn([](Value m, Value x) { return dot(m, x); });
  Fn compiled = jit(vmap(mv, {none, 0}));
  EXPECT_TRUE(reassociates(compiled, {w, xs}));
  Array got = compiled(w, xs);
  EXPECT_EQ(got.shape(), (Shape{batch, rows}));
  EXPECT_TRUE(within_sum_bound(got, vmap(mv, {none, 0})(w, xs),
                               vmap(mv, {none, 0})(abs_of(w), abs_of(xs)), k));
}

INSTANTIATE_TEST_SUITE_P(Floats, InnerReduction, ::testing::Values(DType::F64, DType::F32),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(InnerReduction, IntegerRowSumsAreExact) {
  const std::int64_t batch = 23, k = 250;
  Array xs = Array::empty(DType::I64, {batch, k});
  for (std::int64_t i = 0; i < xs.size(); ++i) {
    static_cast<std::int64_t*>(xs.raw())[i] = (i * 7919) % 1001 - 500;
  }
  Fn f = fn([](Value x) { return sum(x * x); });
  EXPECT_TRUE(same_bits(jit(vmap(f))(xs), vmap(f)(xs)));
}

// Where the order of a reduction must stay the interpreter's, or where the batch is
// already contiguous, the kernel keeps the batch as its lanes (bit-identical, except
// that a float sum of more than 128 terms is summed in blocks).
TEST(InnerReduction, KeepsTheBatchAsLanesWhereReorderingIsNotAllowedOrNotNeeded) {
  const std::int64_t batch = 21, k = 90;
  Array vs = wave(DType::F64, {batch, k}, 0.37, 0.1);
  Array w = wave(DType::F64, {k, k}, 0.11, 0.7);

  // The user's loop: its order is the program's.
  Fn looped = fn([](Value v) {
    auto [total, ys] = scan([](Value c, Value x) { return std::make_pair(c + x * x, x); }, 0.0, v);
    return total;
  });
  EXPECT_FALSE(reassociates(jit(vmap(looped)), {vs}));
  EXPECT_TRUE(same_bits(jit(vmap(looped))(vs), vmap(looped)(vs)));

  // argmax keeps the first of equal values.
  Fn arg = fn([](Value v) { return argmax(v * v, 0); });
  EXPECT_FALSE(reassociates(jit(vmap(arg)), {vs}));
  EXPECT_TRUE(same_bits(jit(vmap(arg))(vs), vmap(arg)(vs)));

  // Batch along the last axis: loads are already contiguous across lanes.
  Array columns = fn([](Value x) { return transpose(x, {1, 0}); })(vs);
  Fn f = outer_quadratic();
  EXPECT_FALSE(reassociates(jit(vmap(f, {1, none})), {columns, w}));
  // Its k * k = 8100 terms are summed in blocks (docs/precision.md, Reductions): within
  // 130 u sum|t| of the exact sum, the interpreter's left-to-right fold within 8099 u
  // sum|t|, |t| <= 0.1 * 0.1 * 0.7.
  const double tol = (130.0 + k * k) * 0x1p-53 * (0.1 * 0.1 * 0.7) * k * k;
  EXPECT_TRUE(testing::arrays_close(jit(vmap(f, {1, none}))(columns, w),
                                    vmap(f, {1, none})(columns, w), 0, tol));

  // Vector math in the reduction: the batch lanes keep their vector sin (a scalar loop
  // of sin calls would be slower than the gathers).
  Fn sines = fn([](Value v) { return sum(sin(v) * v); });
  EXPECT_FALSE(reassociates(jit(vmap(sines)), {vs}));
  EXPECT_TRUE(testing::arrays_close(jit(vmap(sines))(vs), vmap(sines)(vs), 4 * k));

  // A forced vector width keeps the vector axis (the width-sweeping tests rely on it).
  JitOptions forced;
  forced.vector_width = 8;
  EXPECT_FALSE(reassociates(jit(vmap(f, {0, none}), forced), {vs, w}));
  EXPECT_TRUE(testing::arrays_close(jit(vmap(f, {0, none}), forced)(vs, w),
                                    vmap(f, {0, none})(vs, w), 0, tol));
}

// dot_general without a contracting dimension is a plain product in both the
// interpreter and the jit (no 0 + x, which would turn -0 into +0).
TEST(InnerReduction, OuterProductKeepsNegativeZero) {
  Array a = Array::from(std::vector<double>{-0.0, 2.0});
  Array b = Array::from(std::vector<double>{1.0, -0.0});
  Fn f = fn([](Value x, Value y) { return outer(x, y); });
  const Array interpreted = f(a, b), compiled = jit(f)(a, b);
  for (const Array& r : {interpreted, compiled}) {
    EXPECT_TRUE(std::signbit(r.element_as_double(0)));   // -0 * 1
    EXPECT_FALSE(std::signbit(r.element_as_double(1)));  // -0 * -0
    EXPECT_TRUE(std::signbit(r.element_as_double(3)));   // 2 * -0
  }
}

}  // namespace
}  // namespace lanes
