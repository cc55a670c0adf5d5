// NestingGuard (nesting_guard.h): a depth count and a check of this thread's stack left.
#include "runtime/nesting_guard.h"

#include <lanes/error.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "runtime/stack_left.h"

namespace lanes::internal {

namespace {

thread_local int t_depth = 0;

}  // namespace

NestingGuard::NestingGuard(const char* what) {
  const std::size_t reserve =
      std::min<std::size_t>(std::size_t{128} << 10, thread_stack().size / 4);
  const std::size_t left = stack_left();
  if (left < reserve) {
    throw UnsupportedError(
        std::string(what) + ": control flow nested " + std::to_string(t_depth + 1) +
        " levels deep (sub-graphs inside sub-graphs) needs more stack than this thread has (" +
        std::to_string(thread_stack().size >> 10) + " KiB, " + std::to_string(left >> 10) +
        " KiB left); run it on a thread with a larger stack, or nest less deeply");
  }
  ++t_depth;
}

NestingGuard::~NestingGuard() { --t_depth; }

int nesting_depth() { return t_depth; }

}  // namespace lanes::internal
