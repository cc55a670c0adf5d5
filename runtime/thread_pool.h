// A small fixed-size thread pool for splitting kernels across cores, and the process-wide
// one that compiled kernels use.
//
// parallel_for(n, f) runs f(0) .. f(n-1), possibly concurrently, and returns when all
// are done; the calling thread takes part. A parallel_for issued from inside a task
// runs inline, so nested use cannot deadlock. Exceptions from tasks are rethrown (the
// first one) in the caller.
//
// The global pool has global_size() threads: set_global_size(n) (lanes::set_num_threads),
// else LANES_NUM_THREADS, else the hardware threads. A resize replaces the pool: callers
// hold the pool they got through a shared_ptr, so a job running on the old pool finishes
// there, and the old pool's threads end when its last holder lets go.
//
//   std::shared_ptr<lanes::internal::ThreadPool> pool = lanes::internal::ThreadPool::global();
//   pool->parallel_for(chunks, [&](std::int64_t c) { ... });
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace lanes::internal {

class ThreadPool {
 public:
  // Total workers including the caller (values below 1 count as 1). RuntimeError if the
  // system cannot start the threads (none is left running then).
  explicit ThreadPool(int num_threads);
  ~ThreadPool();  // never from one of this pool's own tasks
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The process-wide pool, made on first use (and after each resize) with global_size()
  // threads. Keep the pointer for the whole parallel_for. ArgumentError (naming the
  // variable) for a bad LANES_NUM_THREADS, at every call until it is fixed or
  // set_global_size decides.
  static std::shared_ptr<ThreadPool> global();
  // The global pool's size, without starting it; the same errors as global().
  static int global_size();
  // Makes the global pool n threads (the next global() starts them; holders of the old
  // pool finish on it). ArgumentError naming `n` unless 1 <= n <= kMaxThreads.
  static void set_global_size(int n);
  // LANES_NUM_THREADS as it is now (an integer in [1, kMaxThreads]; default the hardware
  // threads); ArgumentError naming the variable otherwise.
  static int size_from_env();
  // Forgets the global pool and its size, so that the next use reads LANES_NUM_THREADS
  // again (tests). Holders of the old pool finish on it.
  static void reset_global();

  static constexpr int kMaxThreads = 4096;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(std::int64_t n, const std::function<void(std::int64_t)>& f);

 private:
  struct Job;
  void worker_loop();
  void stop_and_join();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  Job* job_ = nullptr;         // the job being run, if any
  std::uint64_t job_seq_ = 0;  // bumped per job so workers join each job once
  bool stop_ = false;
  std::mutex submit_mu_;  // one job at a time
};

}  // namespace lanes::internal
