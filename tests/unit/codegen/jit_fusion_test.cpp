// JIT against the reference interpreter on whole functions: fused elementwise chains with
// vector math, softmax, centering, an MLP layer, reductions over every axis subset,
// argmax/argmin, every dot_general form, broadcasting, transposes, slices, concatenation,
// iota, reshapes and control flow (including a while_loop whose trip count depends on the
// data); plus what jit promises around the call: traces are cached per signature, inputs
// may be views of caller memory (also unaligned), rank-0 values, pass-through and literal
// outputs, several outputs.
//
// Each function runs at forced widths 1, 2, 16 and the host width (4 or 8), in both
// precision modes. Tolerances: bit-exact where the JIT performs the same roundings in the
// same order as the interpreter (everything without vector math in f64 and all integer
// work); otherwise a few ULPs from docs/precision.md propagated through the function,
// with an absolute floor scaled to the size of the intermediate terms where the formula
// can cancel.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/unit/difftest_util.h"

namespace lanes {
namespace {

using testing::Tolerance;

constexpr int kWidths[] = {0, 1, 2, 16};  // 0: the host width (4 f64, 8 f32 on AVX2)

Array f64(Shape s, double scale = 0.37, double amp = 3.0) {
  return testing::sine_ramp(DType::F64, s, scale, amp);
}
Array f32(Shape s, double scale = 0.37, double amp = 3.0) {
  return testing::sine_ramp(DType::F32, s, scale, amp);
}

double eps(DType t) { return t == DType::F32 ? 0x1p-24 : 0x1p-53; }

// jit == interpreter at every width; in both precisions when the function has vector
// math (the tests give those a tolerance; Fast changes nothing else, docs/precision.md).
void check(const Fn& f, const std::vector<Arg>& args, std::vector<Tolerance> tols = {}) {
  Outputs want = f.call(args);
  std::vector<Precision> precisions{Precision::Precise};
  if (!tols.empty()) precisions.push_back(Precision::Fast);
  for (int w : kWidths) {
    for (Precision p : precisions) {
      JitOptions o;
      o.vector_width = w;
      o.precision = p;
      SCOPED_TRACE("width " + std::to_string(w) + (p == Precision::Fast ? " fast" : " precise"));
      Outputs got = jit(f, o).call(args);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        Tolerance t = tols.empty() ? Tolerance{} : tols.at(tols.size() == 1 ? 0 : i);
        EXPECT_TRUE(testing::same_array(got[i], want[i], t)) << "output " << i;
      }
    }
  }
}

// --- fused elementwise functions ------------------------------------------------------------

TEST(JitFusion, SinTimesYPlusGaussian) {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  for (DType t : {DType::F64, DType::F32}) {
    for (std::int64_t n : {1, 7, 33, 1000}) {
      SCOPED_TRACE(std::string(dtype_name(t)) + " n=" + std::to_string(n));
      // |terms| <= |y| + 1 <= 4: the sum can cancel, so allow a few eps of the terms.
      check(f, {testing::sine_ramp(t, {n}), testing::sine_ramp(t, {n}, 1.3)},
            {{8, 32 * eps(t) * 4}});
    }
  }
  // A weak scalar y broadcasts inside the kernel.
  check(f, {f64({17}), 2.0}, {{8, 32 * eps(DType::F64) * 3}});
}

TEST(JitFusion, TanhTimesLog1pOfSquare) {
  Fn f = fn([](Value x) { return tanh(x) * log1p(x * x); });
  for (DType t : {DType::F64, DType::F32}) {
    // A product of two functions with small condition numbers: their bounds add up
    // (precise <= 1 + 1 ulp, fast <= 3.5 + 1, glibc up to 2 + 1 for the reference).
    check(f, {testing::sine_ramp(t, {1001}, 0.011, 6.0)}, {{12, 0}});
  }
}

TEST(JitFusion, SoftmaxAlongEachAxis) {
  for (std::int64_t axis : {0, 1}) {
    Fn f = fn([axis](Value x) {
      Value e = exp(x - expand_dims(max(x, {axis}), axis));
      return e / expand_dims(sum(e, {axis}), axis);
    });
    SCOPED_TRACE("axis " + std::to_string(axis));
    check(f, {f64({5, 13}, 0.9, 4.0)}, {{8, 0}});
    // f32 sums accumulate in f32 in the JIT: 14 terms of at most 1.
    check(f, {f32({5, 13}, 0.9, 4.0)}, {{8, 16 * eps(DType::F32)}});
  }
}

TEST(JitFusion, CenteringByTheMean) {
  Fn f = fn([](Value x) { return x - expand_dims(mean(x, {1}), 1); });
  check(f, {f64({6, 37})});  // same sums in the same order, the same division: exact
  check(f, {f32({6, 37})}, {{1, 40 * eps(DType::F32) * 3}});
  Fn all = fn([](Value x) { return x - mean(x); });
  check(all, {f64({4, 9, 5})});
}

TEST(JitFusion, MlpLayer) {
  Fn layer = fn([](Value w, Value x, Value b) { return tanh(matmul(w, x) + b); });
  // One vector, and a batch of 9 column vectors (b broadcasts along the batch).
  check(layer, {f64({16, 8}, 0.3, 0.5), f64({8}, 0.7), f64({16}, 1.1, 0.2)}, {{4, 0}});
  Fn batched = fn([](Value w, Value x, Value b) { return tanh(matmul(w, x) + expand_dims(b, 1)); });
  check(batched, {f64({16, 8}, 0.3, 0.5), f64({8, 9}, 0.7), f64({16}, 1.1, 0.2)}, {{4, 0}});
  check(batched, {f32({16, 8}, 0.3, 0.5), f32({8, 9}, 0.7), f32({16}, 1.1, 0.2)},
        {{4, 16 * eps(DType::F32) * 8}});
}

// --- reductions ------------------------------------------------------------------------------

TEST(JitFusion, ReductionsOverEveryAxisSubset) {
  const std::vector<Axes> subsets{{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
  Fn f = fn([&](Value x) {
    std::vector<Value> out;
    for (const Axes& ax : subsets) {
      out.push_back(sum(x, ax));
      out.push_back(max(x, ax));
      out.push_back(min(x, ax));
      out.push_back(prod(x * 0 + 1 + (x > 0), ax));  // 1s and 2s: no overflow
    }
    out.push_back(sum(x));
    out.push_back(mean(x, {1}));
    return out;
  });
  for (DType t : {DType::F64, DType::I32, DType::I64}) {
    SCOPED_TRACE(std::string(dtype_name(t)));
    // Same order of the same roundings (f64) or wrapping integer arithmetic: exact.
    check(f, {testing::sine_ramp(t, {3, 4, 5}, 0.61, 9.0)});
  }
  // f32 sums accumulate in f32 in the JIT: at most 60 terms of at most 3 in magnitude.
  Fn g = fn([](Value x) { return std::make_tuple(sum(x), max(x), min(x), mean(x, {0, 2})); });
  check(g, {f32({3, 4, 5})}, {{1, 61 * eps(DType::F32) * 3 * 60}});
}

TEST(JitFusion, ArgmaxAndArgminWithTiesAndNaN) {
  Fn f = fn([](Value x) {
    return std::make_tuple(argmax(x, 0), argmax(x, 1), argmax(x, 2), argmin(x, 0), argmin(x, 1),
                           argmin(x, 2));
  });
  // Rounded ramp: many ties; then a few NaNs and infinities.
  Array x = testing::sine_ramp(DType::F64, {3, 4, 6}, 0.8, 2.0);
  auto d = x.mutable_data<double>();
  for (double& v : d) v = std::round(v);
  d[5] = std::numeric_limits<double>::quiet_NaN();
  d[30] = std::numeric_limits<double>::infinity();
  d[31] = -std::numeric_limits<double>::infinity();
  d[40] = std::numeric_limits<double>::quiet_NaN();
  check(f, {x});
  check(f, {testing::sine_ramp(DType::I32, {3, 4, 6}, 0.8, 2.0)});
}

// --- linear algebra --------------------------------------------------------------------------

TEST(JitFusion, DotGeneralForms) {
  Fn f = fn([](Value v, Value w, Value a, Value b, Value ba, Value bb) {
    return std::make_tuple(dot(v, w),       // vector . vector
                           dot(a, w),       // matvec
                           matmul(v, b),    // vecmat
                           matmul(a, b),    // matmul
                           matmul(ba, bb),  // batched matmul
                           outer(v, w),     // outer
                           dot_general(a, b, {1}, {0}) * 2);
  });
  for (DType t : {DType::F64, DType::I32, DType::I64}) {
    SCOPED_TRACE(std::string(dtype_name(t)));
    check(f, {testing::sine_ramp(t, {7}), testing::sine_ramp(t, {7}, 0.5),
              testing::sine_ramp(t, {5, 7}, 0.2), testing::sine_ramp(t, {7, 3}, 0.9),
              testing::sine_ramp(t, {4, 5, 7}, 0.3), testing::sine_ramp(t, {4, 7, 6}, 0.45)});
  }
  check(f,
        {f32({7}), f32({7}, 0.5), f32({5, 7}, 0.2), f32({7, 3}, 0.9), f32({4, 5, 7}, 0.3),
         f32({4, 7, 6}, 0.45)},
        {{1, 8 * eps(DType::F32) * 7 * 9}});
}

// --- shapes ----------------------------------------------------------------------------------

TEST(JitFusion, BroadcastingAndTransposes) {
  Fn f = fn([](Value col, Value row, Value m, Value t3) {
    return std::make_tuple(col + row,                       // [3,1] + [4] -> [3,4]
                           transpose(m) * row,              // [4,3]^T ... [3,4] * [4]
                           transpose(t3, {2, 0, 1}) - 1.0,  // [5,2,3]
                           sum(transpose(t3) * 2.0, {0}));  // [3,2]
  });
  check(f, {f64({3, 1}), f64({4}, 0.8), f64({4, 3}, 0.6), f64({2, 3, 5}, 0.4)});
  check(f, {testing::sine_ramp(DType::I32, {3, 1}), testing::sine_ramp(DType::I32, {4}, 0.8),
            testing::sine_ramp(DType::I32, {4, 3}, 0.6),
            testing::sine_ramp(DType::I32, {2, 3, 5}, 0.4)});
}

TEST(JitFusion, SlicesAndConcatenate) {
  Fn f = fn([](Value x) {
    Value a = slice(x, {0, 1}, {4, 9}, {1, 2});       // [4,4]
    Value b = slice(x, {1, 0}, {4, 4});               // [3,4]
    Value c = concatenate({a, b * 2.0, a - 3.0}, 0);  // [11,4]
    return std::make_tuple(c, concatenate({x, x}, 1) + 1.0, sum(c, {0}));
  });
  check(f, {f64({4, 9})});
}

TEST(JitFusion, IotaAndReshape) {
  Fn g = fn([](Value x) {
    Value i = iota(DType::F64, {6, 5}, 1) + iota(DType::F64, {6, 5}, 0) * 10.0;
    Value r = reshape(x, {5, 6});
    return std::make_tuple(i * transpose(r), reshape(r * 2.0, {3, -1}), sum(reshape(x, {30}), {0}),
                           iota(DType::I32, {7}) * 3);
  });
  check(g, {f64({6, 5})});
}

// --- control flow ----------------------------------------------------------------------------

TEST(JitFusion, ForiLoopAndScan) {
  Fn powers = fn([](Value x, Value n) {
    return fori_loop(
        0, n, [x](Value i, Value acc) { return acc * x + astype(i, DType::F64); }, zeros_like(x));
  });
  check(powers, {f64({9}, 0.3, 1.0), Array::scalar<std::int64_t>(6)});
  check(powers, {f64({9}, 0.3, 1.0), Array::scalar<std::int64_t>(0)});
  Fn cs = fn([](Value xs, Value c0) {
    auto [total, ys] = scan([](Value c, Value x) { return std::make_pair(c + x, c * x); }, c0, xs);
    return std::make_tuple(total, ys);
  });
  check(cs, {f64({6, 4}), f64({4}, 0.2)});
}

TEST(JitFusion, WhileLoopWithADataDependentTripCount) {
  // Newton's sqrt until the iterate stops changing: the trip count depends on a.
  Fn newton = testing::newton_sqrt_fn();
  std::vector<std::int64_t> trips;
  for (double a : {0.25, 2.0, 12345.678, 4e10}) {
    SCOPED_TRACE("a = " + std::to_string(a));
    check(newton, {a});
    Outputs r = jit(newton)(a);
    EXPECT_TRUE(testing::same_array(r[0], Array::scalar(std::sqrt(a)), {1, 0}));
    trips.push_back(r[1].item<std::int64_t>());
  }
  EXPECT_NE(trips.front(), trips.back());
}

TEST(JitFusion, CondOnData) {
  Fn f = fn([](Value x, Value y) {
    Value s = sum(x);
    return cond(
        s > 0.0, [y](Value v) { return v * y + 1.0; }, [y](Value v) { return v - y; }, x);
  });
  check(f, {f64({5}), f64({5}, 0.5)});              // sum > 0
  check(f, {f64({5}, 0.37, -3.0), f64({5}, 0.5)});  // sum < 0
}

// --- around the call -------------------------------------------------------------------------

TEST(JitFusion, CachedBySignatureNotRetraced) {
  int traces = 0;
  Fn f = fn([&](Value x) {
    ++traces;
    return sin(x) + 1.0;
  });
  Fn j = jit(f);
  Array a = f64({5}), b = f64({5}, 0.9);
  Array ra = j(a);
  EXPECT_EQ(traces, 1);
  Array rb = j(b);
  EXPECT_EQ(traces, 1);  // same signature: no trace, no compile
  EXPECT_TRUE(testing::same_array(rb, f(b), {2, 0}));
  (void)j(f64({6}));  // a new shape traces and compiles again
  EXPECT_EQ(traces, 2);
  (void)j(f32({5}));  // a new dtype too
  EXPECT_EQ(traces, 3);
  (void)j(a);
  (void)j(f64({6}, 0.1));
  EXPECT_EQ(traces, 3);
  // A weak scalar and a strong one are different signatures (as in JAX).
  (void)j(2.0);
  (void)j(Array::scalar(2.0));
  EXPECT_EQ(traces, 5);
  (void)j(3.0);
  EXPECT_EQ(traces, 5);
  // Results of a cached call are fresh arrays: the earlier result is unchanged.
  EXPECT_TRUE(testing::same_array(ra, f(a), {2, 0}));
}

TEST(JitFusion, ViewsOfCallerMemory) {
  Fn f = fn([](Value x, Value y) { return x * y + sin(x); });
  std::vector<double> buf(40);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = 0.1 * static_cast<double>(i) - 1.5;
  std::vector<double> other(buf.rbegin(), buf.rend());
  // Aligned and deliberately unaligned (one element in) views.
  for (std::size_t off : {0u, 1u, 3u}) {
    SCOPED_TRACE("offset " + std::to_string(off));
    Array xv = Array::view(buf.data() + off, {37});
    Array yv = Array::view(other.data() + off, {37});
    // x*y + sin(x) can cancel: |terms| <= 3.6 + 1.
    check(f, {xv, yv}, {{2, 8 * eps(DType::F64) * 5}});
  }
  // The view is read at call time: writing the caller's buffer changes the next result.
  Fn j = jit(f);
  Array xv = Array::view(buf.data(), {4, 10});
  Array before = j(xv, 2.0);
  buf[7] = 100.0;
  Array after = j(xv, 2.0);
  EXPECT_NE(before.data<double>()[7], after.data<double>()[7]);
  EXPECT_TRUE(testing::same_array(after, f(xv, 2.0), {2, 8 * eps(DType::F64) * 205}));
  EXPECT_TRUE(xv.is_view());
}

TEST(JitFusion, RankZeroInputsAndOutputs) {
  Fn f = fn([](Value s, Value v) { return std::make_tuple(s * 2.0, sum(v) * s, v * s, exp(s)); });
  check(f, {Array::scalar(1.5), f64({11})}, {{0, 0}, {0, 0}, {0, 0}, {2, 0}});
  check(f, {Array::scalar(-0.0), f64({0})}, {{0, 0}, {0, 0}, {0, 0}, {2, 0}});
  Fn g = fn([](Value s) { return s + 1; });
  check(g, {Array::scalar<std::int32_t>(std::numeric_limits<std::int32_t>::max())});
}

TEST(JitFusion, PassThroughAndLiteralOutputs) {
  Fn f = fn([](Value x, Value y) {
    return std::make_tuple(x, Value(2.5), y, x + 1.0, Value(std::int64_t{7}), x);
  });
  Array x = f64({6}), y = testing::sine_ramp(DType::I32, {2, 3});
  check(f, {x, y});
  Outputs r = jit(f)(x, y);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_TRUE(testing::same_array(r[0], x));
  EXPECT_TRUE(testing::same_array(r[5], x));
  EXPECT_TRUE(testing::same_array(r[2], y));
  EXPECT_EQ(r[1].shape(), Shape{});
  EXPECT_EQ(r[1].item<double>(), 2.5);
  EXPECT_EQ(r[4].dtype(), DType::I64);
  EXPECT_EQ(r[4].item<std::int64_t>(), 7);
}

TEST(JitFusion, SeveralOutputsOfDifferentShapesAndDtypes) {
  Fn f = fn([](Value x) {
    return std::vector<Value>{sum(x, {1}), argmax(x, 0), x > 0.0, astype(x, DType::I32),
                              max(x) - min(x)};
  });
  check(f, {f64({7, 9})});
  check(f, {f32({7, 9})}, {{1, 10 * eps(DType::F32) * 27}, {}, {}, {}, {}});
}

}  // namespace
}  // namespace lanes
