// Runs a test body on a thread with a small stack (1 MiB by default, an eighth of the
// usual main-thread stack), so that work proportional to a program's size or depth that
// recursed on the stack would crash the test instead of passing by luck.
#pragma once

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <exception>
#include <functional>

namespace lanes::testing {

// Whether this is an ASan or TSan build (gcc defines __SANITIZE_*, clang has __has_feature).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
inline constexpr bool kSanitized =
    __has_feature(address_sanitizer) || __has_feature(thread_sanitizer);
#else
inline constexpr bool kSanitized = false;
#endif

// Sanitizers' frames are several times larger, so their builds get 8 MiB (still far below
// what a recursion per equation of a 10^5-equation program would need).
inline constexpr std::size_t kSmallStackBytes = std::size_t{kSanitized ? 8 : 1} << 20;

// Calls `body` on a fresh thread with a `stack_bytes` stack and waits for it; an exception
// `body` throws is rethrown here (gtest assertions inside `body` report as usual). The
// stack is mapped here, below a guard page, rather than sized with setstacksize: glibc
// reuses a cached stack of a finished thread up to 4 times the size asked for, so a test
// that needs a small stack could otherwise run on a larger one, depending on test order.
// Sanitized builds give the thread at least kSanitizerMinStackBytes: their runtime
// refuses a caller-provided stack below about 900 KiB (TSan: "pre-allocated stack size
// is insufficient: 524288 < 921472", and pthread_create fails with EINVAL).
inline constexpr std::size_t kSanitizerMinStackBytes = std::size_t{1} << 20;
inline void run_on_small_stack(const std::function<void()>& body,
                               std::size_t stack_bytes = kSmallStackBytes) {
  if (kSanitized && stack_bytes < kSanitizerMinStackBytes) stack_bytes = kSanitizerMinStackBytes;
  struct Job {
    const std::function<void()>* body;
    std::exception_ptr error;
  } job{&body, nullptr};
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes = (stack_bytes + page - 1) / page * page;
  void* mem = mmap(nullptr, page + bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  struct Unmap {
    void* mem;
    std::size_t size;
    ~Unmap() { munmap(mem, size); }
  } unmap{mem, page + bytes};
  ASSERT_EQ(mprotect(mem, page, PROT_NONE), 0);  // an overflow faults at once
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstack(&attr, static_cast<char*>(mem) + page, bytes), 0);
  pthread_t thread;
  const int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* j = static_cast<Job*>(p);
        try {
          (*j->body)();
        } catch (...) {
          j->error = std::current_exception();
        }
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace lanes::testing
