// 64-bit integers are exact on every path that carries a scalar (issue 20, item 5): a
// literal in user code, a folded constant, a loop-IR constant, a reduction identity,
// Array::item and printing. The cases run eager (the graph interpreter) and under jit at
// the forced widths 1, 2, 4, 8, 16 (sizes with tails); some also under vmap or through the
// loop-IR interpreter (each test says which), against values computed here independently
// (two's complement arithmetic
// on uint64_t, the definition of wrapping in docs/semantics.md). The regressions of the
// issue: x + INT64_MAX gave INT64_MIN under jit (the constant rounded to 2^63); x == 2^53 + 1
// was inverted against eager (the constant rounded to 2^53).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "engine/lower/lower.h"
#include "engine/passes/fold_constants.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/loop_interpreter.h"

namespace lanes {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t k2p53 = std::int64_t{1} << 53;
constexpr int kWidths[] = {1, 2, 4, 8, 16};

std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

// Values around 0, ±2^53 and ±2^63, 19 of them (a tail at every width).
std::vector<std::int64_t> edge_values() {
  return {0,        1,          -1,     k2p53 - 1,     k2p53,           k2p53 + 1, k2p53 + 2,
          -k2p53,   -k2p53 - 1, kMax,   kMax - 1,      kMax - 2,        kMin,      kMin + 1,
          kMin + 2, 12345,      -98765, k2p53 * 3 + 1, -(k2p53 * 5) - 3};
}

Array i64(const std::vector<std::int64_t>& v) {
  return Array::from(v, Shape{static_cast<std::int64_t>(v.size())});
}

std::vector<std::int64_t> ints(const Array& a) {
  std::span<const std::int64_t> d = a.data<std::int64_t>();
  return {d.begin(), d.end()};
}
std::vector<bool> bools(const Array& a) {
  std::vector<bool> r;
  for (bool b : a.data<bool>()) r.push_back(b);
  return r;
}

// The loop-IR interpreter on f's lowered graph.
Array loop_ir(const Fn& f, const Array& x) {
  internal::GraphRef g = f.impl()->graph_for({internal::AbstractValue{x.dtype(), x.shape()}});
  internal::loop::Program p = internal::lower_to_loops(*g, JitOptions{});
  return internal::run_program_reference(p, std::vector<Array>{x}).at(0);
}

// f(x) eager, under jit at every width, and through the loop-IR interpreter, all equal to
// `want` (compared by `get`, which reads an array into a vector).
template <class V>
void expect_everywhere(const Fn& f, const Array& x, const V& want,
                       const std::function<V(const Array&)>& get) {
  EXPECT_EQ(get(f(x)), want) << "eager";
  EXPECT_EQ(get(loop_ir(f, x)), want) << "loop-IR interpreter";
  for (int w : kWidths) {
    JitOptions o;
    o.vector_width = w;
    EXPECT_EQ(get(jit(f, o)(x)), want) << "jit, width " << w;
  }
}

TEST(Int64Exact, AddInt64MaxWrapsLikeEager) {
  // Issue 20: jit gave INT64_MIN for 0 + INT64_MAX.
  Fn f = fn([](Value x) { return x + kMax; });
  std::vector<std::int64_t> in = edge_values(), want;
  for (std::int64_t v : in) want.push_back(wrap_add(v, kMax));
  ASSERT_EQ(want[0], kMax);
  ASSERT_EQ(want[2], kMax - 1);
  ASSERT_EQ(want[1], kMin);  // wraps modulo 2^64, as numpy and JAX
  expect_everywhere<std::vector<std::int64_t>>(f, i64(in), want, ints);
}

TEST(Int64Exact, CompareWithTwoToThe53PlusOne) {
  // Issue 20: x == 2^53 + 1 was inverted against eager under jit.
  const std::int64_t c = k2p53 + 1;
  Fn eq = fn([c](Value x) { return x == Value(c); });
  Fn lt = fn([c](Value x) { return x < Value(c); });
  Fn gt_max = fn([](Value x) { return x >= Value(kMax - 1); });
  Fn lt_min = fn([](Value x) { return x <= Value(kMin + 1); });
  std::vector<std::int64_t> in = edge_values();
  std::vector<bool> w_eq, w_lt, w_ge, w_le;
  for (std::int64_t v : in) {
    w_eq.push_back(v == c);
    w_lt.push_back(v < c);
    w_ge.push_back(v >= kMax - 1);
    w_le.push_back(v <= kMin + 1);
  }
  expect_everywhere<std::vector<bool>>(eq, i64(in), w_eq, bools);
  expect_everywhere<std::vector<bool>>(lt, i64(in), w_lt, bools);
  expect_everywhere<std::vector<bool>>(gt_max, i64(in), w_ge, bools);
  expect_everywhere<std::vector<bool>>(lt_min, i64(in), w_le, bools);
}

TEST(Int64Exact, SelectMaxMinWithConstantsNearTwoToThe63) {
  Fn sel = fn([](Value x) { return where(x > Value(k2p53), Value(kMax - 1), Value(kMin + 1)); });
  Fn mx = fn([](Value x) { return maximum(x, Value(kMax - 2)); });
  Fn mn = fn([](Value x) { return minimum(x, Value(kMin + 2)); });
  Fn mix = fn([](Value x) { return maximum(x, Value(k2p53 + 1)) - Value(k2p53 + 1); });
  std::vector<std::int64_t> in = edge_values(), w_sel, w_mx, w_mn, w_mix;
  for (std::int64_t v : in) {
    w_sel.push_back(v > k2p53 ? kMax - 1 : kMin + 1);
    w_mx.push_back(std::max(v, kMax - 2));
    w_mn.push_back(std::min(v, kMin + 2));
    w_mix.push_back(std::max(v, k2p53 + 1) - (k2p53 + 1));
  }
  expect_everywhere<std::vector<std::int64_t>>(sel, i64(in), w_sel, ints);
  expect_everywhere<std::vector<std::int64_t>>(mx, i64(in), w_mx, ints);
  expect_everywhere<std::vector<std::int64_t>>(mn, i64(in), w_mn, ints);
  expect_everywhere<std::vector<std::int64_t>>(mix, i64(in), w_mix, ints);
}

TEST(Int64Exact, ReductionIdentitiesAndConstants) {
  // min's identity is INT64_MAX, max's INT64_MIN; sums and products wrap. The identities
  // were exact before too (a complement trick); the constants kMax - 1 and 2^53 + 1 are
  // what rounded. Sizes 1, 15, 17, 31, 40: the scalar loop and tails at every width.
  Fn f = fn([](Value x) {
    return std::vector<Value>{min(x), max(x), sum(x + Value(kMax - 1)), prod(x * Value(k2p53 + 1))};
  });
  for (std::int64_t n : {1, 15, 17, 31, 40}) {
    for (std::int64_t fillv : {kMax, kMin, kMax - 1, k2p53 + 1}) {
      std::vector<std::int64_t> in(static_cast<std::size_t>(n), fillv);
      std::int64_t s = 0;
      std::uint64_t p = 1;
      for (std::int64_t v : in) {
        s = wrap_add(s, wrap_add(v, kMax - 1));
        p *= static_cast<std::uint64_t>(v) * static_cast<std::uint64_t>(k2p53 + 1);
      }
      std::vector<std::int64_t> want{fillv, fillv, s, static_cast<std::int64_t>(p)};
      auto get = [](const std::vector<Array>& r) {
        std::vector<std::int64_t> out;
        for (const Array& a : r) out.push_back(a.item<std::int64_t>());
        return out;
      };
      Array x = i64(in);
      EXPECT_EQ(get(f(x).arrays()), want) << "eager, n " << n << " fill " << fillv;
      for (int w : kWidths) {
        JitOptions o;
        o.vector_width = w;
        EXPECT_EQ(get(jit(f, o)(x).arrays()), want) << "jit width " << w << " n " << n;
      }
    }
  }
}

TEST(Int64Exact, VmapOfIntegerConstants) {
  Fn f = fn([](Value x) { return where(x == Value(k2p53 + 1), x + kMax, x - Value(kMax)); });
  std::vector<std::int64_t> in = edge_values(), want;
  for (std::int64_t v : in) {
    want.push_back(v == k2p53 + 1 ? wrap_add(v, kMax) : wrap_add(v, -kMax));
  }
  Array x = i64(in);
  EXPECT_EQ(ints(vmap(f)(x)), want);
  for (int w : kWidths) {
    JitOptions o;
    o.vector_width = w;
    EXPECT_EQ(ints(jit(vmap(f), o)(x)), want) << "width " << w;
  }
}

TEST(Int64Exact, FoldConstantsKeepsAllBits) {
  // (INT64_MAX - 1) * 1 + 0 and 2^53 + 1 computed from literals only: folded to literals
  // holding the exact values, which jit then emits exactly.
  Fn f = fn([](Value x) {
    Value c = (Value(kMax) - Value(1)) * Value(1);
    Value d = Value(k2p53) + Value(1);
    return where(x == d, c, x);
  });
  internal::GraphRef g = f.impl()->graph_for({internal::AbstractValue{DType::I64, {3}}});
  internal::Graph folded = internal::fold_constants(*g);
  bool saw_c = false, saw_d = false;
  for (const internal::Equation& e : folded.eqns) {
    for (const internal::Atom& a : e.inputs) {
      if (!a.is_literal()) continue;
      saw_c = saw_c || a.literal.value.as_int64() == kMax - 1;
      saw_d = saw_d || a.literal.value.as_int64() == k2p53 + 1;
    }
  }
  EXPECT_TRUE(saw_c) << folded.to_string();
  EXPECT_TRUE(saw_d) << folded.to_string();
  EXPECT_NE(folded.to_string().find("9223372036854775806:i64"), std::string::npos)
      << folded.to_string();
  Array x = i64({k2p53, k2p53 + 1, k2p53 + 2});
  std::vector<std::int64_t> want{k2p53, kMax - 1, k2p53 + 2};
  expect_everywhere<std::vector<std::int64_t>>(f, x, want, ints);
}

TEST(Int64Exact, LiteralOutputsAndFullAreExact) {
  // A literal as a program output (OutputSource) and lanes::full with a Scalar and with a
  // plain int64_t (which once rounded through a double to 2^63 and saturated to INT64_MAX).
  Fn f = fn([](Value x) {
    return std::vector<Value>{x, Value(kMax - 1), full(DType::I64, {2}, Scalar::of(kMax - 1)),
                              full(DType::I64, {2}, kMax - 1)};
  });
  EXPECT_EQ(ints(Array::full(DType::I64, {2}, kMax - 1)),
            (std::vector<std::int64_t>{kMax - 1, kMax - 1}));
  Array x = i64({1});
  for (bool compiled : {false, true}) {
    std::vector<Array> r = compiled ? jit(f)(x).arrays() : f(x).arrays();
    EXPECT_EQ(r[1].item<std::int64_t>(), kMax - 1) << compiled;
    EXPECT_EQ(ints(r[2]), (std::vector<std::int64_t>{kMax - 1, kMax - 1})) << compiled;
    EXPECT_EQ(ints(r[3]), (std::vector<std::int64_t>{kMax - 1, kMax - 1})) << compiled;
  }
}

TEST(Int64Exact, ArrayItemAndPrinting) {
  // Issue 20: item<int64_t>() of INT64_MAX - 1 returned INT64_MIN; printing showed
  // INT64_MAX as -9223372036854775808.
  EXPECT_EQ(Array::scalar<std::int64_t>(kMax - 1).item<std::int64_t>(), kMax - 1);
  EXPECT_EQ(Array::scalar<std::int64_t>(kMax).item<std::int64_t>(), kMax);
  EXPECT_EQ(Array::scalar<std::int64_t>(k2p53 + 1).item<std::int64_t>(), k2p53 + 1);
  EXPECT_EQ(Array::scalar<std::int64_t>(k2p53 + 1).item<double>(), 9007199254740992.0);
  EXPECT_EQ(Array::scalar<std::int64_t>(kMax).item<std::int32_t>(), -1);  // astype wraps
  EXPECT_EQ(Array::scalar(1e300).item<std::int64_t>(), kMax);             // astype saturates
  EXPECT_EQ(i64({kMax, kMin, k2p53 + 1}).to_string(),
            "array([9223372036854775807, -9223372036854775808, 9007199254740993], dtype=i64)");
  EXPECT_EQ(Array::full(DType::I64, {2}, Scalar::of(kMax)).to_string(),
            "array([9223372036854775807, 9223372036854775807], dtype=i64)");
  EXPECT_EQ(i64({kMax}).element(0).as_int64(), kMax);
}

TEST(Int64Exact, ScalarConversions) {
  // astype's rules (docs/semantics.md), exact where the target holds the value.
  EXPECT_EQ(Scalar::of(kMax).to_string(), "9223372036854775807");
  EXPECT_EQ(Scalar::of(kMin).to_string(), "-9223372036854775808");
  EXPECT_EQ(Scalar::of(true).to_string(), "True");
  EXPECT_EQ(Scalar::of(0.5).to_string(), "0.5");
  EXPECT_EQ(Scalar::of_int(DType::I32, kMax).as_int64(), -1);
  EXPECT_EQ(Scalar::of_int(DType::I32, std::int64_t{1} << 32).as_int64(), 0);
  EXPECT_EQ(Scalar::of_double(DType::I64, 1e19).as_int64(), kMax);
  EXPECT_EQ(Scalar::of_double(DType::I64, -1e19).as_int64(), kMin);
  EXPECT_EQ(Scalar::of_double(DType::I64, std::numeric_limits<double>::quiet_NaN()).as_int64(), 0);
  EXPECT_EQ(Scalar::of_double(DType::I32, -2.9).as_int64(), -2);
  EXPECT_EQ(Scalar::of(kMax).convert(DType::F64).as_double(), 9223372036854775808.0);
  EXPECT_EQ(Scalar::of(k2p53 + 1).convert(DType::F32).as_double(), 9007199254740992.0);
  EXPECT_TRUE(Scalar::of_double(DType::Bool, std::numeric_limits<double>::quiet_NaN()).as<bool>());
  EXPECT_FALSE(Scalar::of(k2p53).identical(Scalar::of(k2p53 + 1)));
  EXPECT_FALSE(Scalar::of(0.0).identical(Scalar::of(-0.0)));
  EXPECT_TRUE(Scalar::of(std::numeric_limits<double>::quiet_NaN())
                  .identical(Scalar::of(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_FALSE(Scalar::of_int(DType::I32, 1).identical(Scalar::of_int(DType::I64, 1)));
  EXPECT_TRUE(Scalar::of(1.0).equals(1));
  EXPECT_FALSE(Scalar::of(k2p53 + 1).equals(k2p53));
}

}  // namespace
}  // namespace lanes
