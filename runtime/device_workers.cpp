// The device workers (see device_workers.h). Handoff without locks on the fast path: the
// holder of the worker set writes the task, then bumps a worker's epoch (release) and
// wakes it (futex-based std::atomic wait/notify); the worker runs the task and counts
// down `remaining`, which the caller waits on (acquire). The set, its workers and their
// threads live until the process exits (never destroyed: a worker may be parked in a
// wait at exit, and joining it from a static destructor would hang).
#include "runtime/device_workers.h"

#include <lanes/error.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace lanes::internal {

namespace {

class WorkerSet;

// A thread that cannot start (std::thread throws std::system_error: the process' thread,
// memory or stack limit) is a RuntimeError saying how many were asked for.
RuntimeError thread_start_error(std::size_t count, std::size_t started,
                                const std::system_error& e) {
  return RuntimeError("pmap: cannot start a thread for each of " + std::to_string(count) +
                      " devices (" + std::to_string(started) + " running): " + e.what() +
                      "; use fewer devices or raise the process' thread limit");
}

class Worker {
 public:
  Worker(WorkerSet* set, std::size_t index) : set_(set), index_(index) {
    std::thread([this] { loop(); }).detach();
  }
  // Hands this worker the set's current task (the caller holds the set).
  void start() {
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_one();
  }

 private:
  void loop();

  WorkerSet* set_;
  std::size_t index_;
  std::atomic<std::uint32_t> epoch_{0};
};

class WorkerSet {
 public:
  static WorkerSet& get() {
    static auto* set = new WorkerSet;  // never destroyed (see the file comment)
    return *set;
  }

  // Takes the set for one call; false when another call holds it.
  bool try_acquire() {
    bool expected = false;
    return busy_.compare_exchange_strong(expected, true, std::memory_order_acquire);
  }

  // Holder only: runs task(0) here and task(k) on worker k, then releases the set.
  void run(std::size_t count, const std::function<void(std::size_t)>& task) {
    // Every worker starts before any task does, so a thread that cannot start leaves no
    // replica waiting for it: the set is released and the call fails cleanly (workers
    // already started stay for later calls).
    try {
      workers_.reserve(count);  // no reallocation after a worker thread has started
      while (workers_.size() + 1 < count) {
        workers_.push_back(std::make_unique<Worker>(this, workers_.size() + 1));
        created_.fetch_add(1, std::memory_order_relaxed);
      }
    } catch (const std::system_error& e) {
      busy_.store(false, std::memory_order_release);
      throw thread_start_error(count, workers_.size() + 1, e);
    } catch (...) {
      busy_.store(false, std::memory_order_release);
      throw;
    }
    task_ = &task;
    errors_.assign(count, nullptr);
    remaining_.store(static_cast<std::uint32_t>(count - 1), std::memory_order_relaxed);
    for (std::size_t k = 1; k < count; ++k) workers_[k - 1]->start();
    run_one(0);
    for (std::uint32_t left = remaining_.load(std::memory_order_acquire); left != 0;
         left = remaining_.load(std::memory_order_acquire)) {
      remaining_.wait(left, std::memory_order_acquire);
    }
    task_ = nullptr;
    std::vector<std::exception_ptr> errors = std::move(errors_);
    busy_.store(false, std::memory_order_release);
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

  // Worker side: runs the current task for `index` and counts it done.
  void run_task(std::size_t index) {
    run_one(index);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_one();
  }

  std::size_t created() const { return created_.load(std::memory_order_relaxed); }

 private:
  void run_one(std::size_t index) {
    try {
      (*task_)(index);
    } catch (...) {
      errors_[index] = std::current_exception();  // one slot per task: no race
    }
  }

  std::atomic<bool> busy_{false};
  std::vector<std::unique_ptr<Worker>> workers_;  // worker k at k - 1; holder only
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::vector<std::exception_ptr> errors_;
  std::atomic<std::uint32_t> remaining_{0};
  std::atomic<std::size_t> created_{0};
};

void Worker::loop() {
  std::uint32_t seen = 0;
  for (;;) {
    epoch_.wait(seen, std::memory_order_acquire);
    seen = epoch_.load(std::memory_order_acquire);
    set_->run_task(index_);
  }
}

// The fallback for a call that finds the workers held: fresh threads, joined here. The
// threads wait at a gate until all have started: if one cannot start, the others return
// without running their task (a replica must not wait in a collective for one that never
// runs) and the call fails.
void run_on_fresh_threads(std::size_t count, const std::function<void(std::size_t)>& task) {
  std::vector<std::exception_ptr> errors(count);
  enum Gate : int { kWait, kGo, kAbort };
  std::atomic<int> gate{kWait};
  auto guarded = [&](std::size_t r) {
    try {
      task(r);
    } catch (...) {
      errors[r] = std::current_exception();
    }
  };
  auto gated = [&](std::size_t r) {
    gate.wait(kWait, std::memory_order_acquire);
    if (gate.load(std::memory_order_acquire) == kGo) guarded(r);
  };
  std::vector<std::thread> threads;
  try {
    threads.reserve(count);
    for (std::size_t r = 1; r < count; ++r) threads.emplace_back(gated, r);
  } catch (...) {
    // Destroying a joinable std::thread would terminate: release and join the started.
    gate.store(kAbort, std::memory_order_release);
    gate.notify_all();
    for (std::thread& t : threads) t.join();
    try {
      throw;
    } catch (const std::system_error& e) {
      throw thread_start_error(count, threads.size() + 1, e);
    }
  }
  gate.store(kGo, std::memory_order_release);
  gate.notify_all();
  guarded(0);
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

void run_on_devices(std::size_t count, const std::function<void(std::size_t)>& task) {
  if (count == 0) return;
  if (count == 1) {
    task(0);
    return;
  }
  WorkerSet& set = WorkerSet::get();
  if (set.try_acquire()) {
    set.run(count, task);
  } else {
    run_on_fresh_threads(count, task);
  }
}

std::size_t device_worker_count() { return WorkerSet::get().created(); }

}  // namespace lanes::internal
