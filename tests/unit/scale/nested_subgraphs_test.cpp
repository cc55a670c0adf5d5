// Sub-graphs nested 10^4 deep (issue 18): a cond inside a cond inside ..., and a fori_loop
// whose body holds a fori_loop whose body ... . The graph passes (optimize_graph: DCE,
// CSE, simplify, fold, expand) and the destruction of the graphs run on a 1 MiB stack,
// and the optimized graph still computes the closed form written in plain C++. The
// components that still recurse once per level (interpreter, vmap, jvp, vjp, the jit's
// control-flow inliner) stop with an UnsupportedError naming the depth, not a crash
// (runtime/nesting_guard.h).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/interpreter.h"
#include "engine/jit_pipeline.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "graph_test_util.h"
#include "small_stack_util.h"

namespace lanes {
namespace {

using internal::Graph;

// Sanitized builds nest 400 deep (TSan's shadow of a deep trace costs a lot of memory).
constexpr int kDepth = testing::kSanitized ? 400 : 10000;

// cond(v > 0, next level on v - 0.25, v + 1), `depth` levels; the innermost doubles.
Value nest_cond(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  return cond(
      v > 0.0, [depth](Value w) { return nest_cond(w - 0.25, depth - 1); },
      [](Value w) { return w + 1.0; }, v);
}
double nest_cond_reference(double v, int depth) {
  for (int i = 0; i < depth; ++i) {
    if (!(v > 0.0)) return v + 1.0;
    v -= 0.25;
  }
  return v * 2.0;
}

// fori_loop(0, 1, body) where the body adds 1 and runs the next level; the innermost doubles.
Value nest_fori(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  return fori_loop(
      0, 1, [depth](Value, Value w) { return nest_fori(w + 1.0, depth - 1); }, v);
}
double nest_fori_reference(double v, int depth) { return (v + depth) * 2.0; }

// Tracing the user's recursive lambdas recurses in the user's code, a few frames per
// level: that runs on a large stack (mapped lazily, so only what is used is touched), and
// so does the interpreter, which still recurses per level.
void on_large_stack(const std::function<void()>& body) {
  testing::run_on_small_stack(body, std::size_t{testing::kSanitized ? 1024 : 256} << 20);
}

Graph traced(Value (*nest)(const Value&, int), int depth) {
  std::optional<Graph> g;
  on_large_stack([&] {
    Fn f = fn([nest, depth](Value v) { return nest(v, depth); });
    g = testing::traced_graph(f, {Array::scalar(0.5)});
  });
  return std::move(*g);
}

// optimize_graph and the destruction of both graphs on 1 MiB; then the optimized graph,
// interpreted on the large stack, against the closed form.
void expect_passes_on_small_stack(Value (*nest)(const Value&, int),
                                  double (*reference)(double, int),
                                  const std::vector<double>& points) {
  std::optional<Graph> g = traced(nest, kDepth);
  std::optional<Graph> opt;
  testing::run_on_small_stack([&] {
    opt = internal::optimize_graph(*g);
    g.reset();
  });
  on_large_stack([&] {
    for (double x : points) {
      const std::vector<Array> args{Array::scalar(x)};
      const Array got = internal::interpret(*opt, args)[0];
      EXPECT_DOUBLE_EQ(got.element_as_double(0), reference(x, kDepth)) << "x = " << x;
    }
  });
  testing::run_on_small_stack([&] { opt.reset(); });
}

TEST(NestedSubgraphs, CondPassesAndDestructionOnASmallStack) {
  // Every level's predicate differs along the points: the last one goes all the way down.
  expect_passes_on_small_stack(nest_cond, nest_cond_reference,
                               {-1.0, 0.0, 0.3, 2.6, 100.0, kDepth * 0.25 + 3.0});
}

TEST(NestedSubgraphs, ForiPassesAndDestructionOnASmallStack) {
  expect_passes_on_small_stack(nest_fori, nest_fori_reference, {-2.0, 0.5});
}

// Each component that still recurses per level throws UnsupportedError naming the depth
// on a 1 MiB stack, and the thread carries on.
void expect_nesting_error(const std::function<void()>& run, const std::string& what) {
  testing::run_on_small_stack([&] {
    try {
      run();
      ADD_FAILURE() << what << " went through " << kDepth << " levels on 1 MiB";
    } catch (const UnsupportedError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("control flow nested"), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
  });
}

TEST(NestedSubgraphs, RecursiveComponentsStopWithAnErrorNamingTheDepth) {
  if (testing::kSanitized) GTEST_SKIP() << "400 levels fit the sanitized builds' 8 MiB";
  const Graph cond_graph = traced(nest_cond, kDepth);
  const Graph fori_graph = traced(nest_fori, kDepth);
  const std::vector<std::int64_t> dims{0};
  for (const Graph* g : {&cond_graph, &fori_graph}) {
    expect_nesting_error([&] { (void)internal::vmap_graph(*g, dims, 4, dims); }, "vmap");
    expect_nesting_error([&] { (void)internal::jvp_full_graph(*g, g->input_avals()); }, "jvp");
    expect_nesting_error([&] { (void)internal::vjp_graph(*g, {true}); }, "vjp");
    expect_nesting_error([&] { (void)internal::compile_graph(*g, {.opt_level = 0}); }, "jit");
  }
  expect_nesting_error(
      [&] {
        const std::vector<Array> args{Array::scalar(1.0)};
        (void)internal::interpret(fori_graph, args);
      },
      "interpret");
  // The thread that threw is usable: a shallow nesting still runs.
  testing::run_on_small_stack([] {
    Fn f = fn([](Value v) { return nest_fori(v, 3); });
    const Array got = jit(vmap(f))(Array::from(std::vector<double>{1.0}));
    EXPECT_DOUBLE_EQ(got.element_as_double(0), nest_fori_reference(1.0, 3));
  });
}

}  // namespace
}  // namespace lanes
