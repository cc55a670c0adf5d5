// Many host threads using the engine at once: the same jitted function, different ones,
// first calls racing to compile (exactly one compile per signature, counted by the
// compile cache), the thread pool shared by concurrent callers, and the global pool
// resized (lanes::set_num_threads) while others use it. These suites also run under
// ThreadSanitizer (tools/run_sanitizers.sh).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/compile_cache.h"
#include "runtime/thread_pool.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

constexpr int kThreads = 16;

using internal::compile_cache_compiles;

// Runs body(t) on kThreads threads that start together (a latch releases them at once,
// so first calls really race) and rethrows the first failure in the caller.
template <class Body>
void on_threads(Body body) {
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// sin(x) * c + x*x, with c baked into the graph so each c is a distinct function.
Fn poly(double c) {
  return fn([c](Value x) { return sin(x) * c + x * x; });
}
double poly_ref(double c, double x) { return std::sin(x) * c + x * x; }

std::vector<double> inputs_for(int t, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = 0.25 * t - 0.125 * i;
  return v;
}

// Checks out[i] == poly_ref(c, in[i]) within a few ulps (SLEEF sin is within 1 ulp).
void expect_poly(const Array& out, double c, const std::vector<double>& in) {
  ASSERT_EQ(out.size(), static_cast<std::int64_t>(in.size()));
  for (std::size_t i = 0; i < in.size(); ++i) {
    double want = poly_ref(c, in[i]);
    double got = out.element_as_double(static_cast<std::int64_t>(i));
    ASSERT_NEAR(got, want, 1e-12 * (1 + std::fabs(want))) << "c=" << c << " x=" << in[i];
  }
}

TEST(Concurrency, SameJittedFunctionFirstCallsRaceAndCompileOnce) {
  const double c = 7101.5;
  Fn f = jit(poly(c));
  const auto compiles = compile_cache_compiles();
  on_threads([&](int t) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<double> in = inputs_for(t + rep, 13);
      expect_poly(f(Array::from(in)), c, in);
    }
  });
  EXPECT_EQ(compile_cache_compiles(), compiles + 1);
}

TEST(Concurrency, EachSignatureCompilesOnceUnderRacingCalls) {
  const double c = 7102.5;
  Fn f = jit(poly(c));
  const auto compiles = compile_cache_compiles();
  const int sizes[] = {3, 8, 17, 64};  // four signatures, four threads racing on each
  on_threads([&](int t) {
    std::vector<double> in = inputs_for(t, sizes[t % 4]);
    expect_poly(f(Array::from(in)), c, in);
  });
  EXPECT_EQ(compile_cache_compiles(), compiles + 4);
}

TEST(Concurrency, DifferentJittedFunctionsConcurrently) {
  std::vector<Fn> fns;
  for (int k = 0; k < 8; ++k) fns.push_back(jit(poly(7200.0 + k)));
  const auto compiles = compile_cache_compiles();
  on_threads([&](int t) {
    for (int rep = 0; rep < 8; ++rep) {
      int k = (t + rep) % 8;
      std::vector<double> in = inputs_for(t, 9);
      expect_poly(fns[k](Array::from(in)), 7200.0 + k, in);
    }
  });
  EXPECT_EQ(compile_cache_compiles(), compiles + 8);
}

TEST(Concurrency, SeparateFnsWithOneGraphShareOneCompile) {
  const double c = 7301.25;
  const auto compiles = compile_cache_compiles();
  on_threads([&](int t) {
    Fn mine = jit(poly(c));  // each thread its own Fn; the cache sees one graph
    std::vector<double> in = inputs_for(t, 11);
    expect_poly(mine(Array::from(in)), c, in);
  });
  EXPECT_EQ(compile_cache_compiles(), compiles + 1);
}

TEST(Concurrency, LargeCallsShareTheThreadPool) {
  // 2^17 elements: above the threshold where kernels are split over the pool.
  const double c = 7401.0;
  Fn f = jit(poly(c));
  const int n = 1 << 17;
  on_threads([&](int t) {
    if (t % 4 != 0) return;  // four concurrent large callers keep the test fast
    std::vector<double> in(n);
    for (int i = 0; i < n; ++i) in[i] = 1e-4 * (i - n / 2) + t;
    Array out = f(Array::from(in));
    for (int i = 0; i < n; i += 997) {
      ASSERT_NEAR(out.element_as_double(i), poly_ref(c, in[i]),
                  1e-9 * (1 + std::fabs(poly_ref(c, in[i]))));
    }
  });
}

TEST(ThreadPoolConcurrency, EveryIndexRunsExactlyOnce) {
  internal::ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(1000, [&](std::int64_t i) { hits[i].fetch_add(1); });
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
}

TEST(ThreadPoolConcurrency, ConcurrentSubmittersAndNestedCalls) {
  internal::ThreadPool pool(4);
  std::atomic<std::int64_t> total{0};
  on_threads([&](int) {
    pool.parallel_for(10, [&](std::int64_t i) {
      // A nested parallel_for runs inline in the task instead of deadlocking.
      pool.parallel_for(3, [&](std::int64_t j) { total.fetch_add(i * 3 + j); });
    });
  });
  // Each submitter adds sum(0..29) = 435.
  EXPECT_EQ(total.load(), 435 * kThreads);
}

TEST(ThreadPoolConcurrency, RethrowsTheFirstTaskException) {
  internal::ThreadPool pool(3);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.parallel_for(50,
                                 [&](std::int64_t i) {
                                   ran.fetch_add(1);
                                   if (i == 17) throw std::runtime_error("task 17");
                                 }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 50);  // the other tasks still ran
  // The pool is usable afterwards.
  std::atomic<int> after{0};
  pool.parallel_for(20, [&](std::int64_t) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 20);
}

// --- resizing the global pool (lanes::set_num_threads) -------------------------------

// Restores the global pool to its size from the environment after each test.
class ThreadPoolResize : public ::testing::Test {
 protected:
  void TearDown() override { internal::ThreadPool::reset_global(); }
};

// The most tasks of one parallel_for that ran at the same time on `pool`, with n tasks
// that each wait (up to 10 s) for all n to have started: n when the pool has n threads.
int concurrent_tasks(internal::ThreadPool& pool, int n) {
  std::atomic<int> started{0}, most{0};
  pool.parallel_for(n, [&](std::int64_t) {
    started.fetch_add(1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    int seen = started.load();
    for (int m = most.load(); seen > m && !most.compare_exchange_weak(m, seen);) {
    }
  });
  return most.load();
}

TEST_F(ThreadPoolResize, ParallelForAfterSetNumThreadsUsesTheNewSize) {
  for (int n : {3, 1, 2, 5}) {
    set_num_threads(n);
    EXPECT_EQ(num_threads(), n);
    std::shared_ptr<internal::ThreadPool> pool = internal::ThreadPool::global();
    EXPECT_EQ(pool->num_threads(), n);
    EXPECT_EQ(concurrent_tasks(*pool, n), n);
    // And no more threads than that take part.
    std::mutex mu;
    std::set<std::thread::id> ids;
    pool->parallel_for(200, [&](std::int64_t) {
      std::lock_guard lock(mu);
      ids.insert(std::this_thread::get_id());
    });
    EXPECT_LE(static_cast<int>(ids.size()), n);
  }
}

TEST_F(ThreadPoolResize, JittedKernelsAgreeAcrossSizes) {
  Fn f = jit(poly(7501.5));
  const int n = 1 << 17;  // split over the pool
  std::vector<double> in(n);
  for (int i = 0; i < n; ++i) in[i] = 1e-4 * (i - n / 2);
  Array x = Array::from(in);
  Array want = jit(poly(7501.5), {.parallel = false})(x);
  for (int threads : {1, 4, 2}) {
    set_num_threads(threads);
    EXPECT_TRUE(testing::arrays_close(f(x), want, 0)) << threads << " threads";
  }
}

TEST_F(ThreadPoolResize, HoldersOfTheOldPoolFinishOnIt) {
  set_num_threads(3);
  std::shared_ptr<internal::ThreadPool> old = internal::ThreadPool::global();
  set_num_threads(2);
  EXPECT_EQ(internal::ThreadPool::global()->num_threads(), 2);
  EXPECT_EQ(old->num_threads(), 3);
  std::atomic<int> ran{0};
  old->parallel_for(100, [&](std::int64_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 100);
}

TEST_F(ThreadPoolResize, ConcurrentResizesAndParallelForsLoseNoWork) {
  // Half the threads run parallel_for on the global pool (as jitted kernels do), the
  // other half resize it as fast as they can; every job must run each index once.
  std::atomic<bool> failed{false};
  on_threads([&](int t) {
    for (int rep = 0; rep < 40; ++rep) {
      if (t % 2 == 0) {
        set_num_threads(1 + (t / 2 + rep) % 4);
        (void)num_threads();
        continue;
      }
      std::shared_ptr<internal::ThreadPool> pool = internal::ThreadPool::global();
      std::vector<std::atomic<int>> hits(64);
      pool->parallel_for(64,
                         [&](std::int64_t i) { hits[static_cast<std::size_t>(i)].fetch_add(1); });
      for (auto& h : hits) {
        if (h.load() != 1) failed = true;
      }
    }
  });
  EXPECT_FALSE(failed.load());
}

TEST_F(ThreadPoolResize, ConcurrentResizesAndJittedCalls) {
  const double c = 7601.0;
  Fn f = jit(poly(c));
  const int n = 1 << 17;  // split over the pool
  on_threads([&](int t) {
    if (t % 4 == 1) {
      for (int rep = 0; rep < 8; ++rep) set_num_threads(1 + (t + rep) % 3);
      return;
    }
    if (t % 4 != 0) return;  // four large callers keep the test fast
    std::vector<double> in(n);
    for (int i = 0; i < n; ++i) in[i] = 1e-4 * (i - n / 2) + t;
    for (int rep = 0; rep < 2; ++rep) {
      Array out = f(Array::from(in));
      for (int i = 0; i < n; i += 997) {
        ASSERT_NEAR(out.element_as_double(i), poly_ref(c, in[i]),
                    1e-9 * (1 + std::fabs(poly_ref(c, in[i]))));
      }
    }
  });
}

}  // namespace
}  // namespace lanes
