// Cancellation (include/lanes/cancel.h): a never-ending while_loop cancelled from another
// thread when jitted, vmapped (masked lanes, thread-pool chunks), eager (the interpreter)
// and under pmap (replica threads); the same function runs normally afterwards; a
// deadline; a cancelled compile leaves no cache entry behind; the REPL session's
// interrupt(). A hang fails through CTest's per-test timeout.
#include "runtime/cancel.h"

#include <gtest/gtest.h>
#include <lanes/lanes.h>
#include <lanes/repl.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "engine/compile_cache.h"

namespace lanes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr double kInf = std::numeric_limits<double>::infinity();

// while x < limit: x = x + 1. With limit = inf it never ends.
Fn count_to() {
  return fn([](Value x, Value limit) {
    return while_loop([limit](Value c) { return c < limit; }, [](Value c) { return c + 1.0; }, x);
  });
}

// Runs `call` under a token that another thread cancels after `delay`; expects
// lanes::Cancelled (a call that never ends otherwise: a hang fails by CTest's timeout).
template <class Call>
void cancel_after(Call call, std::chrono::milliseconds delay = 50ms) {
  CancelToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(delay);
    token.cancel();
  });
  bool threw = false;
  try {
    CancelScope scope(token);
    call();
  } catch (const Cancelled& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  canceller.join();
  EXPECT_TRUE(threw) << "the call returned instead of throwing lanes::Cancelled";
}

Array iota(int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return Array::from(v);
}

TEST(Cancel, TokenBasics) {
  CancelToken a;
  CancelToken b = a;
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == CancelToken());
  EXPECT_FALSE(b.cancelled());
  a.cancel();
  EXPECT_TRUE(b.cancelled());
  b.reset();
  EXPECT_FALSE(a.cancelled());
  EXPECT_NO_THROW(check_cancelled());
  {
    CancelScope outer(a);
    EXPECT_TRUE(current_cancel_token() == a);
    CancelToken inner;
    {
      CancelScope scope(inner);
      EXPECT_TRUE(current_cancel_token() == inner);
      a.cancel();
      EXPECT_NO_THROW(check_cancelled());  // the innermost scope's token is observed
    }
    EXPECT_THROW(check_cancelled(), Cancelled);
  }
  EXPECT_NO_THROW(check_cancelled());  // no scope: nothing is cancelled
  // Another thread's scope does not reach this one.
  std::thread([a] {
    CancelScope scope(a);
    EXPECT_THROW(check_cancelled(), Cancelled);
  }).join();
  EXPECT_FALSE(current_cancel_token() == a);
}

TEST(Cancel, JitWhileLoopFromAnotherThread) {
  Fn f = jit(count_to());
  // Compiled first, so that the cancel reaches the running loop (not the compile), which
  // checks the flag at each iteration.
  EXPECT_NE(f.llvm_ir({0.0, 1.0}).find("load atomic volatile"), std::string::npos);
  cancel_after([&] { f(0.0, kInf); });
  // The same executable afterwards, with and without a scope.
  EXPECT_EQ(f(0.0, 10.0)[0].item<double>(), 10.0);
  CancelScope scope{CancelToken()};
  EXPECT_EQ(f(1.0, 5.0)[0].item<double>(), 5.0);
}

TEST(Cancel, JitVmapWhileLoop) {
  // Masked lanes, and a kernel large enough to be split over the thread pool.
  Fn f = jit(vmap(count_to(), {0, none}));
  f(iota(1 << 17), 1.0);  // compiled before the cancel
  cancel_after([&] { f(iota(1 << 17), kInf); });
  Array r = f(iota(1 << 17), 4.0);
  EXPECT_EQ(r.data<double>()[0], 4.0);
  EXPECT_EQ(r.data<double>()[100], 100.0);
}

TEST(Cancel, EagerAndVmappedInterpreter) {
  Fn f = count_to();
  cancel_after([&] { f(0.0, kInf); });
  EXPECT_EQ(f(0.0, 3.0)[0].item<double>(), 3.0);
  Fn g = vmap(count_to(), {0, none});
  cancel_after([&] { g(iota(8), kInf); });
}

TEST(Cancel, PmapReplicas) {
  Fn f = pmap(count_to(), "i", {0, none}, 0, cpu_devices(2));
  f(iota(2), 1.0);  // compiled before the cancel
  cancel_after([&] { f(iota(2), kInf); });
  Array r = f(iota(2), 3.0);
  EXPECT_EQ(r.data<double>()[1], 3.0);
}

TEST(Cancel, Deadline) {
  Fn f = jit(count_to());
  f(0.0, 1.0);  // compiled before the clock starts
  const Clock::time_point start = Clock::now();
  try {
    CancelScope scope(CancelToken::with_timeout(100ms));
    f(0.0, kInf);
    ADD_FAILURE() << "no lanes::Cancelled";
  } catch (const Cancelled& e) {
    EXPECT_STREQ(e.what(), "deadline exceeded");
  }
  // Not before the deadline (the clock is monotonic: this cannot flake).
  EXPECT_GE(Clock::now() - start, 100ms);
  CancelToken passed = CancelToken::with_deadline(Clock::now() - 1s);
  EXPECT_TRUE(passed.cancelled());
  passed.reset();
  EXPECT_FALSE(passed.cancelled());
}

TEST(Cancel, DroppedDeadlinesAreForgotten) {
  // A token per call with a long timeout, dropped after the call: the watcher keeps the
  // live one, not ten thousand dropped ones.
  const CancelToken live = CancelToken::with_timeout(1h);
  for (int i = 0; i < 10000; ++i) {
    CancelScope scope(CancelToken::with_timeout(1h));
    check_cancelled();
  }
  const std::size_t pending = internal::pending_deadlines_for_test();
  EXPECT_GE(pending, 1u);
  EXPECT_LT(pending, 1000u);
  EXPECT_FALSE(live.cancelled());
}

TEST(Cancel, CompileLeavesNoCacheEntry) {
  // A graph of its own (a constant no other test uses), so the cache has no entry yet.
  Fn f = jit(fn([](Value x) { return sin(x) * 1.2345678 + x; }));
  CancelToken token;
  token.cancel();
  const std::uint64_t before = internal::compile_cache_compiles();
  {
    CancelScope scope(token);
    EXPECT_THROW(f(1.0), Cancelled);
  }
  // The next call compiles (nothing half-made was cached) and runs.
  EXPECT_DOUBLE_EQ(f(1.0)[0].item<double>(), std::sin(1.0) * 1.2345678 + 1.0);
  EXPECT_EQ(internal::compile_cache_compiles(), before + 2);
  EXPECT_DOUBLE_EQ(f(2.0)[0].item<double>(), std::sin(2.0) * 1.2345678 + 2.0);
  EXPECT_EQ(internal::compile_cache_compiles(), before + 2);
}

TEST(Cancel, CompileOfALongChainStopsAtItsDeadline) {
  Fn f = jit(fn([](Value x) {
    Value y = x;
    for (int i = 0; i < 2000; ++i) y = sin(y) * 1.0001 + 0.5 * x;
    return y;
  }));
  CancelScope scope(CancelToken::with_timeout(1ms));
  EXPECT_THROW(f(0.5), Cancelled);
}

TEST(Cancel, ReplSessionInterrupt) {
  repl::Session s;
  ASSERT_TRUE(s.run("kept = 41\n", "<test>").ok);
  // Repeated until the entry returns: an interrupt() before run() starts is forgotten.
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done) {
      std::this_thread::sleep_for(20ms);
      s.interrupt();
    }
  });
  repl::EvalOutput r = s.run("while_loop(lambda c: c > -1.0, lambda c: c + 1.0, 0.0)\n", "<test>");
  done = true;
  interrupter.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.error, "KeyboardInterrupt: cancelled\n");
  // An interrupt between entries is forgotten; names survive.
  s.interrupt();
  repl::EvalOutput after = s.run("kept + 1\n", "<test>");
  EXPECT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.text, "42\n");
}

}  // namespace
}  // namespace lanes
