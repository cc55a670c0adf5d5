// stack_left and check_stack (see stack_guard.h), from the thread's stack bounds as
// pthread_getattr_np reports them (for the main thread: from RLIMIT_STACK).
#include "frontend/repl/stack_guard.h"

#include <pthread.h>

#include <cstdint>
#include <limits>
#include <string>

#include "frontend/repl/errors.h"

namespace lanes::repl {

namespace {
// The lowest address of the calling thread's stack (stacks grow down on every target we
// build for), or 0 when unknown.
std::uintptr_t read_stack_low() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* addr = nullptr;
  std::size_t size = 0;
  const int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  return rc == 0 ? reinterpret_cast<std::uintptr_t>(addr) : 0;
}
}  // namespace

std::size_t stack_left() {
  thread_local const std::uintptr_t low = read_stack_low();
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (low == 0 || here <= low) return std::numeric_limits<std::size_t>::max();
  return here - low;
}

void check_stack(Loc loc) {
  const std::size_t left = stack_left();
  if (left >= kStackReserve) return;
  throw ReplError("RecursionError",
                  "the program nests too deeply for this thread's stack (" +
                      std::to_string(left >> 10) + " KiB left; calls and expressions nested " +
                      "this deep need a larger stack)",
                  loc);
}

}  // namespace lanes::repl
