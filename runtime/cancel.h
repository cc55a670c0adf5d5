// The engine's side of lanes::CancelToken (include/lanes/cancel.h): the shared state, the
// thread's current token, and the checks that the interpreter, the pass pipeline, code
// generation and the executables make.
//
// Compiled kernels observe a token through its flag (a 32-bit atomic that is 0 until the
// token is cancelled): the CPU executable hands kernels the current flag's address, and
// a compiled while_loop reads it at every iteration. A deadline reaches that flag through
// a watcher thread (started on the first token with a deadline) that sets it when the
// deadline passes; host-side checks also compare the clock themselves.
//
//   throw_if_cancelled();                       // between passes, equations, steps
//   const auto* flag = current_cancel_flag();   // what a kernel call is handed
#pragma once

#include <lanes/cancel.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace lanes::internal {

// Why a flag is set: cancel() or a passed deadline (0: not cancelled).
inline constexpr std::uint32_t kCancelledByCall = 1;
inline constexpr std::uint32_t kCancelledByDeadline = 2;

struct CancelState : std::enable_shared_from_this<CancelState> {
  std::atomic<std::uint32_t> flag{0};
  // steady_clock nanoseconds since its epoch; kNoDeadline: none.
  static constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();
  std::atomic<std::int64_t> deadline_ns{kNoDeadline};

  // The flag, after setting it if the deadline has passed.
  std::uint32_t poll() noexcept;
};

// The current token's state on this thread (nullptr: no scope).
CancelState* current_cancel_state() noexcept;

// The flag compiled code reads for the current token: never nullptr (without a scope, a
// flag that is never set).
const std::atomic<std::uint32_t>* current_cancel_flag() noexcept;

// For tests: the deadlines the watcher thread holds (of live tokens, and of dropped ones
// not yet swept out).
std::size_t pending_deadlines_for_test();

// Throws lanes::Cancelled for a flag's value (kCancelledBy...).
[[noreturn]] void throw_cancelled(std::uint32_t why);

// Throws lanes::Cancelled when the current token is cancelled or past its deadline.
inline void throw_if_cancelled() {
  if (CancelState* s = current_cancel_state()) {
    if (const std::uint32_t why = s->poll()) throw_cancelled(why);
  }
}

}  // namespace lanes::internal
