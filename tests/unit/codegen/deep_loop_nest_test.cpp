// Kernels whose loops nest deeper than kMaxOptimizedLoopDepth (codegen/cpu/cpu_jit.cpp)
// are compiled without LLVM's IR passes (optnone), whose loop passes take time
// superlinear in the nest's depth; shallower ones keep the full pipeline. Either way the
// answer is the interpreter's.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <string>
#include <tuple>
#include <vector>

#include "tests/unit/test_util.h"

namespace {

using lanes::Array;
using lanes::Value;

// A while_loop whose body runs the next level once (a counter carry); the innermost
// doubles: (v + 0.5 depth) * 2.
Value nest_while(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  auto [x, i] = lanes::while_loop(
      [](std::tuple<Value, Value> c) { return std::get<1>(c) < 1.0; },
      [depth](std::tuple<Value, Value> c) {
        return std::make_tuple(nest_while(std::get<0>(c) + 0.5, depth - 1), std::get<1>(c) + 1.0);
      },
      std::make_tuple(v, Value(0.0)));
  (void)i;
  return x;
}

TEST(DeepLoopNest, OnlyKernelsNestedDeeperThanTheBoundSkipTheOptimizer) {
  const std::vector<double> xs{-1.0, 0.25, 3.0, 7.5, -4.0, 0.0, 2.0, 9.0, 1.5};
  const Array x = Array::from(xs);
  for (const int depth : {4, 40}) {
    lanes::Fn f = lanes::jit(lanes::vmap(lanes::fn([depth](Value v) { return nest_while(v, depth); })));
    const std::string ir = f.llvm_ir({x});
    EXPECT_EQ(ir.find("optnone") != std::string::npos, depth > 16) << "depth " << depth;
    std::vector<double> want;
    for (double v : xs) want.push_back((v + 0.5 * depth) * 2.0);
    EXPECT_TRUE(lanes::testing::arrays_close(f(x), Array::from(want))) << "depth " << depth;
  }
}

}  // namespace
