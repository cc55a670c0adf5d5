// The graph printer (Graph::to_string: `:ir`, LANES_DEBUG=ir, test messages, the compile
// cache's key) on small stacks (issue 18): a 10^5-equation chain and nested sub-graphs print
// without recursing on the native stack.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "engine/ir/graph.h"
#include "engine/primitive.h"
#include "tests/unit/small_stack_util.h"

namespace lanes::internal {
namespace {

using lanes::testing::kSmallStackBytes;
using lanes::testing::run_on_small_stack;

// { lambda a:f64[] . b = sin[params] a  in (b) }, one equation.
GraphRef one_equation(Params params) {
  auto g = std::make_shared<Graph>();
  const int a = g->new_var({DType::F64, {}});
  const int b = g->new_var({DType::F64, {}});
  g->inputs = {a};
  g->eqns.push_back({&primitive("sin"), {Atom::of_var(a)}, {b}, std::move(params)});
  g->outputs = {Atom::of_var(b)};
  return g;
}

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(GraphPrinterDeep, LongChainPrintsOnASmallStack) {
  constexpr int kEqns = 100000;
  Graph g;
  int x = g.new_var({DType::F64, {}});
  g.inputs = {x};
  for (int i = 0; i < kEqns; ++i) {
    const int y = g.new_var({DType::F64, {}});
    g.eqns.push_back({&primitive("sin"), {Atom::of_var(x)}, {y}, {}});
    x = y;
  }
  g.outputs = {Atom::of_var(x)};
  std::string text;
  run_on_small_stack([&] { text = g.to_string(); });
  EXPECT_EQ(lines(text), static_cast<std::size_t>(kEqns) + 2);
  EXPECT_EQ(text.rfind("{ lambda a:f64[] .\n  b:f64[] = sin a\n", 0), 0u) << text.substr(0, 80);
  EXPECT_EQ(text.substr(text.size() - 14), "  in (frye) }\n");
}

TEST(GraphPrinterDeep, NestedSubGraphsPrintOnASmallStack) {
  // Each level holds the one below as a sub-graph parameter (as nested conds do).
  constexpr int kDepth = 1000;
  GraphRef g = one_equation({});
  for (int i = 0; i < kDepth; ++i) g = one_equation({{"body", g}, {"level", std::int64_t{i}}});
  // 64 KiB (512 KiB sanitized): far less than a recursion through 1000 levels would need
  // (the text itself grows quadratically with the depth, through its indentation, so the
  // depth stays small).
  std::string text;
  run_on_small_stack([&] { text = g->to_string(); }, kSmallStackBytes / 16);
  // Per level: the header (on the line of its parent's "body="), the equation, the output line.
  EXPECT_EQ(lines(text), 3u * (kDepth + 1));
  const std::string innermost = std::string(4 * kDepth + 2, ' ') + "b:f64[] = sin a\n";
  EXPECT_NE(text.find("\n" + innermost), std::string::npos);
  EXPECT_EQ(text.rfind("{ lambda a:f64[] .\n  b:f64[] = sin[level=999] a\n    body={ lambda", 0),
            0u)
      << text.substr(0, 200);
  EXPECT_EQ(text.substr(text.size() - 11), "  in (b) }\n");
}

TEST(GraphPrinterDeep, SubGraphListsAndNullsKeepTheirFormat) {
  GraphRef leaf = one_equation({});
  GraphRef g =
      one_equation({{"branches", std::vector<GraphRef>{leaf, nullptr}}, {"n", std::int64_t{2}}});
  EXPECT_EQ(g->to_string(),
            "{ lambda a:f64[] .\n"
            "  b:f64[] = sin[n=2] a\n"
            "    branches[0]={ lambda a:f64[] .\n"
            "      b:f64[] = sin a\n"
            "      in (b) }\n"
            "    branches[1]=null\n"
            "  in (b) }\n");
}

}  // namespace
}  // namespace lanes::internal
