// How much of the calling thread's stack is left: the bound that the REPL's parser and
// evaluator (frontend/repl/stack_guard.h) and the engine's recursive components
// (runtime/nesting_guard.h) check before they go one level deeper. Header-only, so that
// the REPL, built on the shared library, uses the same definition.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <limits>

namespace lanes::internal {

// The calling thread's stack as pthread_getattr_np reports it (for the main thread: from
// RLIMIT_STACK); low == 0 when unknown.
struct StackBounds {
  std::uintptr_t low = 0;
  std::size_t size = 0;
};

inline StackBounds read_stack_bounds() {
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

// Read once per thread.
inline const StackBounds& thread_stack() {
  thread_local const StackBounds b = read_stack_bounds();
  return b;
}

// Bytes between the caller's frame and the end of its thread's stack (stacks grow down on
// every target we build for); a huge value when the bounds cannot be read.
[[gnu::always_inline]] inline std::size_t stack_left() {
  const StackBounds& b = thread_stack();
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (b.low == 0 || here <= b.low) return std::numeric_limits<std::size_t>::max();
  return here - b.low;
}

}  // namespace lanes::internal
