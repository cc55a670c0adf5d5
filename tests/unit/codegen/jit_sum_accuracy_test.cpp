// Accuracy of float sums under jit (docs/precision.md, "Reductions"): blocks of 32 terms
// in four chains with compensated block totals (KernelBuilder::emit_blocked_sum) in full
// reductions split over the pool (engine/lower/split_reduction.h, partials joining
// compensated totals) and in sums along other axes than the last, against exact integers
// and a long double reference, within the documented bounds
//   full sums:              |jit - exact| <= 18 u sum |x_i|
//   sums along other axes:  |jit - exact| <= 12 u sum |x_i|  (more than 128 terms)
// (u = 2^-24 for f32, 2^-53 for f64), at every width, with and without the pool (their
// bits: jit_lane_sum_test.cpp); and the bound on a split reduction's partial states.
//
// The failures this guards against (issue 20): a sequential fold of one accumulator
// stops growing by 1 at 2^24 in f32, so jit(sum) of 2e7 ones gave 19,996,672 and of
// 1e7 x 0.1f gave 1,000,415.6.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "engine/lower/lower.h"
#include "engine/lower/split_reduction.h"
#include "frontend/fn_impl.h"

namespace lanes {
namespace {

namespace lo = internal::lower;

constexpr int kWidths[] = {1, 2, 4, 8, 16};

double unit_roundoff(DType t) { return t == DType::F32 ? 0x1p-24 : 0x1p-53; }

// The documented bound of a full sum of terms whose absolute values sum to `abs_sum`.
double sum_bound(DType t, double abs_sum) { return 18.0 * unit_roundoff(t) * abs_sum; }
// That of a sum along another axis than the last, of more than kSumBlock terms.
double axis_bound(DType t, double abs_sum) { return 12.0 * unit_roundoff(t) * abs_sum; }

JitOptions opts(int width, bool parallel) {
  JitOptions o;
  o.vector_width = width;
  o.parallel = parallel;
  return o;
}

Array filled_f32(std::int64_t n, float v) {
  return Array::from(std::vector<float>(static_cast<std::size_t>(n), v));
}

// x_i = fract(i * golden) in [0, 1) as T: deterministic, no pattern that sums exactly.
template <class T>
std::vector<T> uniform(std::int64_t n, double offset = 0) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    v[static_cast<std::size_t>(i)] = static_cast<T>(g - std::floor(g) + offset);
  }
  return v;
}

template <class T>
long double exact_sum(const std::vector<T>& v, long double* abs_sum) {
  long double s = 0, a = 0;
  for (T x : v) {
    s += x;
    a += std::fabs(static_cast<long double>(x));
  }
  *abs_sum = a;
  return s;
}

// The numbers: 2e7 and 3e7 f32 ones sum exactly (both are f32 values), their
// mean is 1, with the pool and without.
TEST(JitSumAccuracy, F32OnesSumExactly) {
  Fn s = fn([](Value x) { return sum(x); });
  Fn m = fn([](Value x) { return mean(x); });
  const Array x2 = filled_f32(20000000, 1.0f);
  EXPECT_EQ(jit(s)(x2).data<float>()[0], 2e7f);
  EXPECT_EQ(jit(s, opts(0, false))(x2).data<float>()[0], 2e7f);
  EXPECT_EQ(jit(m)(x2).data<float>()[0], 1.0f);
  EXPECT_EQ(jit(s)(filled_f32(30000000, 1.0f)).data<float>()[0], 3e7f);
}

// 1e7 x 0.1f: the exact sum of the f32 values (1,000,000.0149) within the bound
// (about 10 here; the sequential fold was 415 off, the blocks are 0.92 off).
TEST(JitSumAccuracy, F32TenthsWithinBound) {
  Fn s = fn([](Value x) { return sum(x); });
  const std::int64_t n = 10000000;
  const double exact = static_cast<double>(n) * static_cast<double>(0.1f);
  const double got = jit(s)(filled_f32(n, 0.1f)).data<float>()[0];
  EXPECT_LE(std::fabs(got - exact), sum_bound(DType::F32, exact)) << "got " << got;
}

// Random-like data at every width, with and without the pool, for sizes that exercise
// one group, many groups, the rows of the rest that the lanes kernel folds, and the
// last elements: the documented bound against a long double sum.
TEST(JitSumAccuracy, FullSumsAtEveryWidthWithinBound) {
  Fn s = fn([](Value x) { return sum(x); });
  for (std::int64_t n : {std::int64_t{1000}, std::int64_t{70001}, std::int64_t{1234567}}) {
    const std::vector<float> v = uniform<float>(n);
    const std::vector<double> vd = uniform<double>(n, 1e8);  // large, so f64 rounds too
    long double abs_f = 0, abs_d = 0;
    const long double want_f = exact_sum(v, &abs_f), want_d = exact_sum(vd, &abs_d);
    const Array xf = Array::from(v), xd = Array::from(vd);
    for (int w : kWidths) {
      for (bool parallel : {true, false}) {
        SCOPED_TRACE("n " + std::to_string(n) + " width " + std::to_string(w) +
                     (parallel ? " pool" : " serial"));
        const double gf = jit(s, opts(w, parallel))(xf).data<float>()[0];
        EXPECT_LE(std::fabs(gf - static_cast<double>(want_f)),
                  sum_bound(DType::F32, static_cast<double>(abs_f)));
        const double gd = jit(s, opts(w, parallel))(xd).data<double>()[0];
        EXPECT_LE(std::fabs(gd - static_cast<double>(want_d)),
                  sum_bound(DType::F64, static_cast<double>(abs_d)));
      }
    }
  }
}

// Per-element reductions (no split): along the inner axis, along the outer axis, and
// under vmap; each result element within the bound of its own terms.
TEST(JitSumAccuracy, AxisSumsAndVmapWithinBound) {
  const std::int64_t rows = 3, cols = 200003;
  const std::vector<float> v = uniform<float>(rows * cols);
  Array x = Array::from(v).reshaped({rows, cols});
  Array xt = Array::from(v).reshaped({cols, rows});
  Fn inner = fn([](Value a) { return sum(a, {1}); });
  Fn outer = fn([](Value a) { return sum(a, {0}); });
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  Fn row_mean = vmap(fn([](Value r) { return mean(r); }));
  for (int w : kWidths) {
    SCOPED_TRACE("width " + std::to_string(w));
    const Array gi = jit(inner, opts(w, true))(x);
    const Array gv = jit(per_row, opts(w, true))(x);
    const Array gm = jit(row_mean, opts(w, true))(x);
    const Array go = jit(outer, opts(w, true))(xt);
    for (std::int64_t r = 0; r < rows; ++r) {
      long double want = 0, want_t = 0, abs_t = 0;
      for (std::int64_t c = 0; c < cols; ++c) {
        want += v[static_cast<std::size_t>(r * cols + c)];
        const float t = v[static_cast<std::size_t>(c * rows + r)];
        want_t += t;
        abs_t += std::fabs(t);
      }
      const double bound = sum_bound(DType::F32, static_cast<double>(want));  // terms >= 0
      EXPECT_LE(std::fabs(gi.data<float>()[r] - static_cast<double>(want)), bound) << r;
      EXPECT_LE(std::fabs(gv.data<float>()[r] - static_cast<double>(want)), bound) << r;
      EXPECT_LE(std::fabs(gm.data<float>()[r] - static_cast<double>(want / cols)),
                bound / static_cast<double>(cols) + 0x1p-24)
          << r;
      EXPECT_LE(std::fabs(go.data<float>()[r] - static_cast<double>(want_t)),
                axis_bound(DType::F32, static_cast<double>(abs_t)))
          << r;
    }
  }
}

// Integer sums stay exact (wrapping) and inf / NaN propagate as in a plain sum: the
// compensation restarts where the running sum is not finite.
TEST(JitSumAccuracy, IntegerSumsExactAndSpecialValuesPropagate) {
  Fn s = fn([](Value x) { return sum(x); });
  const std::int64_t n = 300007;
  std::vector<std::int32_t> iv(static_cast<std::size_t>(n));
  std::int64_t want = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    iv[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919) % 100003);
    want += iv[static_cast<std::size_t>(i)];
  }
  for (int w : kWidths) {
    const Array got = jit(s, opts(w, true))(Array::from(iv));
    EXPECT_EQ(got.data<std::int32_t>()[0],
              static_cast<std::int32_t>(static_cast<std::uint32_t>(want)))
        << w;
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (std::int64_t at : {std::int64_t{0}, std::int64_t{5000}, n - 1}) {
    std::vector<float> v = uniform<float>(n);
    v[static_cast<std::size_t>(at)] = inf;
    EXPECT_EQ(jit(s)(Array::from(v)).data<float>()[0], inf) << at;
    v[static_cast<std::size_t>((at + 77) % n)] = -inf;
    EXPECT_TRUE(std::isnan(jit(s)(Array::from(v)).data<float>()[0])) << at;
  }
  // Overflow to inf (f32 max + max) stays inf, not NaN.
  std::vector<float> big(1000, std::numeric_limits<float>::max());
  EXPECT_EQ(jit(s)(Array::from(big)).data<float>()[0], inf);
  std::vector<float> row(1000, std::numeric_limits<float>::max());
  Fn rows = fn([](Value x) { return sum(x, {1}); });
  EXPECT_EQ(jit(rows)(Array::from(row).reshaped({1, 1000})).data<float>()[0], inf);
}

// The split keeps at most kMaxGroups * 16 + 16 partial states for any size (issue 20,
// item 6: sum(iota(2^36)) used to keep N / 32 bytes), and covers every element once.
TEST(JitSumAccuracy, SplitPartialsAreBounded) {
  for (std::int64_t n : {std::int64_t{16}, std::int64_t{17}, std::int64_t{1023}, std::int64_t{1024},
                         std::int64_t{70001}, std::int64_t{1} << 20, std::int64_t{100000007},
                         std::int64_t{1} << 36, std::int64_t{1} << 45}) {
    const lo::ReductionSplit s = lo::split_extent(n);
    SCOPED_TRACE(n);
    EXPECT_GE(s.groups, 1);
    EXPECT_LE(s.groups, lo::kMaxGroups);
    EXPECT_GE(s.per_lane, 1);
    EXPECT_LT(s.rest, lo::kSplitLanes);
    EXPECT_EQ(s.groups * lo::kSplitLanes * s.per_lane + s.lane_rest * lo::kSplitLanes + s.rest, n);
    if (s.groups == 1) {
      EXPECT_EQ(s.lane_rest, 0);
    }
    EXPECT_LT(s.lane_rest, std::max<std::int64_t>(s.groups, 1));
  }
  // The lowered program of a fused sum(iota(2^36)) (never run): its temporaries are the
  // partials, a few KiB.
  Fn f = fn([](Value x) { return sum(iota(DType::I64, {std::int64_t{1} << 36})) + x; });
  internal::GraphRef g = f.impl()->graph_for({internal::AbstractValue{DType::I64, {}}});
  internal::loop::Program p = internal::lower_to_loops(*g, JitOptions{});
  std::int64_t temp_bytes = 0;
  for (const auto& b : p.buffers) {
    if (b.kind != internal::loop::BufferKind::Temp) continue;
    std::int64_t size = 1;
    for (std::int64_t d : b.shape) size *= d;
    temp_bytes += size * static_cast<std::int64_t>(dtype_size(b.dtype));
  }
  // (and the scalar sum before "+ x").
  EXPECT_LE(temp_bytes, (lo::kMaxGroups + 1) * lo::kSplitLanes * 8 + 8) << p.to_string();
  // A moderate fused iota sum runs and is exact: sum_{i < n} i = n (n - 1) / 2.
  const std::int64_t n = 5000011;
  Fn h = fn([](Value x) { return sum(iota(DType::I64, {5000011})) + x; });
  const Array zero = Array::from(std::vector<std::int64_t>{0}, Shape{});
  EXPECT_EQ(jit(h)(zero).data<std::int64_t>()[0], n * (n - 1) / 2);
}

}  // namespace
}  // namespace lanes
