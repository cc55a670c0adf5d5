// Collectives in divergent control flow (issue 20): under pmap, a `cond` or a loop whose
// path depends on the replica may make replicas call different collectives, or one replica
// call a collective that another never reaches. Such a program must fail with a
// RuntimeError naming the collectives and the replicas, on every replica, never hang and
// never return a value mixed from different collectives; control flow that stays in step
// keeps working. Each case runs in the interpreter and under jit, under a watchdog that
// ends the test binary if a call does not return (a hang fails instead of stalling CI).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::expect_error;

// Runs `f` on its own thread; if it has not returned after `seconds`, the process ends
// (a thread stuck in a collective cannot be cancelled, and waiting would stall CI).
void within_seconds(int seconds, const std::function<void()>& f) {
  std::packaged_task<void()> task(f);
  std::future<void> done = task.get_future();
  std::thread runner(std::move(task));
  if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "collective_divergence_test: a pmap call hung for %d s\n", seconds);
    std::fflush(stderr);
    std::_Exit(3);
  }
  runner.join();
  done.get();  // rethrows a failed assertion's exception, if any
}

Array one_to_four() { return Array::from(std::vector<float>{1, 2, 3, 4}); }

// pmap over 4 CPU devices, evaluated by the interpreter or jitted.
Fn on_four(const Fn& f, bool jitted) {
  Fn p = pmap(f, "i", 0, 0, cpu_devices(4));
  return jitted ? jit(p) : p;
}

class CollectiveDivergence : public ::testing::TestWithParam<bool> {};

TEST_P(CollectiveDivergence, PsumInOneBranchOnlyFailsInsteadOfHanging) {
  Fn f = fn([](Value x) {
    return cond(
        axis_index("i") == 0, [](Value v) { return psum(v, "i"); }, [](Value v) { return v; }, x);
  });
  within_seconds(30, [&] {
    expect_error<RuntimeError>([&] { on_four(f, GetParam())(one_to_four()); },
                               {"pmap replica 0 of 4 (axis 'i'): collective #1: replicas disagree: "
                                "replica 0 calls psum(f32, 1 element), but replicas 1-3 finished "
                                "their program without calling it."});
  });
}

TEST_P(CollectiveDivergence, PsumAgainstPmaxFailsInsteadOfMixingResults) {
  Fn f = fn([](Value x) {
    return cond(
        axis_index("i") == 0, [](Value v) { return psum(v, "i"); },
        [](Value v) { return pmax(v, "i"); }, x);
  });
  within_seconds(30, [&] {
    expect_error<RuntimeError>(
        [&] { on_four(f, GetParam())(one_to_four()); },
        {"collective #1", "replica 0 calls psum(f32", "replicas 1-3 call pmax(f32"});
  });
}

TEST_P(CollectiveDivergence, LoopWithReplicaDependentTripCountFails) {
  // Replica r runs r iterations, each with a psum: replica 0 calls none, replica 3 three.
  Fn f = fn([](Value x) {
    return fori_loop(
        Value(0), axis_index("i"), [](Value, Value v) { return psum(v, "i"); }, x);
  });
  within_seconds(30, [&] {
    expect_error<RuntimeError>(
        [&] { on_four(f, GetParam())(one_to_four()); },
        {"collective #1: replicas disagree: replicas 1-3 call psum(f32, 1 element), "
         "but replica 0 finished its program without calling it"});
  });
}

TEST_P(CollectiveDivergence, ReplicasAgreeingOnTheSequenceStillWork) {
  // The same collectives on every replica, whatever branch: the sum of 1..4 then the
  // replica's own shift. And a loop with the same trip count everywhere.
  Fn f = fn([](Value x) {
    Value s = cond(
        axis_index("i") == 0, [](Value v) { return psum(v, "i") + 100.0f; },
        [](Value v) { return psum(v, "i"); }, x);
    return fori_loop(
        0, 2, [](Value, Value v) { return pmax(v, "i"); }, s);
  });
  within_seconds(30, [&] {
    Array got = on_four(f, GetParam())(one_to_four());
    EXPECT_TRUE(testing::arrays_close(got, Array::from(std::vector<float>{110, 110, 110, 110})));
  });
}

TEST_P(CollectiveDivergence, TheNextCallAfterAFailureRunsNormally) {
  Fn bad = fn([](Value x) {
    return cond(
        axis_index("i") == 2, [](Value v) { return pmin(v, "i"); }, [](Value v) { return v; }, x);
  });
  Fn good = fn([](Value x) { return psum(x, "i"); });
  within_seconds(30, [&] {
    expect_error<RuntimeError>([&] { on_four(bad, GetParam())(one_to_four()); },
                               {"replica 2 calls pmin", "replicas 0, 1, 3"});
    Array got = on_four(good, GetParam())(one_to_four());
    EXPECT_TRUE(testing::arrays_close(got, Array::from(std::vector<float>{10, 10, 10, 10})));
  });
}

INSTANTIATE_TEST_SUITE_P(Collective, CollectiveDivergence, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Jit" : "Interpreter"; });

}  // namespace
}  // namespace lanes
