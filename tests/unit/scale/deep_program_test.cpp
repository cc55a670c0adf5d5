// Programs of 10^5 equations (issue 18): a chain and a nesting of one value run through
// the interpreter, vmap, grad and jit on a 1 MiB stack (small_stack_util.h), against the same
// recurrence computed by plain C++ loops, and through fusion's segment and loop-depth cuts.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <vector>

#include "small_stack_util.h"

namespace lanes {
namespace {

using testing::run_on_small_stack;

// Sanitized builds run a tenth of the size (their code is 5-20 times slower; the stack
// they get is still far below what a recursion per equation would need).
constexpr int kEquations = testing::kSanitized ? 10000 : 100000;
const std::vector<double> kPoints = {-0.7, 0.3, 1.1, 2.0, -1.9};

Array points() { return Array::from(kPoints); }

// y <- sin(y) * 1.0001 + 0.5 * x: three equations a step, x used by every step.
constexpr int kChainSteps = kEquations / 3;
Fn chain() {
  return fn([](Value x) {
    Value y = x;
    for (int i = 0; i < kChainSteps; ++i) y = sin(y) * 1.0001 + 0.5 * x;
    return y;
  });
}
// The chain and its derivative in plain C++ (forward mode by hand).
std::pair<double, double> chain_reference(double x) {
  double y = x, dy = 1;
  for (int i = 0; i < kChainSteps; ++i) {
    dy = std::cos(y) * 1.0001 * dy + 0.5;
    y = std::sin(y) * 1.0001 + 0.5 * x;
  }
  return {y, dy};
}

// tanh(tanh(...tanh(x) * 1.5 ...)): one value nested 10^5 / 2 times, each level used once.
constexpr int kNestLevels = kEquations / 2;
Fn nesting() {
  return fn([](Value x) {
    Value y = x;
    for (int i = 0; i < kNestLevels; ++i) y = tanh(y) * 1.5;
    return y;
  });
}
std::pair<double, double> nesting_reference(double x) {
  double y = x, dy = 1;
  for (int i = 0; i < kNestLevels; ++i) {
    const double t = std::tanh(y);
    dy = (1 - t * t) * 1.5 * dy;
    y = t * 1.5;
  }
  return {y, dy};
}

// Each result against the reference; the jitted math functions are within a few ulps of
// <cmath> per step, and both recurrences contract errors, so 1e-9 relative holds.
void expect_near_all(const Array& got, double (*ref)(double), const char* what) {
  ASSERT_EQ(got.size(), kPoints.size()) << what;
  for (std::size_t i = 0; i < kPoints.size(); ++i) {
    const double want = ref(kPoints[i]);
    EXPECT_NEAR(got.data<double>()[i], want, 1e-9 * (1 + std::abs(want)))
        << what << " at x = " << kPoints[i];
  }
}

// jit(vmap(grad(f))) against the interpreted vmap(grad(f)).
void expect_jit_equals_interpreted_grad(const Array& got, const Fn& f) {
  const Array want = vmap(grad(f))(points());
  for (std::size_t i = 0; i < kPoints.size(); ++i) {
    EXPECT_NEAR(got.data<double>()[i], want.data<double>()[i],
                1e-9 * (1 + std::abs(want.data<double>()[i])));
  }
}

double chain_value(double x) { return chain_reference(x).first; }
double chain_slope(double x) { return chain_reference(x).second; }
double nesting_value(double x) { return nesting_reference(x).first; }
double nesting_slope(double x) { return nesting_reference(x).second; }

// The fast-compile tier keeps the test short; the lowering and fusion are the same at
// every opt_level (LLVM's optimizer is the only difference).
const JitOptions kFast{.opt_level = 0};

TEST(DeepProgram, ChainOfTenToTheFiveEquationsOnASmallStack) {
  run_on_small_stack([] {
    const Fn f = chain();
    expect_near_all(vmap(f)(points()), chain_value, "vmap (interpreted)");
    expect_near_all(jit(vmap(f), kFast)(points()), chain_value, "jit(vmap)");
    expect_near_all(jit(f, kFast)(points()), chain_value, "jit");
    expect_near_all(vmap(grad(f))(points()), chain_slope, "vmap(grad) (interpreted)");
    Array one = Array::full(DType::F64, {}, kPoints[1]);
    EXPECT_NEAR(static_cast<Array>(f(one)).item<double>(), chain_value(kPoints[1]), 1e-12);
  });
}

TEST(DeepProgram, NestingOfTenToTheFiveOnASmallStack) {
  run_on_small_stack([] {
    const Fn f = nesting();
    expect_near_all(f(points()), nesting_value, "interpreted");
    expect_near_all(jit(f, kFast)(points()), nesting_value, "jit");
    expect_near_all(vmap(grad(f))(points()), nesting_slope, "vmap(grad) (interpreted)");
  });
}

// jit of grad at a tenth of the size: its 3 * 10^4 equations (the pullback doubles the
// program) are cut into about 60 segments whose residuals cross in memory; LLVM takes
// about 3 ms a step there (docs/benchmarks.md), too long for the suite at 10^5.
TEST(DeepProgram, JitOfGradOfADeepNestingOnASmallStack) {
  run_on_small_stack([] {
    const Fn f = fn([](Value x) {
      Value y = x;
      for (int i = 0; i < kNestLevels / 10; ++i) y = tanh(y) * 1.5;
      return y;
    });
    const Array got = jit(vmap(grad(f)), kFast)(points());
    expect_jit_equals_interpreted_grad(got, f);
  });
}

// The optimizing tier on a chain long enough to be cut into many segments.
TEST(DeepProgram, OptimizedJitOfALongChainOnASmallStack) {
  run_on_small_stack([] {
    const Fn f = fn([](Value x) {
      Value y = x;
      for (int i = 0; i < 1000; ++i) y = sin(y) * 1.0001 + 0.5 * x;
      return y;
    });
    const Array got = jit(vmap(grad(f)))(points());
    expect_jit_equals_interpreted_grad(got, f);
  });
}

// 200 chained loops inlined per element, on the small stack, against the recurrence
// (Lower.InlinedLoopsAreCutEveryKMaxInlinedLoops checks where fusion cuts such a chain).
TEST(DeepProgram, ChainOfInlinedLoopsOnASmallStack) {
  run_on_small_stack([] {
    const Fn f = fn([](Value x) {
      Value y = x;
      for (int i = 0; i < 200; ++i) {
        y = fori_loop(
            0, 3, [](Value, Value acc) { return acc * 0.5 + 1.0; }, y);
      }
      return y;
    });
    const Array got = jit(vmap(f))(points());
    for (std::size_t i = 0; i < kPoints.size(); ++i) {
      double y = kPoints[i];
      for (int k = 0; k < 600; ++k) y = y * 0.5 + 1.0;
      EXPECT_DOUBLE_EQ(got.data<double>()[i], y);
    }
  });
}

}  // namespace
}  // namespace lanes
