// Runs a function on a thread with a small stack, to prove that code does not recurse on
// the size of a user's program (DESIGN.md convention 13): a walk that recursed once per
// equation would need tens of MiB for the 10^5-equation programs of these tests.
#pragma once

#include <pthread.h>

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace lanes::testing {

// 1 MiB, as the issue asks; sanitizers' frames are several times larger, so their builds
// get 8 MiB (still a hundredth of what a per-equation recursion would take).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr std::size_t kSmallStack = std::size_t{8} << 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr std::size_t kSmallStack = std::size_t{8} << 20;
#else
inline constexpr std::size_t kSmallStack = std::size_t{1} << 20;
#endif
#else
inline constexpr std::size_t kSmallStack = std::size_t{1} << 20;
#endif

// Runs `f` on a new thread with `stack_bytes` of stack; rethrows what it throws.
inline void run_on_small_stack(const std::function<void()>& f,
                               std::size_t stack_bytes = kSmallStack) {
  struct Job {
    const std::function<void()>* f;
    std::exception_ptr error;
  } job{&f, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  const int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* j = static_cast<Job*>(p);
        try {
          (*j->f)();
        } catch (...) {
          j->error = std::current_exception();
        }
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("pthread_create failed: " + std::to_string(rc));
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace lanes::testing
