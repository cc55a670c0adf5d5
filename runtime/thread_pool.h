// A small fixed-size thread pool for splitting kernels across cores.
//
// parallel_for(n, f) runs f(0) .. f(n-1), possibly concurrently, and returns when all
// are done; the calling thread takes part. A parallel_for issued from inside a task
// runs inline, so nested use cannot deadlock. Exceptions from tasks are rethrown (the
// first one) in the caller.
//
//   lanes::internal::ThreadPool::global().parallel_for(chunks, [&](std::int64_t c) { ... });
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lanes::internal {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);  // total workers including the caller
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The process-wide pool, sized to the hardware threads, created on first use.
  static ThreadPool& global();

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(std::int64_t n, const std::function<void(std::int64_t)>& f);

 private:
  struct Job;
  void worker_loop();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  Job* job_ = nullptr;        // the job being run, if any
  std::uint64_t job_seq_ = 0; // bumped per job so workers join each job once
  bool stop_ = false;
  std::mutex submit_mu_;      // one job at a time
};

}  // namespace lanes::internal
