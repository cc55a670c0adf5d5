// The bounded compile cache: LRU eviction up to the capacity, sharing of one executable
// between Fns with the same graph, never freeing code still in use, and JIT code freed
// (ORC resource trackers removed) once neither the cache nor any Fn holds it.
#include "engine/compile_cache.h"

#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "codegen/cpu/cpu_jit.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::compile_cache_compiles;
using internal::compile_cache_live_entries;
using internal::compile_cache_retained_entries;
using internal::set_compile_cache_capacity;

// A jitted x * c + 1 whose graph (and so cache key) differs for each c.
Fn scaled(double c) {
  return jit(fn([c](Value x) { return x * c + 1.0; }));
}

double call_at(const Fn& f, double x) {
  Array out = f(Array::from(std::vector<double>{x}));
  return out.element_as_double(0);
}

// Sets the capacity for one test and restores it afterwards.
class CompileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = set_compile_cache_capacity(4); }
  void TearDown() override { set_compile_cache_capacity(saved_); }
  std::size_t saved_ = 0;
};

TEST(CompileCacheDefaults, CapacityIs256WithoutTheEnvironmentVariable) {
  if (std::getenv("LANES_COMPILE_CACHE_ENTRIES") != nullptr) GTEST_SKIP() << "variable set";
  EXPECT_EQ(internal::compile_cache_capacity(), 256u);
}

TEST_F(CompileCacheTest, RetainsAtMostCapacityAndFreesTheRest) {
  set_compile_cache_capacity(0);  // start from an empty retained set
  const std::size_t modules_before = internal::cpu::live_module_count();
  set_compile_cache_capacity(4);
  for (int i = 0; i < 10; ++i) {
    double c = 1000.0 + i;
    Fn f = scaled(c);
    EXPECT_DOUBLE_EQ(call_at(f, 2.0), 2.0 * c + 1.0);
  }  // every Fn is gone: only the cache keeps executables alive
  EXPECT_EQ(compile_cache_retained_entries(), 4u);
  EXPECT_EQ(internal::cpu::live_module_count(), modules_before + 4);
  set_compile_cache_capacity(1);
  EXPECT_EQ(compile_cache_retained_entries(), 1u);
  EXPECT_EQ(internal::cpu::live_module_count(), modules_before + 1);
  set_compile_cache_capacity(0);
  EXPECT_EQ(internal::cpu::live_module_count(), modules_before);
}

TEST_F(CompileCacheTest, EvictsTheLeastRecentlyUsed) {
  set_compile_cache_capacity(0);
  set_compile_cache_capacity(2);
  const auto compiles = compile_cache_compiles();
  { (void)scaled(2001.0)(1.0); }
  { (void)scaled(2002.0)(1.0); }
  { (void)scaled(2001.0)(1.0); }  // a hit: 2001 becomes the most recent
  EXPECT_EQ(compile_cache_compiles(), compiles + 2);
  { (void)scaled(2003.0)(1.0); }  // evicts 2002, the least recently used
  EXPECT_EQ(compile_cache_compiles(), compiles + 3);
  { (void)scaled(2001.0)(1.0); }  // still cached
  EXPECT_EQ(compile_cache_compiles(), compiles + 3);
  { (void)scaled(2002.0)(1.0); }  // was evicted: compiles again
  EXPECT_EQ(compile_cache_compiles(), compiles + 4);
}

TEST_F(CompileCacheTest, NeverFreesAnExecutableInUse) {
  set_compile_cache_capacity(1);
  Fn kept = scaled(3001.0);
  EXPECT_DOUBLE_EQ(call_at(kept, 3.0), 3.0 * 3001.0 + 1.0);
  for (int i = 0; i < 5; ++i) (void)scaled(3100.0 + i)(1.0);  // pushes 3001 out of the cache
  const auto compiles = compile_cache_compiles();
  // The Fn still holds its executable: it runs without a recompile...
  EXPECT_DOUBLE_EQ(call_at(kept, -2.0), -2.0 * 3001.0 + 1.0);
  // ...and a new Fn with the same graph shares it through the cache's weak reference.
  Fn twin = scaled(3001.0);
  EXPECT_DOUBLE_EQ(call_at(twin, 0.5), 0.5 * 3001.0 + 1.0);
  EXPECT_EQ(compile_cache_compiles(), compiles);
}

TEST_F(CompileCacheTest, ZeroCapacityKeepsOnlyWhatFnsHold) {
  set_compile_cache_capacity(0);
  const std::size_t modules_before = internal::cpu::live_module_count();
  {
    Fn f = scaled(4001.0);
    EXPECT_DOUBLE_EQ(call_at(f, 1.0), 4002.0);
    EXPECT_EQ(internal::cpu::live_module_count(), modules_before + 1);
    EXPECT_EQ(compile_cache_retained_entries(), 0u);
  }
  EXPECT_EQ(internal::cpu::live_module_count(), modules_before);
}

TEST_F(CompileCacheTest, InjectedLlvmFailureIsACompileErrorAndTheNextCallRetries) {
  Fn f = scaled(5001.0);
  internal::cpu::fail_next_compiles_for_test(1);
  EXPECT_THROW(call_at(f, 1.0), CompileError);
  // The host survives and the same Fn compiles on its next call.
  EXPECT_DOUBLE_EQ(call_at(f, 1.0), 5002.0);
}

}  // namespace
}  // namespace lanes
