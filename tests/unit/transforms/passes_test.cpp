// Graph clean-up passes: each pass keeps the function's values (checked with the
// interpreter) and removes what it promises to remove (checked on the graph).
#include "engine/interpreter.h"
#include "engine/jit_pipeline.h"
#include "engine/passes/cse.h"
#include "engine/passes/dce.h"
#include "engine/passes/fold_constants.h"
#include "engine/passes/simplify.h"
#include "engine/primitive.h"
#include "frontend/fn_impl.h"
#include "graph_test_util.h"
#include "test_util.h"

#include <lanes/lanes.h>

#include <gtest/gtest.h>

namespace lanes {
namespace {

using internal::Graph;

Graph trace(const Fn& f, const std::vector<Array>& args) { return testing::traced_graph(f, args); }
int count(const Graph& g, const std::string& prim) { return testing::count_prim(g, prim); }

void expect_same_values(const Graph& a, const Graph& b, const std::vector<Array>& args) {
  std::vector<Array> ra = internal::interpret(a, args), rb = internal::interpret(b, args);
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_TRUE(testing::arrays_close(rb[i], ra[i]));
}

TEST(Passes, DeadCodeIsRemoved) {
  Fn f = fn([](Value x) {
    Value unused = exp(x) * 3.0;
    (void)unused;
    return sin(x);
  });
  std::vector<Array> args{Array::from(std::vector<double>{0.5, 1.0})};
  Graph g = trace(f, args);
  Graph d = internal::eliminate_dead_code(g);
  EXPECT_EQ(count(d, "exp"), 0);
  EXPECT_EQ(count(d, "mul"), 0);
  EXPECT_EQ(count(d, "sin"), 1);
  EXPECT_LT(d.vars.size(), g.vars.size());  // renumbered densely
  expect_same_values(g, d, args);
}

TEST(Passes, CommonSubexpressionsMerge) {
  Fn f = fn([](Value x, Value y) { return sin(x * y) + sin(x * y); });
  std::vector<Array> args{Array::from(std::vector<double>{0.5, 1.0}), Array::scalar(2.0)};
  Graph g = trace(f, args);
  Graph c = internal::eliminate_dead_code(internal::eliminate_common_subexpressions(g));
  EXPECT_EQ(count(g, "sin"), 2);
  EXPECT_EQ(count(c, "sin"), 1);
  EXPECT_EQ(count(c, "mul"), 1);
  expect_same_values(g, c, args);
}

TEST(Passes, ScalarConstantsFold) {
  Fn f = fn([](Value x) { return x * (Value(2.0) * 3.0 + exp(Value(0.0))); });
  std::vector<Array> args{Array::from(std::vector<double>{0.5, 1.0})};
  Graph g = trace(f, args);
  Graph k = internal::eliminate_dead_code(internal::fold_constants(g));
  EXPECT_EQ(count(k, "exp"), 0);
  EXPECT_EQ(count(k, "add"), 0);
  ASSERT_EQ(k.eqns.size(), 1u);
  EXPECT_EQ(k.eqns[0].inputs[1].literal.value.as_double(), 7.0);
  expect_same_values(g, k, args);
}

TEST(Passes, SimplifyKeepsIeeeSemantics) {
  // x * 1 and x - 0 are identities; x + 0.0 is not (-0.0 + 0.0 = +0.0) and must stay.
  Fn f = fn([](Value x) { return std::make_tuple((x * 1.0) - 0.0, x + 0.0, -(-x)); });
  std::vector<Array> args{Array::from(std::vector<double>{-0.0, 1.5})};
  Graph g = trace(f, args);
  Graph s = internal::eliminate_dead_code(internal::simplify(g));
  EXPECT_EQ(count(s, "mul"), 0);
  EXPECT_EQ(count(s, "sub"), 0);
  EXPECT_EQ(count(s, "neg"), 0);
  EXPECT_EQ(count(s, "add"), 1);
  expect_same_values(g, s, args);
  std::vector<Array> r = internal::interpret(s, args);
  EXPECT_TRUE(std::signbit(r[0].data<double>()[0]));   // -0.0 * 1 - 0 = -0.0
  EXPECT_FALSE(std::signbit(r[1].data<double>()[0]));  // -0.0 + 0.0 = +0.0
}

TEST(Passes, IntegerAddZeroSimplifies) {
  Fn f = fn([](Value x) { return x + 0; });
  std::vector<Array> args{Array::from(std::vector<std::int32_t>{1, 2})};
  Graph s = internal::simplify(trace(f, args));
  EXPECT_EQ(count(internal::eliminate_dead_code(s), "add"), 0);
}

TEST(Passes, PipelineKeepsValuesAndVerifies) {
  Fn f = fn([](Value x, Value y) {
    Value a = sin(x) * y;
    Value b = sin(x) * y;
    return a + b * 1.0 + exp(Value(0.0));
  });
  std::vector<Array> args{Array::linspace(-1, 1, 7), Array::scalar(3.0)};
  Graph g = trace(f, args);
  Graph o = internal::optimize_graph(g);
  EXPECT_EQ(count(o, "sin"), 1);
  expect_same_values(g, o, args);
}

}  // namespace
}  // namespace lanes
