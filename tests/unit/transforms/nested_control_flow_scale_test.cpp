// Nested control flow at scale (issue 18): sub-graphs are hashed and compared by
// structure (not by address or printed text), without recursion on the nesting depth;
// CSE merges equal sub-graphs and keeps different ones apart, and a cond nested 2,000
// deep goes through jit, vmap and the interpreter with the interpreter's answer (on a
// large stack: see kUserRecursionStack). Compile times are printed by
// build/bench/lanes-bench-nested-cf, not asserted here.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <functional>
#include <thread>
#include <vector>

#include "engine/interpreter.h"
#include "engine/ir/graph_identity.h"
#include "engine/passes/cse.h"
#include "engine/passes/dce.h"
#include "engine/primitive.h"
#include "frontend/fn_impl.h"
#include "graph_test_util.h"
#include "small_stack_util.h"
#include "test_util.h"

namespace lanes {
namespace {

using internal::Graph;
using internal::structural_equal;
using internal::structural_hash;

Graph trace(const Fn& f, const std::vector<Array>& args) { return testing::traced_graph(f, args); }
int count(const Graph& g, const std::string& prim) { return testing::count_prim(g, prim); }

// cond(v > 0, next level, v + 1), `depth` levels; the innermost level multiplies by `k`.
Value nest(const Value& v, int depth, double k = 2.0) {
  if (depth == 0) return v * k;
  return cond(
      v > 0.0, [depth, k](Value w) { return nest(w - 0.25, depth - 1, k); },
      [](Value w) { return w + 1.0; }, v);
}

// Each call makes a new Fn, so tracing builds new graph objects.
Fn nested_fn(int depth, double k = 2.0) {
  return fn([depth, k](Value v) { return nest(v, depth, k); });
}

const Array kScalar = Array::scalar(0.5);

// Tracing a nesting written as recursive C++ recurses in the test's own code (nest, cond,
// the trace of a branch, nest, ...), a few frames per level. The graph passes and graph
// destruction no longer recurse per level (tests/unit/scale/nested_subgraphs_test.cpp runs
// them 10^4 deep on 1 MiB), but the interpreter, vmap, jvp, vjp and lowering's
// control-flow inliner still do, bounded by runtime/nesting_guard.h (a few hundred to
// about a thousand levels on 1 MiB). So the depth-2000 tests run on a thread of 16 MiB, or
// 128 MiB in sanitized builds, whose frames are several times larger (8 MiB overflowed
// under ASan); hashing, comparing and verifying are checked on a small one.
const std::size_t kUserRecursionStack = testing::kSmallStackBytes * 16;
// Sanitized builds nest 400 deep: TSan's shadow of a 2000-deep trace was killed for memory.
const int kDeepNesting = testing::kSmallStackBytes > (std::size_t{1} << 20) ? 400 : 2000;
void run_deep(const std::function<void()>& body) {
  testing::run_on_small_stack(body, kUserRecursionStack);
}

TEST(StructuralIdentity, SeparatelyTracedGraphsAreEqual) {
  Graph a = trace(nested_fn(3), {kScalar});
  Graph b = trace(nested_fn(3), {kScalar});
  ASSERT_EQ(count(a, "cond"), 1);
  EXPECT_NE(a.eqns[1].params.get<std::vector<internal::GraphRef>>("branches")[1].get(),
            b.eqns[1].params.get<std::vector<internal::GraphRef>>("branches")[1].get());
  EXPECT_EQ(structural_hash(a), structural_hash(b));
  EXPECT_TRUE(structural_equal(a, b));
  EXPECT_TRUE(a.eqns[1].params == b.eqns[1].params);
  EXPECT_EQ(a.eqns[1].params.hash(), b.eqns[1].params.hash());
}

TEST(StructuralIdentity, ALiteralOrATypeDeepInsideMakesThemDiffer) {
  Graph a = trace(nested_fn(3, 2.0), {kScalar});
  Graph b = trace(nested_fn(3, 3.0), {kScalar});
  EXPECT_FALSE(structural_equal(a, b));
  EXPECT_FALSE(a.eqns[1].params == b.eqns[1].params);
  EXPECT_NE(structural_hash(a), structural_hash(b));
  Graph c = trace(nested_fn(3), {Array::scalar(0.5f)});
  EXPECT_FALSE(structural_equal(trace(nested_fn(3), {kScalar}), c));
}

TEST(StructuralIdentity, ACopyStartsWithoutAHashAndHashesTheSame) {
  Graph a = trace(nested_fn(2), {kScalar});
  const std::size_t h = structural_hash(a);
  EXPECT_EQ(a.hash_slot.get(), h);
  Graph copy = a;
  EXPECT_EQ(copy.hash_slot.get(), 0u);
  EXPECT_EQ(structural_hash(copy), h);
  copy.outputs[0] = internal::Atom::of_literal(internal::make_literal(Scalar::of(1.0)));
  copy.hash_slot = internal::HashSlot();  // changed before it is hashed again
  EXPECT_NE(structural_hash(copy), h);
  EXPECT_FALSE(structural_equal(a, copy));
}

TEST(StructuralIdentity, DeepNestingHashesComparesAndVerifiesWithoutRecursion) {
  // Traced on the large stack (the test's own recursion); hashed, compared and verified on
  // 64 KiB (512 KiB sanitized), far less than a recursion through the levels would need.
  // The graphs are destroyed here, outside the small stack.
  const int depth = kDeepNesting;
  Graph a, b, c;
  run_deep([&] {
    a = trace(nested_fn(depth), {kScalar});
    b = trace(nested_fn(depth), {kScalar});
    c = trace(nested_fn(depth, 5.0), {kScalar});  // differs at the innermost level
  });
  testing::run_on_small_stack(
      [&] {
        EXPECT_TRUE(structural_equal(a, b));
        EXPECT_FALSE(structural_equal(a, c));
        EXPECT_EQ(structural_hash(a), structural_hash(b));
        EXPECT_NE(structural_hash(a), structural_hash(c));
        internal::verify(a);
      },
      testing::kSmallStackBytes / 16);
}

// A graph shared between threads (a cached trace compiled by several callers) is hashed by
// all of them at once: the cached slot is written without a race (checked under TSan) and
// every thread reads the same hash.
TEST(StructuralIdentity, ASharedGraphIsHashedFromManyThreads) {
  const Graph a = trace(nested_fn(50), {kScalar});
  // From a separately traced equal graph, so that no graph of `a` is hashed yet.
  const std::size_t expected = structural_hash(trace(nested_fn(50), {kScalar}));
  ASSERT_EQ(a.hash_slot.get(), 0u);
  std::vector<std::size_t> seen(8, 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&a, &seen, i] { seen[i] = structural_hash(a); });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t h : seen) EXPECT_EQ(h, expected);
}

// A sub-graph object held twice (as grad's branches hold the primal's) is mapped once by a
// pass, and both places hold the one result.
TEST(NestedPasses, ASharedSubgraphIsMappedOnce) {
  Graph g = trace(nested_fn(3), {kScalar});
  ASSERT_EQ(g.eqns[1].prim->name, "cond");
  using Branches = std::vector<internal::GraphRef>;
  const internal::GraphRef inner = g.eqns[1].params.get<Branches>("branches")[1];
  g.eqns[1].params.set("branches", Branches{inner, inner});
  for (const Graph& c :
       {internal::eliminate_common_subexpressions(g), internal::eliminate_dead_code(g)}) {
    const Branches& out = c.eqns[1].params.get<Branches>("branches");
    EXPECT_EQ(out[0].get(), out[1].get());
    EXPECT_TRUE(structural_equal(*out[0], *inner));
  }
}

// Two conds with separately traced, structurally equal branches: CSE merges them.
TEST(NestedCse, MergesStructurallyEqualSubgraphs) {
  Fn f = fn([](Value x) { return nest(x, 4) + nest(x, 4); });
  Graph g = trace(f, {kScalar});
  ASSERT_EQ(count(g, "cond"), 2);
  Graph c = internal::eliminate_dead_code(internal::eliminate_common_subexpressions(g));
  EXPECT_EQ(count(c, "cond"), 1);
  const std::vector<Array> args{kScalar};
  EXPECT_TRUE(
      testing::arrays_close(internal::interpret(c, args)[0], internal::interpret(g, args)[0]));
}

TEST(NestedCse, KeepsSubgraphsThatDifferInALiteral) {
  Fn f = fn([](Value x) { return nest(x, 4, 2.0) + nest(x, 4, 2.5); });
  Graph c = internal::eliminate_common_subexpressions(trace(f, {kScalar}));
  EXPECT_EQ(count(c, "cond"), 2);
}

TEST(NestedCse, KeepsSubgraphsThatDifferInAParam) {
  // The branches differ only in the reduced axis (a param of reduce_sum).
  auto branch = [](std::vector<std::int64_t> axes) {
    return [axes](Value m) { return sum(m, axes); };
  };
  Fn f = fn([&](Value p, Value m) {
    return cond(p, branch({0}), branch({0}), m) + cond(p, branch({1}), branch({1}), m);
  });
  Array m = Array::from(std::vector<double>{1, 2, 3, 4}, {2, 2});
  std::vector<Array> args{Array::scalar(true), m};
  Graph g = trace(f, args);
  Graph c = internal::eliminate_common_subexpressions(g);
  EXPECT_EQ(count(c, "cond"), 2);
  EXPECT_TRUE(testing::arrays_close(jit(f)(args[0], m), f(args[0], m)));
}

// vmap makes the predicate per element, so every level of the nesting is live. opt_level
// 0: LLVM's register allocator at -O2 is super-linear on this kernel (each level's select
// keeps its operands live until the innermost level is done), which is codegen's matter.
TEST(NestedControlFlowScale, Cond2000DeepUnderJitMatchesTheInterpreter) {
  run_deep([] {
    Fn f = nested_fn(kDeepNesting);
    Array x = Array::from(std::vector<double>{-3.0, -0.2, 0.0, 0.3, 1.0, 2.5, 499.9, 600.0});
    EXPECT_TRUE(testing::arrays_close(jit(vmap(f), {.opt_level = 0})(x), vmap(f)(x)));
  });
}

TEST(NestedControlFlowScale, GradOfNestedCondUnderJitMatchesTheInterpreter) {
  run_deep([] {
    Fn f = nested_fn(300);
    Array x = Array::from(std::vector<double>{-3.0, -0.2, 0.3, 1.0, 2.5, 60.0, 74.9, 80.0});
    EXPECT_TRUE(testing::arrays_close(jit(vmap(grad(f)), {.opt_level = 0})(x), vmap(grad(f))(x)));
  });
}

}  // namespace
}  // namespace lanes
