// Transformations of a jitted function stay compiled (vmap(jit(f)) runs compiled code,
// as in JAX), and agree with the interpreted composition.
#include "test_util.h"

#include <lanes/lanes.h>

#include <gtest/gtest.h>

namespace lanes {
namespace {

TEST(JitComposition, VmapOfJitRunsCompiledCode) {
  Fn f = fn([](Value x, Value w) { return sum(sin(x) * w); });
  Array xs = Array::linspace(-1, 1, 12).reshaped({4, 3});
  Array w = Array::from(std::vector<double>{0.5, -1.0, 2.0});
  Fn interpreted = vmap(f, {0, none});
  Fn compiled = vmap(jit(f), {0, none});
  EXPECT_THROW((void)interpreted.llvm_ir({xs, w}), ArgumentError);
  EXPECT_NE(compiled.llvm_ir({xs, w}).find("define"), std::string::npos);
  EXPECT_TRUE(testing::arrays_close(compiled(xs, w), interpreted(xs, w), 4));
}

TEST(JitComposition, JitOfVmapEqualsInterpreter) {
  Fn f = fn([](Value x) { return exp(-x * x) + cos(x); });
  Array xs = Array::linspace(-3, 3, 1001);
  EXPECT_TRUE(testing::arrays_close(jit(vmap(f))(xs), vmap(f)(xs), 4));
}

}  // namespace
}  // namespace lanes
