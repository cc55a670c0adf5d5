// Long float sums along a row (KernelBuilder::emit_lane_sum, loop::Op::lanes): k lanes
// (64 for f32, 32 for f64) each add their terms in blocks of 16 rows (two sums of 8) into a
// compensated total, and the lane totals are folded pairwise; docs/precision.md states
//   |jit - exact| <= (11 + log2 k) u sum|x_i| = 17 u (f32), 16 u (f64).
//
// Checked: the lowering makes a lane loop exactly for float sums along the operand's last
// axis of more than kSumBlock terms; the CPU runs it in SIMD along its lanes (default
// width) or lane by lane (a forced width); every width, with and without the pool, gives
// the bits of the loop-IR interpreter; inf and NaN propagate as in a plain sum; the error
// against a long double sum is within the bound for rows of 10^3 to 10^7 terms.
// Blocks of four chains of 8 terms with compensated block totals sum full reductions
// (per partial of the split, the partials then joining compensated totals: 18 u) and sums
// along other axes than the last (12 u): their bits equal a host model of the documented
// order (tests/oracle/sum_order_model.h) and the interpreter at every width and with and
// without the pool, and their errors are within those bounds for 10^3 to 10^7 terms.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "engine/lower/lower.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/oracle/sum_order_model.h"

namespace lanes {
namespace {

double unit_roundoff(DType t) { return t == DType::F32 ? 0x1p-24 : 0x1p-53; }

// The documented bound of a lane sum, in units of u sum|x_i|.
double lane_sum_bound(DType t) { return t == DType::F32 ? 17.0 : 16.0; }

JitOptions opts(int width, bool parallel) {
  JitOptions o;
  o.vector_width = width;
  o.parallel = parallel;
  return o;
}

// rows x cols values of mixed sign and magnitude (as T), deterministic.
Array mixed(DType t, std::int64_t rows, std::int64_t cols) {
  Array a = Array::empty(t, {rows, cols});
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    const double v = (g - std::floor(g) - 0.3) * std::ldexp(1.0, static_cast<int>(i % 13) - 6);
    if (t == DType::F32) {
      static_cast<float*>(a.raw())[i] = static_cast<float>(v);
    } else {
      static_cast<double*>(a.raw())[i] = v;
    }
  }
  return a;
}

bool same_bits(const Array& a, const Array& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(),
                     static_cast<std::size_t>(a.size()) * dtype_size(a.dtype())) == 0;
}

internal::loop::Program lowered(const Fn& f, const Array& x, const JitOptions& o) {
  internal::GraphRef g = f.impl()->graph_for({internal::AbstractValue{x.dtype(), x.shape()}});
  return internal::lower_to_loops(*g, o);
}

bool has_lane_loop(const internal::loop::Program& p) {
  return p.to_string().find("lanes_loop") != std::string::npos;
}

// That jit gives the loop-IR interpreter's bits (of the program lowered for the default
// options) at every width, with and without the pool.
void expect_interpreter_bits(const Fn& f, const Array& x, const std::string& what) {
  const std::vector<Array> in{x};
  const Array want = internal::run_program_reference(lowered(f, x, JitOptions{}), in)[0];
  for (int w : {0, 1, 4, 8, 16}) {
    for (bool parallel : {true, false}) {
      SCOPED_TRACE(what + ", width " + std::to_string(w) + (parallel ? ", pool" : ", serial"));
      const Array got = jit(f, opts(w, parallel))(x);
      EXPECT_TRUE(same_bits(got, want)) << "element 0: got " << got.element_as_double(0)
                                        << ", want " << want.element_as_double(0);
    }
  }
}

class LaneSum : public ::testing::TestWithParam<DType> {};

// Row lengths around the lane count (k = 64 / 32), the block (16 k) and kSumBlock: no
// block (an even or odd number of rows), one block, blocks and a tail of rows, a rest of
// fewer than k terms.
TEST_P(LaneSum, RowSumsHaveTheInterpretersBitsAtEveryWidth) {
  const DType t = GetParam();
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  Fn along = fn([](Value a) { return sum(a, {1}); });
  for (std::int64_t cols : {129, 191, 257, 513, 1000, 1024, 1025, 2049, 4099, 20001}) {
    const Array x = mixed(t, 5, cols);
    EXPECT_TRUE(has_lane_loop(lowered(per_row, x, JitOptions{}))) << cols;
    expect_interpreter_bits(per_row, x, "vmap(sum) of 5 x " + std::to_string(cols));
    expect_interpreter_bits(along, x, "sum(x, {1}) of 5 x " + std::to_string(cols));
  }
}

// A nest of reduced axes whose innermost one is long: each lane's total spans the outer
// levels; and a fused term (x * x - x) and a mean.
TEST_P(LaneSum, NestsFusedTermsAndMeansHaveTheInterpretersBits) {
  const DType t = GetParam();
  const Array x = mixed(t, 6, 301).reshaped({2, 3, 301});
  Fn nest = fn([](Value a) { return sum(a, {1, 2}); });
  EXPECT_TRUE(has_lane_loop(lowered(nest, x, JitOptions{})));
  expect_interpreter_bits(nest, x, "sum over axes 1, 2 of 2 x 3 x 301");
  const Array y = mixed(t, 7, 777);
  expect_interpreter_bits(vmap(fn([](Value r) { return sum(r * r - r); })), y, "sum(r * r - r)");
  expect_interpreter_bits(vmap(fn([](Value r) { return mean(r); })), y, "mean(r)");
}

// Where the lowering makes no lane loop: rows of at most kSumBlock terms, sums along
// another axis than the last, full reductions (split_reduction.h), integer sums.
TEST_P(LaneSum, OnlyLongFloatSumsAlongTheLastAxisUseLanes) {
  const DType t = GetParam();
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  EXPECT_FALSE(has_lane_loop(lowered(per_row, mixed(t, 5, 128), JitOptions{})));
  EXPECT_FALSE(
      has_lane_loop(lowered(fn([](Value a) { return sum(a, {0}); }), mixed(t, 500, 3), {})));
  EXPECT_FALSE(has_lane_loop(lowered(fn([](Value a) { return sum(a); }), mixed(t, 1, 5000), {})));
  const Array ints = Array::from(std::vector<std::int32_t>(3000, 7)).reshaped({3, 1000});
  EXPECT_FALSE(has_lane_loop(lowered(per_row, ints, {})));
}

// The CPU's SIMD lanes: the default width compiles the lane loop as one vector of k lanes.
TEST_P(LaneSum, DefaultWidthRunsTheLanesInSimd) {
  const DType t = GetParam();
  Fn per_row = jit(vmap(fn([](Value r) { return sum(r); })));
  const std::string ir = per_row.llvm_ir({mixed(t, 3, 1000)});
  EXPECT_NE(ir.find(t == DType::F32 ? "<64 x float>" : "<32 x double>"), std::string::npos);
}

// inf and NaN anywhere in a row (a block, the tail rows, the rest) give what a plain sum
// gives, and the same bits as the interpreter.
TEST_P(LaneSum, SpecialValuesPropagate) {
  const DType t = GetParam();
  const double inf = std::numeric_limits<double>::infinity();
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  const std::int64_t cols = 2500;  // 64-lane f32: 2 blocks, 7 tail rows and a rest of 4
  for (std::int64_t at : {std::int64_t{3}, std::int64_t{2200}, std::int64_t{2498}}) {
    Array x = mixed(t, 3, cols);
    auto set = [&](std::int64_t i, double v) {
      if (t == DType::F32) {
        static_cast<float*>(x.raw())[i] = static_cast<float>(v);
      } else {
        static_cast<double*>(x.raw())[i] = v;
      }
    };
    set(at, inf);                         // row 0: inf
    set(cols + at, inf);                  // row 1: inf and -inf: NaN
    set(cols + (at + 101) % cols, -inf);  //
    set(2 * cols + at, std::nan(""));     // row 2: NaN
    const Array got = jit(per_row)(x);
    EXPECT_EQ(got.element_as_double(0), inf) << at;
    EXPECT_TRUE(std::isnan(got.element_as_double(1))) << at;
    EXPECT_TRUE(std::isnan(got.element_as_double(2))) << at;
    expect_interpreter_bits(per_row, x, "specials at " + std::to_string(at));
  }
  // Overflow: the largest finite values sum to inf, not NaN.
  Array big = Array::empty(t, {1, 1000});
  for (std::int64_t i = 0; i < 1000; ++i) {
    if (t == DType::F32) {
      static_cast<float*>(big.raw())[i] = std::numeric_limits<float>::max();
    } else {
      static_cast<double*>(big.raw())[i] = std::numeric_limits<double>::max();
    }
  }
  EXPECT_EQ(Array(jit(per_row)(big)).element_as_double(0), inf);
}

INSTANTIATE_TEST_SUITE_P(Floats, LaneSum, ::testing::Values(DType::F32, DType::F64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// Rows of 10^3 to 10^7 terms against a long double sum: uniform [0, 1) and mixed-sign
// data, within the documented bound at the default width and a forced one.
TEST(LaneSumAccuracy, WithinTheBoundFromAThousandToTenMillionTerms) {
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  for (DType t : {DType::F32, DType::F64}) {
    for (std::int64_t cols : {std::int64_t{1000}, std::int64_t{10000}, std::int64_t{100000},
                              std::int64_t{1000000}, std::int64_t{10000000}}) {
      if (t == DType::F64 && cols > 1000000) continue;  // f64 rounds little; keep it quick
      const std::int64_t rows = cols >= 1000000 ? 1 : 3;
      for (bool uniform : {true, false}) {
        Array x = mixed(t, rows, cols);
        if (uniform) {
          for (std::int64_t i = 0; i < x.size(); ++i) {
            const double g = static_cast<double>(i) * 0.6180339887498949;
            const double v = g - std::floor(g);
            if (t == DType::F32) {
              static_cast<float*>(x.raw())[i] = static_cast<float>(v);
            } else {
              static_cast<double*>(x.raw())[i] = v;
            }
          }
        }
        for (int w : {0, 16}) {
          SCOPED_TRACE(std::string(dtype_name(t)) + " " + std::to_string(cols) +
                       (uniform ? " uniform" : " mixed") + " width " + std::to_string(w));
          const Array got = jit(per_row, opts(w, true))(x);
          for (std::int64_t r = 0; r < rows; ++r) {
            long double exact = 0, abs_sum = 0;
            for (std::int64_t c = 0; c < cols; ++c) {
              const long double v = x.element_as_double(r * cols + c);
              exact += v;
              abs_sum += std::fabs(v);
            }
            const double err = static_cast<double>(
                std::fabs(static_cast<long double>(got.element_as_double(r)) - exact));
            EXPECT_LE(err, lane_sum_bound(t) * unit_roundoff(t) * static_cast<double>(abs_sum))
                << "row " << r << ": error " << err / (unit_roundoff(t) * abs_sum) << " u sum|x|";
          }
        }
      }
    }
  }
}

// The numbers, as row sums: 2 x 10^7 f32 ones sum exactly, 10^7 x 0.1f within
// the bound (exact: 1,000,000.0149).
TEST(LaneSumAccuracy, OnesAndTenths) {
  Fn per_row = vmap(fn([](Value r) { return sum(r); }));
  const Array ones = Array::from(std::vector<float>(20000000, 1.0f)).reshaped({1, 20000000});
  EXPECT_EQ(jit(per_row)(ones).data<float>()[0], 2e7f);
  const Array tenths = Array::from(std::vector<float>(10000000, 0.1f)).reshaped({1, 10000000});
  const double exact = 1e7 * static_cast<double>(0.1f);
  const double got = jit(per_row)(tenths).data<float>()[0];
  EXPECT_LE(std::fabs(got - exact), lane_sum_bound(DType::F32) * 0x1p-24 * exact) << "got " << got;
}

// Values x_i of a vector (or matrix, row-major) as T: fract(i * golden) in [0, 1) when
// `uniform`, else mixed(): mixed sign, magnitudes over 2^12.
template <class T>
std::vector<T> values(std::int64_t n, bool uniform) {
  const Array m = mixed(DType::F64, 1, n);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    v[static_cast<std::size_t>(i)] =
        static_cast<T>(uniform ? g - std::floor(g) : m.element_as_double(i));
  }
  return v;
}

template <class T>
DType dtype_of() {
  return sizeof(T) == 4 ? DType::F32 : DType::F64;
}

// Full sums of vectors: one group (n < 2048), many groups with rows of the rest for the
// lanes kernel and last elements, a rest only, and kMaxGroups groups.
template <class T>
void check_full_sum_bits() {
  Fn s = fn([](Value x) { return sum(x); });
  for (std::int64_t n :
       {std::int64_t{129}, std::int64_t{300}, std::int64_t{1000}, std::int64_t{2047},
        std::int64_t{10007}, std::int64_t{70001}, std::int64_t{1234567}}) {
    const std::vector<T> v = values<T>(n, false);
    const Array x = Array::from(v);
    EXPECT_FALSE(has_lane_loop(lowered(s, x, JitOptions{})));
    const Array model = Array::from(std::vector<T>{testing::model_full_sum(v)}, Shape{});
    const std::vector<Array> in{x};
    EXPECT_TRUE(
        same_bits(internal::run_program_reference(lowered(s, x, JitOptions{}), in)[0], model))
        << n;
    expect_interpreter_bits(s, x, "sum of " + std::to_string(n));
  }
}

// Sums along axis 0 (strided terms, a contiguous result): more than kSumBlock rows are
// blocked, each result element in the documented order.
template <class T>
void check_axis0_bits() {
  Fn s = fn([](Value x) { return sum(x, {0}); });
  const std::int64_t shapes[][2] = {{129, 37}, {1000, 100}, {5000, 3}, {100, 17}};
  for (const auto& sh : shapes) {
    const std::int64_t rows = sh[0], cols = sh[1];
    const std::vector<T> v = values<T>(rows * cols, false);
    const Array x = Array::from(v).reshaped({rows, cols});
    const Array got = jit(s)(x);
    for (std::int64_t c = 0; c < cols; ++c) {
      const T want = testing::model_axis0_sum(v, rows, cols, c);
      EXPECT_EQ(std::memcmp(static_cast<const T*>(got.raw()) + c, &want, sizeof(T)), 0)
          << rows << " x " << cols << ", column " << c;
    }
    expect_interpreter_bits(
        s, x, "sum(x, {0}) of " + std::to_string(rows) + " x " + std::to_string(cols));
  }
}

TEST(SumOrder, FullSumsHaveTheModelsAndTheInterpretersBitsAtEveryWidth) {
  check_full_sum_bits<float>();
  check_full_sum_bits<double>();
}

TEST(SumOrder, Axis0SumsHaveTheModelsAndTheInterpretersBitsAtEveryWidth) {
  check_axis0_bits<float>();
  check_axis0_bits<double>();
}

// Nests of reduced axes that are not a row: rows of several short levels (the inner
// levels of a block), a full sum of a matrix (the split's partials span its rows), and
// under vmap.
TEST(SumOrder, OtherNestsHaveTheInterpretersBitsAtEveryWidth) {
  for (DType t : {DType::F32, DType::F64}) {
    const Array x = mixed(t, 20 * 30, 7).reshaped({20, 30, 7});
    expect_interpreter_bits(fn([](Value a) { return sum(a, {0, 1}); }), x, "axes 0, 1");
    expect_interpreter_bits(fn([](Value a) { return sum(a, {0, 2}); }), x, "axes 0, 2");
    expect_interpreter_bits(fn([](Value a) { return sum(a); }), mixed(t, 300, 40), "300 x 40");
    expect_interpreter_bits(fn([](Value a) { return sum(a); }), mixed(t, 3000, 20), "3000 x 20");
    expect_interpreter_bits(vmap(fn([](Value a) { return sum(a, {0}); })),
                            mixed(t, 3 * 500, 7).reshaped({3, 500, 7}), "vmap(sum(x, {0}))");
  }
}

// inf and NaN in a column give what a plain sum gives; integer sums along axis 0 stay
// exact (wrapping).
TEST(SumOrder, Axis0SpecialValuesAndIntegers) {
  const double inf = std::numeric_limits<double>::infinity();
  Fn s = fn([](Value x) { return sum(x, {0}); });
  for (DType t : {DType::F32, DType::F64}) {
    Array x = mixed(t, 1000, 3);
    auto set = [&](std::int64_t i, double v) {
      if (t == DType::F32) {
        static_cast<float*>(x.raw())[i] = static_cast<float>(v);
      } else {
        static_cast<double*>(x.raw())[i] = v;
      }
    };
    set(3 * 500, inf);               // column 0: inf
    set(3 * 7 + 1, inf);             // column 1: inf and -inf
    set(3 * 999 + 1, -inf);          //
    set(3 * 100 + 2, std::nan(""));  // column 2: NaN
    const Array got = jit(s)(x);
    EXPECT_EQ(got.element_as_double(0), inf);
    EXPECT_TRUE(std::isnan(got.element_as_double(1)));
    EXPECT_TRUE(std::isnan(got.element_as_double(2)));
    expect_interpreter_bits(s, x, "specials");
  }
  std::vector<std::int32_t> iv(3000);
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<std::int32_t>(i * 7919 % 100003);
  const Array ints = Array::from(iv).reshaped({1000, 3});
  const Array got = jit(s)(ints);
  for (std::int64_t c = 0; c < 3; ++c) {
    std::int32_t want = 0;
    for (std::int64_t r = 0; r < 1000; ++r) want += iv[static_cast<std::size_t>(r * 3 + c)];
    EXPECT_EQ(got.data<std::int32_t>()[c], want);
  }
}

// grad of a sum is exact (ones; 2x for sum(x * x)), whatever the order.
TEST(SumOrder, GradOfSums) {
  const Array x = mixed(DType::F64, 1, 5000).reshaped({5000});
  const Array g = jit(grad(fn([](Value v) { return sum(v * v); })))(x);
  for (std::int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(g.element_as_double(i), 2 * x.element_as_double(i)) << i;
  }
  const Array m = mixed(DType::F32, 400, 3);
  const Array g0 = jit(grad(fn([](Value v) { return sum(sum(v, {0}) * 3.0f); })))(m);
  for (std::int64_t i = 0; i < m.size(); ++i) ASSERT_EQ(g0.element_as_double(i), 3.0) << i;
}

// Errors against a long double sum, n = 10^3 .. 10^7, uniform [0, 1) and mixed-sign data:
// full sums within 18 u sum|x_i|, sums along axis 0 (2 columns) within 12 u.
template <class T>
void check_accuracy(std::int64_t n, bool uniform) {
  const DType t = dtype_of<T>();
  const double u = unit_roundoff(t);
  const std::vector<T> v = values<T>(2 * n, uniform);
  long double exact = 0, abs_sum = 0, col[2] = {0, 0}, col_abs[2] = {0, 0};
  for (std::int64_t i = 0; i < n; ++i) {
    exact += v[static_cast<std::size_t>(i)];
    abs_sum += std::fabs(static_cast<long double>(v[static_cast<std::size_t>(i)]));
  }
  for (std::int64_t i = 0; i < 2 * n; ++i) {
    col[i % 2] += v[static_cast<std::size_t>(i)];
    col_abs[i % 2] += std::fabs(static_cast<long double>(v[static_cast<std::size_t>(i)]));
  }
  const std::string what =
      std::string(dtype_name(t)) + " n " + std::to_string(n) + (uniform ? " uniform" : " mixed");
  const Array full = jit(fn([](Value x) { return sum(x); }))(
      Array::from(std::vector<T>(v.begin(), v.begin() + n)));
  const double err = static_cast<double>(std::fabs(full.element_as_double(0) - exact));
  EXPECT_LE(err, 18.0 * u * static_cast<double>(abs_sum))
      << what << ": " << err / (u * static_cast<double>(abs_sum)) << " u sum|x|";
  const Array cols = jit(fn([](Value x) { return sum(x, {0}); }))(Array::from(v).reshaped({n, 2}));
  for (int c = 0; c < 2; ++c) {
    const double e = static_cast<double>(std::fabs(cols.element_as_double(c) - col[c]));
    EXPECT_LE(e, 12.0 * u * static_cast<double>(col_abs[c]))
        << what << " axis 0, column " << c << ": " << e / (u * static_cast<double>(col_abs[c]));
  }
}

TEST(SumOrderAccuracy, FullAndAxis0SumsWithinTheirBounds) {
  for (std::int64_t n : {std::int64_t{1000}, std::int64_t{10000}, std::int64_t{100000},
                         std::int64_t{1000000}, std::int64_t{10000000}}) {
    for (bool uniform : {true, false}) {
      check_accuracy<float>(n, uniform);
      if (n <= 1000000) check_accuracy<double>(n, uniform);
    }
  }
}

// The numbers along axis 0: 2 x 10^7 f32 ones sum exactly.
TEST(SumOrderAccuracy, OnesAlongAxis0) {
  const Array ones = Array::from(std::vector<float>(20000000, 1.0f)).reshaped({10000000, 2});
  const Array got = jit(fn([](Value x) { return sum(x, {0}); }))(ones);
  EXPECT_EQ(got.data<float>()[0], 1e7f);
  EXPECT_EQ(got.data<float>()[1], 1e7f);
  const Array col = Array::from(std::vector<float>(20000000, 1.0f)).reshaped({20000000, 1});
  EXPECT_EQ(jit(fn([](Value x) { return sum(x, {0}); }))(col).data<float>()[0], 2e7f);
}

}  // namespace
}  // namespace lanes
