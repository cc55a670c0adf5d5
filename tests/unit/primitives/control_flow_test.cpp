// Control flow (cond, switch_, while_loop, fori_loop, scan) run eagerly through the
// reference interpreter, checked against closed forms and hand-written C++ loops; the
// graph text of a cond; and the errors users can cause.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/unit/difftest_util.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using lanes::testing::expect_error;

using lanes::testing::arrays_close;

Array i64(std::int64_t v) { return Array::scalar<std::int64_t>(v); }
Array f64s(std::vector<double> v) { return Array::from(v); }
// The single element of a call's single output.
template <class T>
T item(const Outputs& o) {
  return static_cast<Array>(o).item<T>();
}

// The number of equations of the traced graph with this primitive (loops stay one
// equation; nothing is unrolled).
int count_eqns(const Fn& f, const std::vector<Arg>& args, const std::string& prim) {
  std::string ir = f.ir(args);
  int n = 0;
  for (std::size_t p = ir.find(" = " + prim); p != std::string::npos;
       p = ir.find(" = " + prim, p + 1)) {
    ++n;
  }
  return n;
}

// --- fori_loop ------------------------------------------------------------------------

TEST(ForiLoop, FactorialMatchesAHandLoop) {
  Fn fact = fn([](Value n) {
    return fori_loop(
        1, n + 1, [](Value i, Value acc) { return acc * i; }, 1);
  });
  std::int64_t expected = 1;
  for (std::int64_t k = 0; k <= 15; ++k) {
    if (k > 0) expected *= k;
    Array r = fact(i64(k));
    EXPECT_EQ(r.dtype(), DType::I64);
    EXPECT_EQ(r.item<std::int64_t>(), expected) << "k = " << k;
  }
  EXPECT_EQ(count_eqns(fact, {i64(5)}, "fori_loop"), 1);
}

TEST(ForiLoop, FloatFactorialIsGamma) {
  Fn fact = fn([](Value n) {
    return fori_loop(
        1, n + 1, [](Value i, Value acc) { return acc * i; }, 1.0);
  });
  double expected = 1;
  for (std::int64_t k = 0; k <= 25; ++k) {
    if (k > 0) expected *= static_cast<double>(k);
    Array r = fact(i64(k));
    EXPECT_EQ(r.dtype(), DType::F64);
    EXPECT_EQ(r.item<double>(), expected) << "k = " << k;  // the same products in order
    double gamma = std::tgamma(static_cast<double>(k) + 1);
    EXPECT_NEAR(r.item<double>(), gamma, 1e-14 * gamma) << "k = " << k;
  }
}

TEST(ForiLoop, SumOfIWithArrayBounds) {
  Fn sum = fn([](Value lo, Value hi) {
    return fori_loop(
        lo, hi, [](Value i, Value s) { return s + i; }, 0);
  });
  auto closed = [](std::int64_t lo, std::int64_t hi) -> std::int64_t {
    if (hi <= lo) return 0;
    return hi * (hi - 1) / 2 - lo * (lo - 1) / 2;
  };
  for (auto [lo, hi] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 10}, {3, 4}, {-5, 7}, {100, 1000}, {5, 5}, {9, 2}}) {
    EXPECT_EQ(item<std::int64_t>(sum(i64(lo), i64(hi))), closed(lo, hi))
        << "lo " << lo << " hi " << hi;
  }
}

TEST(ForiLoop, TupleCarrySumsOfPowers) {
  Fn sums = fn([](Value n) {
    auto [s1, s2] = fori_loop(
        0, n,
        [](Value i, std::tuple<Value, Value> c) {
          auto [a, b] = c;
          return std::make_tuple(a + i, b + i * i);
        },
        std::make_tuple(0, 0));
    return std::make_tuple(s1, s2);
  });
  for (std::int64_t n : {0, 1, 2, 10, 57}) {
    Outputs r = sums(i64(n));
    EXPECT_EQ(r[0].item<std::int64_t>(), n * (n - 1) / 2);
    EXPECT_EQ(r[1].item<std::int64_t>(), (n - 1) * n * (2 * n - 1) / 6);
  }
}

TEST(ForiLoop, WeakLiteralInitTakesTheBodysDtype) {
  // 0.0 is weakly typed; the body adds an f32, so the carry becomes f32 (as in JAX).
  Fn f = fn([](Value x) {
    return fori_loop(
        0, 4, [&](Value, Value c) { return c + x; }, 0.0);
  });
  Array r = f(Array::scalar(1.5f));
  EXPECT_EQ(r.dtype(), DType::F32);
  EXPECT_EQ(r.item<float>(), 6.0f);
}

TEST(ForiLoop, CapturesOuterValuesAndVectorCarry) {
  // Vector carry of two arrays; the body uses the outer x and w.
  Fn f = fn([](Value x, Value w) {
    std::vector<Value> r = fori_loop(
        0, 3,
        [&](Value, std::vector<Value> c) {
          return std::vector<Value>{c[0] * w, c[1] + x};
        },
        std::vector<Value>{x, x});
    return r;
  });
  Outputs r = f(f64s({1, 2, 3}), 2.0);
  EXPECT_TRUE(arrays_close(r[0], f64s({8, 16, 24})));
  EXPECT_TRUE(arrays_close(r[1], f64s({4, 8, 12})));
}

// --- while_loop -------------------------------------------------------------------------

TEST(WhileLoop, NewtonSqrtHasADataDependentTripCount) {
  // Iterate x <- (x + a/x) / 2 from x = a + 1 until x stops changing (or 100 steps).
  Fn newton = testing::newton_sqrt_fn();
  std::vector<std::int64_t> trips;
  for (double a : {0.25, 1.0, 2.0, 10.0, 12345.678, 1e-6, 4e10}) {
    // The same iteration written as a C++ loop: the interpreter must take the same steps.
    double x = a + 1.0, prev = 0.0;
    std::int64_t n = 0;
    while (x != prev && n < 100) {
      prev = x;
      x = 0.5 * (x + a / x);
      ++n;
    }
    Outputs r = newton(a);
    EXPECT_EQ(r[0].item<double>(), x) << "a = " << a;
    EXPECT_EQ(r[1].item<std::int64_t>(), n) << "a = " << a;
    EXPECT_TRUE(arrays_close(r[0], Array::scalar(std::sqrt(a)), 1)) << "a = " << a;
    trips.push_back(n);
  }
  // Data-dependent: different inputs took different numbers of iterations.
  EXPECT_NE(*std::min_element(trips.begin(), trips.end()),
            *std::max_element(trips.begin(), trips.end()));
}

TEST(WhileLoop, CountsUpToABound) {
  Fn f = fn([](Value limit) {
    return while_loop([&](Value c) { return c < limit; }, [](Value c) { return c + 3; }, Value(0));
  });
  EXPECT_EQ(item<std::int64_t>(f(i64(10))), 12);
  EXPECT_EQ(item<std::int64_t>(f(i64(0))), 0);  // cond false at once: no iteration
}

TEST(WhileLoop, MaxIterationsIsEnforced) {
  auto make = [](std::int64_t max_it) {
    return fn([max_it](Value limit) {
      return while_loop([&](Value c) { return c < limit; }, [](Value c) { return c + 1; }, Value(0),
                        WhileOptions{.max_iterations = max_it});
    });
  };
  EXPECT_EQ(item<std::int64_t>(make(3)(i64(3))), 3);  // exactly 3 iterations: allowed
  expect_error<RuntimeError>([&] { (void)make(3)(i64(4)); }, {"while_loop", "max_iterations=3"});
}

// --- cond / switch_ -----------------------------------------------------------------------

TEST(Cond, TakesEitherBranch) {
  Fn f = fn([](Value x) {
    return cond(
        x > 0.0, [](Value v) { return v * 2.0; }, [](Value v) { return -v; }, x);
  });
  EXPECT_EQ(item<double>(f(3.0)), 6.0);
  EXPECT_EQ(item<double>(f(-2.5)), 2.5);
  EXPECT_EQ(item<double>(f(0.0)), -0.0);
  EXPECT_EQ(count_eqns(f, {1.0}, "cond"), 1);
}

TEST(Cond, SeveralOperandsAndTupleResults) {
  Fn f = fn([](Value p, Value a, Value b) {
    auto [s, d] = cond(
        p, [](Value x, Value y) { return std::make_tuple(x + y, x - y); },
        [](Value x, Value y) { return std::make_tuple(x * y, y - x); }, a, b);
    return std::make_tuple(s, d);
  });
  Array a = f64s({1, 2, 3}), b = f64s({10, 20, 30});
  Outputs t = f(true, a, b);
  EXPECT_TRUE(arrays_close(t[0], f64s({11, 22, 33})));
  EXPECT_TRUE(arrays_close(t[1], f64s({-9, -18, -27})));
  Outputs e = f(false, a, b);
  EXPECT_TRUE(arrays_close(e[0], f64s({10, 40, 90})));
  EXPECT_TRUE(arrays_close(e[1], f64s({9, 18, 27})));
}

TEST(Cond, BranchesCaptureOuterValues) {
  // Each branch captures a different outer value, and one both: every branch graph takes
  // the union of the captures.
  Fn f = fn([](Value p, Value x, Value y, Value z) {
    return cond(
        p, [&](Value v) { return v + y * z; }, [&](Value v) { return v * y; }, x);
  });
  EXPECT_EQ(item<double>(f(true, 1.0, 2.0, 5.0)), 11.0);
  EXPECT_EQ(item<double>(f(false, 1.5, 2.0, 5.0)), 3.0);
}

TEST(Cond, WeakBranchOutputIsPromoted) {
  // One branch returns the literal 0.0, the other an f32: the result is f32.
  Fn f = fn([](Value p, Value x) {
    return cond(
        p, [](Value v) { return v * v; }, [](Value) { return Value(0.0); }, x);
  });
  Array t = f(true, Array::scalar(3.0f));
  EXPECT_EQ(t.dtype(), DType::F32);
  EXPECT_EQ(t.item<float>(), 9.0f);
  Array e = f(false, Array::scalar(3.0f));
  EXPECT_EQ(e.dtype(), DType::F32);
  EXPECT_EQ(e.item<float>(), 0.0f);
}

TEST(Switch, SelectsByClampedIndex) {
  std::vector<std::function<Value(Value)>> fs = {
      [](Value v) { return v; }, [](Value v) { return v * v; }, [](Value v) { return v * v * v; }};
  Fn f = fn([&](Value k, Value x) { return switch_(k, fs, x); });
  EXPECT_EQ(item<double>(f(i64(0), 3.0)), 3.0);
  EXPECT_EQ(item<double>(f(i64(1), 3.0)), 9.0);
  EXPECT_EQ(item<double>(f(i64(2), 3.0)), 27.0);
  EXPECT_EQ(item<double>(f(i64(-4), 3.0)), 3.0);  // clamped to 0
  EXPECT_EQ(item<double>(f(i64(9), 3.0)), 27.0);  // clamped to 2
}

// --- scan -------------------------------------------------------------------------------

TEST(Scan, CumulativeSum) {
  Fn f = fn([](Value xs) {
    auto [total, ys] = scan([](Value c, Value x) { return std::make_pair(c + x, c + x); }, 0.0, xs);
    return std::make_tuple(total, ys);
  });
  std::vector<double> xs = {0.5, 1.25, -2.0, 8.0, 3.5, 0.125};
  std::vector<double> cum(xs.size());
  std::partial_sum(xs.begin(), xs.end(), cum.begin());
  Outputs r = f(f64s(xs));
  EXPECT_EQ(r[0].item<double>(), cum.back());
  EXPECT_TRUE(arrays_close(r[1], f64s(cum)));
  EXPECT_EQ(count_eqns(f, {f64s(xs)}, "scan"), 1);
}

TEST(Scan, ReverseScanWithTupleCarry) {
  // From the end: carry (suffix sum, suffix sum of squares), y = (suffix sum, step).
  Fn f = fn([](Value xs) {
    auto [carry, ys] = scan(
        [](std::tuple<Value, Value> c, Value x) {
          auto [s, q] = c;
          Value s2 = s + x, q2 = q + x * x;
          return std::make_pair(std::make_tuple(s2, q2), std::make_tuple(s2, x * 10.0));
        },
        std::make_tuple(0.0, 0.0), xs, ScanOptions{.reverse = true});
    auto [s, q] = carry;
    auto [suffix, tens] = ys;
    return std::make_tuple(s, q, suffix, tens);
  });
  std::vector<double> xs = {1, 2, 3, 4, 5};
  std::vector<double> suffix(xs.size()), tens(xs.size());
  double s = 0, q = 0;
  for (std::size_t i = xs.size(); i-- > 0;) {
    s += xs[i];
    q += xs[i] * xs[i];
    suffix[i] = s;  // ys are stacked in index order, not visit order
    tens[i] = xs[i] * 10;
  }
  Outputs r = f(f64s(xs));
  EXPECT_EQ(r[0].item<double>(), 15.0);
  EXPECT_EQ(r[1].item<double>(), 55.0);
  EXPECT_TRUE(arrays_close(r[2], f64s(suffix)));
  EXPECT_TRUE(arrays_close(r[3], f64s(tens)));
}

TEST(Scan, RowsOfAMatrixAndTwoXs) {
  // xs: a 4x3 matrix (rows are slices) and a vector of 4 weights; carry: a row vector.
  Fn f = fn([](Value m, Value w, Value init) {
    auto [c, ys] = scan(
        [](Value acc, std::tuple<Value, Value> x) {
          auto [row, wi] = x;
          Value next = acc + row * wi;
          return std::make_pair(next, next);
        },
        init, std::make_tuple(m, w));
    return std::make_tuple(c, ys);
  });
  std::vector<double> m = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::vector<double> w = {1, -1, 0.5, 2};
  std::vector<double> acc = {0.5, 0.5, 0.5};
  std::vector<double> ys;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) acc[j] += m[i * 3 + j] * w[i];
    ys.insert(ys.end(), acc.begin(), acc.end());
  }
  Outputs r = f(Array::from(m, {4, 3}), f64s(w), f64s({0.5, 0.5, 0.5}));
  EXPECT_TRUE(arrays_close(r[0], f64s(acc)));
  EXPECT_TRUE(arrays_close(r[1], Array::from(ys, {4, 3})));
}

TEST(Scan, NoXsWithLength) {
  Fn f = fn([](Value x0) {
    auto [last, ys] = scan([](Value c) { return std::make_pair(c * 2.0, c); }, x0, no_xs,
                           ScanOptions{.length = 6});
    return std::make_tuple(last, ys);
  });
  Outputs r = f(1.5);
  EXPECT_EQ(r[0].item<double>(), 1.5 * 64);
  EXPECT_TRUE(arrays_close(r[1], f64s({1.5, 3, 6, 12, 24, 48})));
}

TEST(Scan, ZeroLength) {
  Fn f = fn([](Value xs) {
    auto [c, ys] = scan([](Value c, Value x) { return std::make_pair(c + x, x * 2.0); }, 7.0, xs);
    return std::make_tuple(c, ys);
  });
  Outputs r = f(Array::zeros(DType::F64, {0}));
  EXPECT_EQ(r[0].item<double>(), 7.0);
  EXPECT_EQ(r[1].shape(), (Shape{0}));
}

// --- nesting ------------------------------------------------------------------------------

TEST(Nested, ForiLoopInsideACondBranchCapturesTwoLevelsOut) {
  // y is a value of the outermost trace, used inside the fori_loop body inside the branch.
  Fn f = fn([](Value x, Value y) {
    return cond(
        x > 0.0,
        [&](Value v) {
          return fori_loop(
              0, 3, [&](Value i, Value c) { return c + y * i; }, v);
        },
        [](Value v) { return v; }, x);
  });
  EXPECT_EQ(item<double>(f(1.0, 2.5)), 1.0 + 2.5 * (0 + 1 + 2));
  EXPECT_EQ(item<double>(f(-1.0, 2.5)), -1.0);
}

TEST(Nested, ScanOfWhileLoops) {
  // For each x, count the halvings until x < 1 (a while_loop per scan step).
  Fn f = fn([](Value xs) {
    auto [c, ys] = scan(
        [](Value total, Value x) {
          auto [v, n] =
              while_loop([](std::tuple<Value, Value> s) { return std::get<0>(s) >= 1.0; },
                         [](std::tuple<Value, Value> s) {
                           return std::make_tuple(std::get<0>(s) * 0.5, std::get<1>(s) + 1);
                         },
                         std::make_tuple(x, Value(0)));
          (void)v;
          return std::make_pair(total + n, n);
        },
        0, xs);
    return std::make_tuple(c, ys);
  });
  std::vector<double> xs = {0.5, 1.0, 3.0, 1000.0, 1024.0};
  std::vector<std::int64_t> want;
  for (double x : xs) {
    std::int64_t n = 0;
    while (x >= 1.0) {
      x *= 0.5;
      ++n;
    }
    want.push_back(n);
  }
  Outputs r = f(f64s(xs));
  EXPECT_EQ(r[0].item<std::int64_t>(), std::accumulate(want.begin(), want.end(), std::int64_t{0}));
  EXPECT_TRUE(arrays_close(r[1], Array::from(want)));
}

// --- the graph text -------------------------------------------------------------------------

TEST(ControlFlowIr, CondPrintsIndentedBranches) {
  Fn f = fn([](Value p, Value x, Value y) {
    return cond(
        p, [&](Value v) { return v * y; }, [](Value v) { return -v; }, x);
  });
  std::string ir = f.ir({true, f64s({1, 2}), Array::scalar(3.0)});
  EXPECT_EQ(ir,
            "{ lambda a:bool[] b:f64[2] c:f64[] .\n"
            "  d:f64[2] = cond a b c\n"
            "    branches[0]={ lambda a:f64[2] c:f64[] .\n"
            "      b:f64[2] = neg a\n"
            "      in (b) }\n"
            "    branches[1]={ lambda a:f64[2] b:f64[] .\n"
            "      c:f64[2] = mul a b\n"
            "      in (c) }\n"
            "  in (d) }\n")
      << ir;
}

// --- errors ---------------------------------------------------------------------------------

TEST(ControlFlowErrors, BranchOutputsThatDiffer) {
  Fn shapes = fn([](Value p, Value x, Value s) {
    return cond(
        p, [](Value v, Value) { return v; }, [](Value, Value w) { return w; }, x, s);
  });
  expect_error<ShapeError>(
      [&] {
        (void)shapes(true, f64s({1, 2, 3}), 1.0);
      },
      {"cond", "true_fn", "false_fn", "output 0", "f64[3]"});
  Fn dtypes = fn([](Value p, Value x, Value k) {
    return cond(
        p, [](Value v, Value) { return v; }, [](Value, Value w) { return w; }, x, k);
  });
  expect_error<DTypeError>([&] { (void)dtypes(true, Array::scalar(1.0), Array::scalar(2.0f)); },
                           {"cond", "true_fn", "output 0", "f64[]", "f32[]"});
  Fn counts = fn([](Value p, Value x) {
    return cond(
        p,
        [](Value v) {
          return std::vector<Value>{v, v};
        },
        [](Value v) { return std::vector<Value>{v}; }, x);
  });
  expect_error<ArgumentError>([&] { (void)counts(true, 1.0); }, {"cond", "true_fn", "2 values"});
}

TEST(ControlFlowErrors, PredicateMustBeABoolScalar) {
  Fn f = fn([](Value p, Value x) {
    return cond(
        p, [](Value v) { return v; }, [](Value v) { return v; }, x);
  });
  expect_error<DTypeError>([&] { (void)f(1.0, 1.0); }, {"cond", "predicate", "bool", "f64[]"});
  Array bools = Array::from(std::vector<bool>{true, false});
  expect_error<ShapeError>([&] { (void)f(bools, 1.0); }, {"cond", "predicate", "bool[2]"});
  std::vector<std::function<Value(Value)>> fs = {[](Value v) { return v; }};
  Fn g = fn([&](Value k, Value x) { return switch_(k, fs, x); });
  expect_error<DTypeError>([&] { (void)g(1.0, 1.0); }, {"switch_", "index", "integer"});
}

TEST(ControlFlowErrors, BodyThatChangesACarrysShape) {
  Fn f = fn([](Value x, Value v) {
    return fori_loop(
        0, 3, [&](Value, Value) { return v; }, x);
  });
  expect_error<ShapeError>(
      [&] {
        (void)f(1.0, f64s({1, 2, 3}));
      },
      {"fori_loop", "carry 0", "f64[]", "f64[3]"});
  Fn g = fn([](Value x, Value v) {
    return while_loop([](Value) { return Value(false); }, [&](Value) { return v; }, x);
  });
  expect_error<ShapeError>(
      [&] {
        (void)g(f64s({1, 2}), f64s({1, 2, 3}));
      },
      {"while_loop", "body_fn", "carry 0"});
  Fn h = fn([](Value x, Value k) {
    return scan([&](Value, Value e) { return std::make_pair(k, e); }, x, f64s({1, 2}));
  });
  expect_error<DTypeError>([&] { (void)h(Array::scalar(1.0), Array::scalar(1.0f)); },
                           {"scan", "carry 0", "f32"});
  Fn w = fn(
      [](Value x) { return while_loop([](Value c) { return c; }, [](Value c) { return c; }, x); });
  expect_error<DTypeError>([&] { (void)w(1.0); }, {"while_loop", "cond_fn", "bool"});
}

TEST(ControlFlowErrors, ScanXsOfDifferentLeadingExtents) {
  Fn f = fn([](Value a, Value b) {
    auto [c, ys] =
        scan([](Value c, std::tuple<Value, Value> x) { return std::make_pair(c, std::get<0>(x)); },
             0.0, std::make_tuple(a, b));
    return std::make_tuple(c, ys);
  });
  expect_error<ShapeError>(
      [&] {
        (void)f(f64s({1, 2, 3}), f64s({1, 2, 3, 4}));
      },
      {"scan", "xs 1", "4", "3"});
  Fn g = fn([](Value c0) {
    auto [c, ys] = scan([](Value c) { return std::make_pair(c, c); }, c0, no_xs);
    return std::make_tuple(c, ys);
  });
  expect_error<ArgumentError>([&] { (void)g(1.0); }, {"scan", "length"});
}

TEST(ControlFlowErrors, ValueUsedAfterItsTraceEnded) {
  // A Value of the loop body escapes through a reference and is used in the outer trace.
  std::optional<Value> leaked;
  Fn f = fn([&](Value x) {
    Value r = fori_loop(
        0, 2,
        [&](Value, Value c) {
          leaked = c;
          return c;
        },
        x);
    (void)r;
    // Using it as the init of another loop in the outer trace: its trace has ended.
    return fori_loop(
        0, 2, [](Value, Value c) { return c; }, *leaked);
  });
  expect_error<TraceError>([&] { (void)f(1.0); }, {"after the trace"});
}

TEST(ControlFlowErrors, ShapeRulesRecheckSubGraphSignatures) {
  // Bind the primitives directly with sub-graphs that do not fit their operands: the
  // shape rules (which the verifier also runs) must reject them.
  using internal::AbstractValue;
  using internal::GraphRef;
  using internal::Params;
  auto identity_of = [](AbstractValue a) {
    return internal::trace_graph(
               std::vector<AbstractValue>{a},
               [](std::span<const Value> v) { return std::vector<Value>(v.begin(), v.end()); })
        .graph;
  };
  GraphRef f32_id = identity_of({DType::F32, {}, false});
  GraphRef f64_id = identity_of({DType::F64, {}, false});
  std::vector<AbstractValue> ins{{DType::Bool, {}, false}, {DType::F64, {}, false}};
  internal::trace_graph(ins, [&](std::span<const Value> v) {
    std::vector<Value> args(v.begin(), v.end());
    expect_error<DTypeError>(
        [&] {
          internal::bind(internal::primitive("cond"), args,
                         Params{{"branches", std::vector<GraphRef>{f64_id, f32_id}}});
        },
        {"cond", "branch 1 input 0", "f32[]"});
    expect_error<ArgumentError>(
        [&] {
          internal::bind(internal::primitive("cond"), args,
                         Params{{"branches", std::vector<GraphRef>{f64_id, f64_id, f64_id}}});
        },
        {"cond", "2 branches"});
    // scan over an f64[] "xs": it has no leading axis of the given length.
    std::vector<Value> scan_args{args[1], args[1]};
    expect_error<ShapeError>(
        [&] {
          internal::bind(internal::primitive("scan"), scan_args,
                         Params{{"body_graph", f64_id},
                                {"length", std::int64_t{2}},
                                {"reverse", false},
                                {"num_carry", std::int64_t{1}},
                                {"num_consts", std::int64_t{0}}});
        },
        {"scan", "xs 0", "leading extent of 2"});
    return std::vector<Value>{};
  });
}

TEST(ControlFlowErrors, OutsideATrace) {
  expect_error<TraceError>(
      [] {
        (void)fori_loop(
            0, 3, [](Value, Value c) { return c; }, 1.0);
      },
      {"fori_loop"});
}

}  // namespace
}  // namespace lanes
