// The thread pool: one shared job at a time, whose indices workers claim with an atomic
// counter (chunks are coarse, so claiming one index at a time costs nothing measurable).
#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>

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
  for (int i = 1; i < std::max(num_threads, 1); ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  return pool;
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
