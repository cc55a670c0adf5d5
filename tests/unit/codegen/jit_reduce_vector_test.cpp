// Full reductions along the vector axis (engine/lower/split_reduction.h): jit against the
// interpreter at forced widths 1, 2, 4, 8, 16 and sizes around the 16 lanes and the chunk
// size, for sum, prod, max, min, argmax and argmin (ties, NaN), with f64, f32 and
// integers; and the promise that the result does not depend on the width, the thread
// pool or the run.
//
// Tolerances: max/min/argmax/argmin and integer sums are exact. A float sum's summation
// order differs from the interpreter's left-to-right one; each is within
// (n - 1) * eps * sum|x_i| of the exact sum, so they agree within 2 n eps sum|x_i| (plus
// the per-term error of vector math: 1 ULP of each term for sin). A product of n factors
// likewise agrees within 2 n eps |prod|.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/lower/lower.h"
#include "engine/lower/split_reduction.h"
#include "frontend/fn_impl.h"

namespace lanes {
namespace {

constexpr int kWidths[] = {1, 2, 4, 8, 16};
// Around the lanes (16), around a chunk (16 * Q elements) with and without a rest.
constexpr std::int64_t kSizes[] = {3, 15, 16, 17, 33, 129, 2049, 32771};

double eps(DType t) { return t == DType::F32 ? 0x1p-24 : 0x1p-53; }

Array wave(DType t, std::int64_t n, double scale = 0.37, double amp = 3.0) {
  Array a = Array::empty(t, {n});
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < n; ++i) {
      double v = std::sin(scale * static_cast<double>(i + 1)) * amp;
      if constexpr (std::is_integral_v<T>) {
        p[i] = static_cast<T>(std::lround(v * 1000));
      } else {
        p[i] = static_cast<T>(v);
      }
    }
  });
  return a;
}

double scalar(const Array& a) { return a.element_as_double(0); }
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

JitOptions width(int w) {
  JitOptions o;
  o.vector_width = w;
  return o;
}

// jit(f)(x) against f(x) interpreted, at every width, output by output: exact (NaN
// equal to NaN) where tol[k] is 0, else |got - want| <= tol[k].
// The jitted functions are kept per (f, width) so that each signature compiles once.
void check(const Fn& f, const Array& x, const std::vector<double>& tol) {
  static std::map<std::pair<const void*, int>, Fn> jitted;
  Outputs want = f(x);
  ASSERT_EQ(want.size(), tol.size());
  for (int w : kWidths) {
    auto [it, fresh] = jitted.try_emplace({f.impl().get(), w});
    if (fresh) it->second = jit(f, width(w));
    Outputs got = it->second(x);
    for (std::size_t k = 0; k < tol.size(); ++k) {
      double g = scalar(got[k]), e = scalar(want[k]);
      SCOPED_TRACE("n = " + std::to_string(x.size()) + ", width " + std::to_string(w) +
                   ", output " + std::to_string(k));
      ASSERT_EQ(got[k].dtype(), want[k].dtype());
      if (tol[k] == 0) {
        EXPECT_TRUE(same_bits(g, e) || (std::isnan(g) && std::isnan(e)))
            << "got " << g << ", want " << e;
      } else {
        EXPECT_NEAR(g, e, tol[k]);
      }
    }
  }
}

double sum_abs(const Array& x, double (*term)(double)) {
  double s = 0;
  for (std::int64_t i = 0; i < x.size(); ++i) s += std::fabs(term(x.element_as_double(i)));
  return s;
}

TEST(JitReduceVector, SumsOfSquaresAndSines) {
  Fn f = fn([](Value x) { return std::make_tuple(sum(x * x), sum(sin(x))); });
  for (DType t : {DType::F64, DType::F32}) {
    for (std::int64_t n : kSizes) {
      Array x = wave(t, n);
      const double nn = static_cast<double>(n);
      // The sums' rounding; plus 1 ULP of sin per term (docs/precision.md).
      check(
          f, x,
          {2.0 * nn * eps(t) * sum_abs(x, [](double v) { return v * v; }) + 1e-300,
           (2.0 * nn + 2.0) * eps(t) * sum_abs(x, [](double v) { return std::sin(v); }) + 1e-300});
    }
  }
}

// The tolerance above (2 n eps sum|x|) would hide a dropped tail element of f32 data.
// Small positive integers as f32 sum exactly in any order (every partial sum stays below
// 2^24), so here each width must give the exact sum bit for bit, computed in integers;
// every element is at least 1, so a lost or doubled element changes the result.
TEST(JitReduceVector, ExactF32SumsOfSmallIntegersAtEveryWidth) {
  Fn f = fn([](Value x) { return std::make_tuple(sum(x), sum(x * x)); });
  for (std::int64_t n : kSizes) {
    Array x = Array::empty(DType::F32, {n});
    std::int64_t want = 0, want_sq = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t v = 1 + (i * 7) % 5;  // 1..5
      x.mutable_data<float>()[static_cast<std::size_t>(i)] = static_cast<float>(v);
      want += v;
      want_sq += v * v;
    }
    ASSERT_LT(want_sq, std::int64_t{1} << 24);
    for (int w : kWidths) {
      SCOPED_TRACE("n = " + std::to_string(n) + ", width " + std::to_string(w));
      Outputs got = jit(f, width(w))(x);
      ASSERT_EQ(got[0].dtype(), DType::F32);
      EXPECT_EQ(got[0].data<float>()[0], static_cast<float>(want));
      EXPECT_EQ(got[1].data<float>()[0], static_cast<float>(want_sq));
    }
  }
}

TEST(JitReduceVector, ProdMaxMinAndIntegerSums) {
  Fn f = fn([](Value x) { return std::make_tuple(prod(1.0 + 0.001 * x), max(x), min(x * 2.0)); });
  Fn ints = fn([](Value x) { return std::make_tuple(sum(x), max(x), min(x)); });
  for (std::int64_t n : kSizes) {
    Array x = wave(DType::F64, n);
    double p = scalar(Outputs(f(x))[0]);
    check(f, x, {4.0 * static_cast<double>(n) * eps(DType::F64) * std::fabs(p), 0, 0});
  }
  for (std::int64_t n : {15, 17, 2049}) {
    check(ints, wave(DType::I32, n), {0, 0, 0});
    check(ints, wave(DType::I64, n), {0, 0, 0});
  }
}

TEST(JitReduceVector, ArgmaxArgminFirstIndex) {
  Fn f = fn([](Value x) { return std::make_tuple(argmax(x, 0), argmin(x, 0)); });
  for (std::int64_t n : kSizes) {
    // Small integers: the extreme values repeat in many lanes and chunks.
    Array x = wave(DType::F64, n, 1.3, 3.0);
    for (std::int64_t i = 0; i < n; ++i) {
      x.mutable_data<double>()[i] = std::round(x.data<double>()[i]);
    }
    check(f, x, {0, 0});
  }
  for (std::int64_t n : {17, 2049}) check(f, wave(DType::I32, n, 1.3, 0.002), {0, 0});
  // Ties in different lanes: the first index wins, not the first lane.
  std::vector<double> v(100, 0.0);
  v[17] = 5.0;  // lane 1 of chunk 0
  v[2] = 5.0;   // lane 2 of chunk 0
  v[90] = 5.0;
  v[40] = -4.0;
  v[7] = -4.0;
  Array x = Array::from(v);
  for (int w : kWidths) {
    Outputs r = jit(f, width(w))(x);
    EXPECT_EQ(scalar(r[0]), 2.0) << w;
    EXPECT_EQ(scalar(r[1]), 7.0) << w;
  }
}

TEST(JitReduceVector, NaNSemanticsAsTheInterpreter) {
  Fn f = fn(
      [](Value x) { return std::make_tuple(argmax(x, 0), argmin(x, 0), max(x), min(x), sum(x)); });
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::int64_t n : {17, 5000}) {
    for (std::int64_t first : {std::int64_t{3}, n / 2, n - 1}) {
      Array x = wave(DType::F64, n);
      x.mutable_data<double>()[first] = nan;
      if (first + 5 < n) x.mutable_data<double>()[first + 5] = nan;
      if (first > 20) x.mutable_data<double>()[first - 3] = 1e9;  // a large number too
      check(f, x, {0, 0, 0, 0, 0});
      Outputs r = jit(f)(x);
      EXPECT_EQ(scalar(r[0]), static_cast<double>(first));  // the first NaN
      EXPECT_EQ(scalar(r[1]), static_cast<double>(first));
      EXPECT_TRUE(std::isnan(scalar(r[2])));
    }
  }
}

// A 2-D full reduction splits its innermost axis; the rows are folded inside each lane.
TEST(JitReduceVector, TwoDimensionalFullReduction) {
  Fn f = fn([](Value x) { return sum(x * 0.5); });
  for (Shape s : {Shape{3, 1000}, Shape{40, 17}, Shape{100, 3}, Shape{5, 1, 70}}) {
    Array x = Array::empty(DType::F64, s);
    Array flat = wave(DType::F64, x.size());
    std::memcpy(x.raw(), flat.raw(), static_cast<std::size_t>(x.size()) * sizeof(double));
    double bound = static_cast<double>(x.size()) * eps(DType::F64) * sum_abs(flat, std::fabs);
    double want = scalar(f(x));
    for (int w : kWidths) EXPECT_NEAR(scalar(jit(f, width(w))(x)), want, bound);
  }
}

// The summation order is fixed by the shape: the same bits at every width, with and
// without the thread pool, run after run.
TEST(JitReduceVector, DeterministicAcrossWidthsThreadsAndRuns) {
  Fn f = fn([](Value x) { return sum(x * x) + max(x); });
  Array x = wave(DType::F64, 1000003, 0.0123, 1.0);
  double first = scalar(jit(f)(x));
  for (int w : kWidths) {
    JitOptions o = width(w);
    for (bool parallel : {true, false}) {
      o.parallel = parallel;
      Fn j = jit(f, o);
      for (int run = 0; run < 3; ++run) {
        EXPECT_TRUE(same_bits(scalar(j(x)), first)) << "width " << w << " parallel " << parallel;
      }
    }
  }
}

// The lowering really splits: a partials kernel over [groups, 16], the lanes kernel and a
// fold kernel.
TEST(JitReduceVector, LoweringSplitsLargeFullReductions) {
  Fn f = fn([](Value x) { return sum(x * x); });
  const std::int64_t n = 100000;
  internal::GraphRef g = f.impl()->graph_for({internal::AbstractValue{DType::F64, {n}}});
  internal::loop::Program p = internal::lower_to_loops(*g, JitOptions{});
  ASSERT_EQ(p.steps.size(), 3u) << p.to_string();  // partials, lanes, fold
  const auto& k1 = std::get<internal::loop::Kernel>(p.steps[0]);
  ASSERT_EQ(k1.extents.size(), 2u);
  EXPECT_EQ(k1.extents[1], 16);
  EXPECT_EQ(k1.extents[0], internal::lower::split_extent(n).groups);
  EXPECT_EQ(k1.extents[0], 97);  // 100000 / (16 * 64)
  EXPECT_NE(k1.name.find("partials"), std::string::npos) << k1.name;
  // The partials kernel accumulates in vector registers: <4 x double> loads and adds.
  std::string ir = jit(f, width(4)).llvm_ir({wave(DType::F64, n)});
  EXPECT_NE(ir.find("load <4 x double>"), std::string::npos);
  EXPECT_NE(ir.find("fadd <4 x double>"), std::string::npos);
  // Below 16 elements the reduction stays one scalar loop.
  internal::GraphRef small = f.impl()->graph_for({internal::AbstractValue{DType::F64, {15}}});
  EXPECT_EQ(internal::lower_to_loops(*small, JitOptions{}).steps.size(), 1u);
}

}  // namespace
}  // namespace lanes
