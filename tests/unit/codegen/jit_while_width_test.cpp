// The default SIMD width of kernels holding a data-dependent while loop: a short While
// of cheap arithmetic (latency-bound on its carries, as Newton's sqrt) takes four
// registers of lanes per step when they divide the vector axis (codegen/cpu/cpu_jit.cpp,
// kernel_width), with a one-register loop for the points left over (kernel_tail_width);
// long bodies, vector math and extents shorter than the wide step keep one register. The wide
// masked loops must keep every lane's own trip count: results equal a scalar C++ loop (integers,
// exactly), the closed form and the interpreter (floats), with neighbouring lanes running very
// different numbers of iterations.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <variant>

#include "bench/newton.h"
#include "codegen/cpu/cpu_jit.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "engine/trace.h"
#include "test_util.h"

namespace lanes {
namespace {

using C2 = std::tuple<Value, Value>;

// Lanes of one register for `bytes`-sized elements on this host.
int native_width(int bytes) { return internal::cpu::host_isa().vector_bytes() / bytes; }

// The widths the CPU backend picks for the single kernel of f at these arguments: lanes
// per main step, and per step of the tail loop (0: none).
struct Widths {
  int width = -1, tail = -1;
  bool operator==(const Widths&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Widths& w) {
  return os << "{" << w.width << ", " << w.tail << "}";
}
Widths chosen_widths(const Fn& f, const std::vector<Array>& args, JitOptions options = {}) {
  std::vector<internal::AbstractValue> avals;
  for (const Array& a : args) avals.push_back(internal::aval_of(a));
  internal::Graph g = *internal::trace_graph(avals, [&](std::span<const Value> in) {
                         Values o = f.call_traced(std::vector<Value>(in.begin(), in.end()));
                         return std::vector<Value>(o.begin(), o.end());
                       }).graph;
  internal::loop::Program p = internal::lower_to_loops(internal::optimize_graph(g), options);
  std::vector<const internal::loop::Kernel*> ks;
  for (const auto& s : p.steps) {
    if (const auto* k = std::get_if<internal::loop::Kernel>(&s)) ks.push_back(k);
  }
  EXPECT_EQ(ks.size(), 1u) << p.to_string();
  if (ks.empty()) return {};
  const int w = internal::cpu::kernel_width(*ks[0], options);
  return {w, internal::cpu::kernel_tail_width(*ks[0], options, w)};
}
int chosen_width(const Fn& f, const std::vector<Array>& args, JitOptions options = {}) {
  return chosen_widths(f, args, options).width;
}

// Positive values spanning 1e-200 .. 1e200, log-uniform and scattered, so neighbouring
// lanes run from a few to hundreds of Newton iterations.
Array scattered_positive(std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double t = std::fmod(static_cast<double>(i + 1) * 0.6180339887498949, 1.0);
    v[static_cast<std::size_t>(i)] = std::pow(10.0, -200.0 + 400.0 * t);
  }
  return Array::from(v);
}

TEST(JitWhileWidth, ShortWhileTakesFourRegistersAndARegisterForItsTail) {
  Fn f = vmap(bench::newton_sqrt_per_element());  // as the benchmarks write it
  const int w = native_width(8);
  EXPECT_EQ(chosen_widths(f, {scattered_positive(64 * w)}), (Widths{4 * w, 0}));
  // Points left over by whole wide steps run one register at a time.
  EXPECT_EQ(chosen_widths(f, {scattered_positive(64 * w + 1)}), (Widths{4 * w, w}));
  // Fewer points than one wide step: one register.
  EXPECT_EQ(chosen_widths(f, {scattered_positive(4 * w - 1)}), (Widths{w, 0}));
  // A forced width is kept, without a tail loop.
  EXPECT_EQ(chosen_widths(f, {scattered_positive(64 * w + 1)}, {.vector_width = 2}),
            (Widths{2, 0}));
  // f32 lanes are twice as many per register.
  std::vector<float> a32(static_cast<std::size_t>(64 * w), 2.0f);
  EXPECT_EQ(chosen_width(f, {Array::from(a32)}), 4 * native_width(4));
}

TEST(JitWhileWidth, LongBodiesAndVectorMathKeepOneRegister) {
  const int w = native_width(8);
  Array a = scattered_positive(64 * w);
  // A 40-op polynomial step has independent work of its own.
  Fn long_body = vmap(fn([](Value a) {
    auto [x, k] = while_loop([](C2 c) { return std::get<1>(c) < 3.0; },
                             [a](C2 c) {
                               Value x = std::get<0>(c);
                               for (int i = 0; i < 20; ++i) x = x * 0.5 + a;
                               return std::make_tuple(x, std::get<1>(c) + 1.0);
                             },
                             std::make_tuple(a, zeros_like(a)));
    (void)k;
    return x;
  }));
  EXPECT_EQ(chosen_width(long_body, {a}), w);
  Fn math = vmap(fn([](Value a) {
    auto [x, k] = while_loop(
        [a](C2 c) { return std::get<1>(c) < a; },
        [](C2 c) { return std::make_tuple(lanes::sin(std::get<0>(c)), std::get<1>(c) + 1.0); },
        std::make_tuple(a, zeros_like(a)));
    (void)k;
    return x;
  }));
  EXPECT_EQ(chosen_width(math, {a}), w);
}

TEST(JitWhileWidth, WideNewtonMatchesClosedFormAndInterpreter) {
  Fn f = vmap(bench::newton_sqrt_per_element());  // as the benchmarks write it
  Fn jf = jit(f);
  const int w = native_width(8);
  for (std::int64_t n : {std::int64_t{64} * w, std::int64_t{64} * w + 4 * w - 1}) {
    Array a = scattered_positive(n);
    Array got = jf(a);
    // Division, addition and multiplication round the same way in every lane and in the
    // interpreter, so the trajectories agree bit for bit.
    EXPECT_TRUE(testing::arrays_close(got, f(a)[0], 0)) << "n " << n;
    for (std::int64_t i = 0; i < n; ++i) {
      const double want = std::sqrt(a.element_as_double(i));
      ASSERT_NEAR(got.element_as_double(i), want, 4e-16 * want) << "a = " << a.element_as_double(i);
    }
  }
}

// Collatz: steps until 1, per lane; trip counts of neighbours differ by up to ~100.
TEST(JitWhileWidth, WideCollatzKeepsEachLanesTripCount) {
  Fn steps = vmap(fn([](Value n) {
    auto [m, k] = while_loop([](C2 c) { return std::get<0>(c) != std::int64_t{1}; },
                             [](C2 c) {
                               Value m = std::get<0>(c);
                               Value next =
                                   where(rem(m, Value(std::int64_t{2})) == std::int64_t{0},
                                         div(m, Value(std::int64_t{2})), 3 * m + std::int64_t{1});
                               return std::make_tuple(next, std::get<1>(c) + std::int64_t{1});
                             },
                             std::make_tuple(n, zeros_like(n)));
    (void)m;
    return k;
  }));
  const int w = native_width(8);
  // Whole wide steps, two one-register tail steps and three single points.
  const std::int64_t n = 32 * 4 * w + 2 * w + 3;
  std::vector<std::int64_t> start(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) start[static_cast<std::size_t>(i)] = 1 + (i * 7919) % 10007;
  ASSERT_EQ(chosen_widths(steps, {Array::from(start)}), (Widths{4 * w, w}));
  Array got = jit(steps)(Array::from(start));
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t m = start[static_cast<std::size_t>(i)], k = 0;
    while (m != 1) {
      m = m % 2 == 0 ? m / 2 : 3 * m + 1;
      ++k;
    }
    ASSERT_EQ(got.data<std::int64_t>()[static_cast<std::size_t>(i)], k) << "start " << start[i];
  }
}

TEST(JitWhileWidth, ThreadPoolChunksAgreeWithOneThread) {
  // Over 2^16 points, so chunks (aligned to the wide step) run on the pool; the last one
  // ends with the tail loops.
  Fn f = vmap(bench::newton_sqrt_per_element());  // as the benchmarks write it
  Array a = scattered_positive((std::int64_t{1} << 17) + 37);
  Array par = jit(f, {.parallel = true})(a);
  Array one = jit(f, {.parallel = false})(a);
  EXPECT_TRUE(testing::arrays_close(par, one, 0));
}

}  // namespace
}  // namespace lanes
