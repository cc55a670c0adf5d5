// The engine context (engine/engine_context.h): one object for the whole process, from
// every thread; the compile cache's free functions, the interpreter's pmap programs and
// the HIP cache are the context's; a CompileCache of one's own is independent of it.
#include "engine/engine_context.h"

#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <thread>
#include <vector>

#include "engine/compile_cache.h"
#include "engine/hip_compile.h"
#include "engine/replica_program.h"
#include "engine/trace.h"
#include "runtime/hip_runtime.h"
#include "tests/unit/test_util.h"

namespace lanes::internal {
namespace {

// x * c + 1 over f64[3], a graph of its own for each c.
GraphRef scaled_graph(double c) {
  std::vector<AbstractValue> in{{DType::F64, {3}, false}};
  return trace_graph(in,
                     [c](std::span<const Value> v) { return std::vector<Value>{v[0] * c + 1.0}; })
      .graph;
}

TEST(EngineContext, OneContextForEveryThread) {
  EngineContext* first = &EngineContext::get();
  std::vector<EngineContext*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] { seen[t] = &EngineContext::get(); });
  }
  for (auto& t : threads) t.join();
  for (EngineContext* c : seen) EXPECT_EQ(c, first);
}

TEST(EngineContext, CompileCachedUsesTheContextsCompileCache) {
  CompileCache& cache = EngineContext::get().compile_cache();
  GraphRef g = scaled_graph(3.25);
  const auto before = cache.compiles();
  std::shared_ptr<Executable> a = compile_cached(*g, {});
  EXPECT_EQ(cache.compiles(), before + 1);
  EXPECT_EQ(compile_cache_compiles(), cache.compiles());
  EXPECT_EQ(compile_cached(*g, {}), a);  // a hit: no compile
  EXPECT_EQ(cache.compiles(), before + 1);
  EXPECT_EQ(compile_cache_capacity(), cache.capacity());
}

TEST(EngineContext, ACompileCacheOfItsOwnIsIndependent) {
  CompileCache own;
  own.set_capacity(2);
  GraphRef g = scaled_graph(5.5);
  const auto context_before = compile_cache_compiles();
  std::shared_ptr<Executable> a = own.get(*g, {});
  EXPECT_EQ(own.get(*g, {}), a);
  EXPECT_EQ(own.compiles(), 1u);
  EXPECT_EQ(compile_cache_compiles(), context_before);
  EXPECT_EQ(own.retained_entries(), 1u);
  EXPECT_EQ(own.set_capacity(0), 2u);
  EXPECT_EQ(own.retained_entries(), 0u);
  EXPECT_EQ(own.live_entries(), 1u);  // `a` keeps it alive
  Array out = a->run(std::vector<Array>{Array::from<double>({0, 1, 2})})[0];
  EXPECT_TRUE(testing::arrays_close(out, Array::from<double>({1, 6.5, 12})));
}

TEST(EngineContext, TheInterpretersPmapProgramsAreKeptPerBodyWhileItLives) {
  ReplicaProgramCache& programs = EngineContext::get().replica_programs();
  GraphRef g = scaled_graph(7.0), h = scaled_graph(7.0);
  std::shared_ptr<ReplicaProgram> p = interpreter_replica_program(g);
  EXPECT_EQ(interpreter_replica_program(g), p);
  EXPECT_NE(interpreter_replica_program(h), p);  // per graph object, not per text
  EXPECT_GE(programs.size(), 2u);
  EXPECT_FALSE(p->options().parallel);  // a replica is one device thread
  const Executable& exe = p->cpu(*g);
  EXPECT_EQ(&p->cpu(*g), &exe);
}

TEST(EngineContext, PmapOutsideJitRunsThroughTheContextsPrograms) {
  ReplicaProgramCache& programs = EngineContext::get().replica_programs();
  const std::size_t before = programs.size();
  Fn f = fn([](Value x) { return x - pmean(x, "i"); });
  Array out = pmap(f, "i", 0, 0, cpu_devices(2))(Array::from<double>({1, 5}));
  EXPECT_TRUE(testing::arrays_close(out, Array::from<double>({-2, 2})));
  EXPECT_GT(programs.size(), before);
}

TEST(EngineContext, HipExecutableForUsesTheContextsHipCache) {
  if (hip::hip_available()) GTEST_SKIP() << "HIP present: the amdgpu tests compile for it";
  HipCompileCache& hip = EngineContext::get().hip_cache();
  const std::size_t before = hip.size();
  GraphRef g = scaled_graph(9.0);
  EXPECT_THROW(hip_executable_for(g, 0, {}), RuntimeError);  // no HIP: nothing is cached
  EXPECT_EQ(hip.size(), before);
}

}  // namespace
}  // namespace lanes::internal
