// JitOptions::opt_level: the fast-compiling levels (0: no IR optimisation and LLVM's fast
// instruction selection; 1: O1) give the interpreter's results as the default level 2
// does, on a representative set of fused functions (vector math, softmax, reductions,
// dot_general, broadcasting, control flow with masked while loops and per-element
// branches), at forced widths 1, 4, 16 and the host width, within the tolerances of the
// JIT-vs-interpreter tests (jit_fusion_test.cpp: bit-exact where the JIT performs the
// interpreter's roundings in its order, else the ULP bounds of docs/precision.md); and
// the level is part of the compile cache's key, and an invalid level is an ArgumentError.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/compile_cache.h"
#include "tests/unit/difftest_util.h"

namespace lanes {
namespace {

using testing::Tolerance;

constexpr int kWidths[] = {0, 1, 4, 16};  // 0: the host width

Array f64(Shape s, double scale = 0.37, double amp = 3.0) {
  return testing::sine_ramp(DType::F64, s, scale, amp);
}
Array f32(Shape s, double scale = 0.37, double amp = 3.0) {
  return testing::sine_ramp(DType::F32, s, scale, amp);
}
constexpr double kEps32 = 0x1p-24, kEps64 = 0x1p-53;

// Positive values over many magnitudes (0.25 to ~4e10): different trip counts per lane.
Array wide_positive(std::int64_t n) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(0.25 * std::pow(3.3, static_cast<double>(i)));
  return Array::from(v, {n});
}

struct Case {
  std::string name;
  std::function<Fn()> make;  // a fresh Fn per check, so each level traces and compiles
  std::vector<Arg> args;
  std::vector<Tolerance> tols;  // empty: bit-exact
};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"sin_times_y_plus_gaussian_f64",
               [] { return fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); }); },
               {f64({37}), f64({37}, 1.3)},
               {{8, 32 * kEps64 * 4}}});
  c.push_back({"sin_times_y_plus_gaussian_f32",
               [] { return fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); }); },
               {f32({37}), f32({37}, 1.3)},
               {{8, 32 * kEps32 * 4}}});
  c.push_back({"softmax_rows",
               [] {
                 return fn([](Value x) {
                   Value e = exp(x - expand_dims(max(x, {1}), 1));
                   return e / expand_dims(sum(e, {1}), 1);
                 });
               },
               {f64({5, 13}, 0.9, 4.0)},
               {{8, 0}}});
  c.push_back({"centering_by_the_mean",  // same sums in the same order: exact
               [] { return fn([](Value x) { return x - expand_dims(mean(x, {1}), 1); }); },
               {f64({6, 37})},
               {}});
  c.push_back({"mlp_layer_batched",
               [] {
                 return fn([](Value w, Value x, Value b) {
                   return tanh(matmul(w, x) + expand_dims(b, 1));
                 });
               },
               {f64({16, 8}, 0.3, 0.5), f64({8, 9}, 0.7), f64({16}, 1.1, 0.2)},
               {{4, 0}}});
  c.push_back({"integer_arithmetic_and_compare",  // integer work is exact
               [] {
                 return fn([](Value i, Value j) {
                   return std::make_tuple(where(i > j, i * j - 7, i / (j * j + 1)), max(i + j),
                                          sum(i % (abs(j) + 1)));
                 });
               },
               {testing::sine_ramp(DType::I64, {3, 11}, 0.7, 50.0),
                testing::sine_ramp(DType::I64, {11}, 0.3, 9.0)},
               {}});
  c.push_back({"fori_loop_polynomial",  // the same multiply-adds in the same order: exact
               [] {
                 return fn([](Value x, Value n) {
                   return fori_loop(
                       0, n, [x](Value i, Value acc) { return acc * x + astype(i, DType::F64); },
                       zeros_like(x));
                 });
               },
               {f64({9}, 0.3, 1.0), Array::scalar<std::int64_t>(6)},
               {}});
  c.push_back({"per_lane_newton_while_loop",  // masked while loop, data-dependent trips
               [] { return vmap(testing::newton_sqrt_fn()); },
               {wide_positive(21)},
               {}});
  c.push_back({"cond_on_data",
               [] {
                 return fn([](Value x, Value y) {
                   return cond(
                       sum(x) > 0.0, [y](Value v) { return v * y + 1.0; },
                       [y](Value v) { return v - y; }, x);
                 });
               },
               {f64({5}), f64({5}, 0.5)},
               {}});
  return c;
}

struct Param {
  int opt_level;
  std::size_t case_index;
};

class JitOptLevel : public ::testing::TestWithParam<Param> {};

TEST_P(JitOptLevel, MatchesTheInterpreterAsTheDefaultLevelDoes) {
  const Case c = cases().at(GetParam().case_index);
  Fn f = c.make();
  Outputs want = f.call(c.args);
  for (int w : kWidths) {
    JitOptions o;
    o.vector_width = w;
    o.opt_level = GetParam().opt_level;
    SCOPED_TRACE(c.name + ", width " + std::to_string(w) + ", opt_level " +
                 std::to_string(o.opt_level));
    Outputs got = jit(c.make(), o).call(c.args);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      Tolerance t = c.tols.empty() ? Tolerance{} : c.tols.at(c.tols.size() == 1 ? 0 : i);
      EXPECT_TRUE(testing::same_array(got[i], want[i], t)) << "output " << i;
    }
  }
}

std::vector<Param> params() {
  std::vector<Param> p;
  const std::size_t n = cases().size();
  for (int level : {0, 1, 2}) {
    for (std::size_t i = 0; i < n; ++i) p.push_back({level, i});
  }
  return p;
}

INSTANTIATE_TEST_SUITE_P(Cases, JitOptLevel, ::testing::ValuesIn(params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return "O" + std::to_string(info.param.opt_level) + "_" +
                                  cases().at(info.param.case_index).name;
                         });

// Independent of the interpreter: Newton's sqrt at level 0 converges to sqrt(a).
TEST(JitOptLevelZero, NewtonSqrtAgreesWithCmath) {
  Fn f = jit(testing::newton_sqrt_fn(), {.opt_level = 0});
  for (double a : {0.25, 2.0, 12345.678, 4e10}) {
    Outputs r = f(a);
    EXPECT_NEAR(r[0].item<double>(), std::sqrt(a), 4e-16 * std::sqrt(a)) << a;
  }
}

TEST(JitOptLevelZero, IsPartOfTheCompileCacheKey) {
  Fn f = fn([](Value x) { return x * 3.0 + 0.5; });
  Array x = f64({10});
  Fn fast = jit(f, {.opt_level = 0}), full = jit(f, {.opt_level = 2});
  const std::uint64_t before = internal::compile_cache_compiles();
  Array a = fast(x);
  Array b = full(x);
  EXPECT_EQ(internal::compile_cache_compiles(), before + 2);
  EXPECT_TRUE(testing::same_array(a, b));
  for (std::int64_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(a.element_as_double(i), x.element_as_double(i) * 3.0 + 0.5);
  }
}

TEST(JitOptLevelZero, InvalidLevelIsAnArgumentError) {
  Fn f = fn([](Value x) { return x + 1.0; });
  testing::expect_error<ArgumentError>([&] { jit(f, {.opt_level = 3}); },
                                       {"jit", "opt_level", "3"});
  testing::expect_error<ArgumentError>([&] { jit(f, {.opt_level = -1}); },
                                       {"jit", "opt_level", "-1"});
}

}  // namespace
}  // namespace lanes
