// NestingGuard (nesting_guard.h): a depth count and a check of this thread's stack left.
#include "runtime/nesting_guard.h"

#include <lanes/error.h>
#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lanes::internal {

namespace {

thread_local int t_depth = 0;

// The lowest address of this thread's stack and its size, read once per thread (0: not
// known, then no check is made).
struct StackBounds {
  std::uintptr_t low = 0;
  std::size_t size = 0;
};

StackBounds read_bounds() {
  StackBounds b;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return b;
  void* addr = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    b.low = reinterpret_cast<std::uintptr_t>(addr);
    b.size = size;
  }
  pthread_attr_destroy(&attr);
  return b;
}

const StackBounds& bounds() {
  thread_local const StackBounds b = read_bounds();
  return b;
}

}  // namespace

NestingGuard::NestingGuard(const char* what) {
  const StackBounds& b = bounds();
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (b.size != 0 && here > b.low) {
    const std::size_t reserve = std::min<std::size_t>(std::size_t{128} << 10, b.size / 4);
    const std::size_t left = here - b.low;
    if (left < reserve) {
      throw UnsupportedError(
          std::string(what) + ": control flow nested " + std::to_string(t_depth + 1) +
          " levels deep (sub-graphs inside sub-graphs) needs more stack than this thread has (" +
          std::to_string(b.size >> 10) + " KiB, " + std::to_string(left >> 10) +
          " KiB left); run it on a thread with a larger stack, or nest less deeply");
    }
  }
  ++t_depth;
}

NestingGuard::~NestingGuard() { --t_depth; }

int nesting_depth() { return t_depth; }

}  // namespace lanes::internal
