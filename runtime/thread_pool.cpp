// The thread pool: one shared job at a time, whose indices workers claim with an atomic
// counter (chunks are coarse, so claiming one index at a time costs nothing measurable);
// and the global pool, replaced (not resized in place) by set_global_size.
#include "runtime/thread_pool.h"

#include <lanes/error.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <system_error>

#include "runtime/env.h"

namespace lanes::internal {

namespace {
thread_local bool t_in_pool_task = false;
}

struct ThreadPool::Job {
  const std::function<void(std::int64_t)>* f = nullptr;
  std::int64_t n = 0;
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> done{0};
  std::atomic<int> active{0};  // workers inside run(): the job must outlive them
  std::mutex err_mu;
  std::exception_ptr error;

  // Claims and runs indices until none are left.
  void run() {
    bool was = t_in_pool_task;
    t_in_pool_task = true;
    for (;;) {
      std::int64_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        (*f)(i);
      } catch (...) {
        std::lock_guard lock(err_mu);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1);
    }
    t_in_pool_task = was;
  }
};

ThreadPool::ThreadPool(int num_threads) {
  const int n = std::max(num_threads, 1);
  workers_.reserve(static_cast<std::size_t>(n - 1));
  try {
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error& e) {
    // Destroying a joinable std::thread would terminate: end the ones that started.
    stop_and_join();
    throw RuntimeError("thread pool: cannot start " + std::to_string(n - 1) +
                       " worker threads (started " + std::to_string(workers_.size()) +
                       "): " + e.what());
  }
}

ThreadPool::~ThreadPool() { stop_and_join(); }

void ThreadPool::stop_and_join() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {

// The global pool and its size, behind one mutex: global() copies the shared_ptr out
// (an atomic increment, no allocation), a resize swaps in an empty one.
struct GlobalPool {
  std::mutex mu;
  int size = 0;  // 0: not decided yet (LANES_NUM_THREADS is read at the next use)
  std::shared_ptr<ThreadPool> pool;
};

GlobalPool& global_pool() {
  static GlobalPool g;  // destroyed at exit: the pool joins its idle workers
  return g;
}

// The size, read from the environment if not decided; the caller holds g.mu.
int decided_size_locked(GlobalPool& g) {
  if (g.size == 0) g.size = ThreadPool::size_from_env();  // throws: stays undecided
  return g.size;
}

}  // namespace

int ThreadPool::size_from_env() {
  return static_cast<int>(env_int("LANES_NUM_THREADS", hardware_threads(), 1, kMaxThreads));
}

std::shared_ptr<ThreadPool> ThreadPool::global() {
  GlobalPool& g = global_pool();
  std::lock_guard lock(g.mu);
  if (!g.pool) g.pool = std::make_shared<ThreadPool>(decided_size_locked(g));
  return g.pool;
}

int ThreadPool::global_size() {
  GlobalPool& g = global_pool();
  std::lock_guard lock(g.mu);
  return decided_size_locked(g);
}

void ThreadPool::set_global_size(int n) {
  if (n < 1 || n > kMaxThreads) {
    throw ArgumentError("set_num_threads: n must be in [1, " + std::to_string(kMaxThreads) +
                        "], got " + std::to_string(n));
  }
  GlobalPool& g = global_pool();
  std::shared_ptr<ThreadPool> old;
  {
    std::lock_guard lock(g.mu);
    if (g.size == n) return;
    g.size = n;
    old = std::move(g.pool);
  }
  // `old` is released here, outside the lock: if nobody else holds it, its idle workers
  // are joined now; otherwise its last holder does that after its parallel_for.
}

void ThreadPool::reset_global() {
  GlobalPool& g = global_pool();
  std::shared_ptr<ThreadPool> old;
  {
    std::lock_guard lock(g.mu);
    g.size = 0;
    old = std::move(g.pool);
  }
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || (job_ != nullptr && job_seq_ != seen); });
      if (stop_) return;
      seen = job_seq_;
      job = job_;
      job->active.fetch_add(1);
    }
    job->run();
    {
      std::lock_guard lock(mu_);
      job->active.fetch_sub(1);
    }
    cv_.notify_all();
  }
}

void ThreadPool::parallel_for(std::int64_t n, const std::function<void(std::int64_t)>& f) {
  if (n <= 0) return;
  if (n == 1 || workers_.empty() || t_in_pool_task) {
    for (std::int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::lock_guard submit(submit_mu_);
  Job job;
  job.f = &f;
  job.n = n;
  {
    std::lock_guard lock(mu_);
    job_ = &job;
    ++job_seq_;
  }
  cv_.notify_all();
  job.run();
  {
    // Wait until every index ran and no worker still holds the job.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return job.done.load() == n && job.active.load() == 0; });
    job_ = nullptr;
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace lanes::internal
