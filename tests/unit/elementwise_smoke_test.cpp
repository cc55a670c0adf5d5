// Smoke test of the elementwise DSL through eager lanes::fn calls (the interpreter).
#include <lanes/lanes.h>

#include <gtest/gtest.h>

#include <cmath>

namespace lanes {
namespace {

TEST(ElementwiseSmoke, SinTimesYPlusExp) {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  Array xs = Array::from(std::vector<double>{0.0, 0.5, -1.25});
  Array r = f(xs, 2.0);
  ASSERT_EQ(r.dtype(), DType::F64);
  for (int i = 0; i < 3; ++i) {
    double x = xs.data<double>()[i];
    EXPECT_DOUBLE_EQ(r.data<double>()[i], std::sin(x) * 2.0 + std::exp(-x * x));
  }
}

}  // namespace
}  // namespace lanes
