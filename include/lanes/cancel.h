// Cancellation and deadlines: stop a running computation or compile from another thread,
// a signal handler or a timer, and get lanes::Cancelled instead of a result.
//
//   lanes::CancelToken token;                        // or CancelToken::with_timeout(2s)
//   std::thread watchdog([token] { std::this_thread::sleep_for(100ms); token.cancel(); });
//   try {
//     lanes::CancelScope scope(token);               // every call on this thread sees it
//     lanes::Array r = lanes::jit(newton)(xs);       // a while_loop that never ends
//   } catch (const lanes::Cancelled& e) {
//     // e.what(): "cancelled" or "deadline exceeded"; the engine is usable as before.
//   }
//   watchdog.join();
//
// How a call takes a token: through a scope, not an argument. A CancelScope makes its
// token the current one on its thread until the scope ends, and every entry point on that
// thread observes it: eager calls (the interpreter checks between equations and at every
// iteration of while_loop, fori_loop and scan), jit (the pass pipeline checks between
// passes, code generation between kernels and before LLVM's optimizer; compiled
// while_loops check a flag at every iteration, and kernels split over the thread pool
// check it before each chunk), vmap, grad and pmap (its replicas run on other threads:
// they observe the caller's token). A scope reaches code that never sees a token in its
// signature (a Fn called deep inside a user's library), and adds nothing to the
// signature of every entry point; JAX-style transforms compose without a new argument.
// Scopes nest: the innermost one's token is observed (an outer token is not consulted
// while an inner scope is active). Without a scope nothing is ever cancelled.
//
// What a cancel stops, and when: compiled code reacts within one iteration of a
// while_loop (a load and a predictable branch each iteration: under 1% on the Newton
// benchmark, docs/cancellation.md) or one thread-pool chunk; counted loops (fori_loop,
// scan with a static length) and kernels without a while_loop run to the end of their
// chunk. A compile stops at its next check (between passes or kernels); LLVM's optimizer
// and machine-code generation of one module are not interrupted. A call that observes a
// cancel throws lanes::Cancelled and leaves nothing half-made behind: no compile-cache
// entry, no held thread; the same call with an uncancelled token compiles and runs.
// A cancelled token stays cancelled (a deadline stays passed); reset() is for a token
// reused call after call, as the REPL does.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

namespace internal {
struct CancelState;  // runtime/cancel.cpp
}

// A cancellation flag shared by its copies (copying is cheap: one shared pointer), with
// an optional deadline. Thread-safe: any thread may cancel while others observe.
class CancelToken {
 public:
  using Clock = std::chrono::steady_clock;

  // A fresh token: not cancelled, no deadline.
  CancelToken();
  // A token that cancels itself at `deadline` (already passed: cancelled at once). The
  // first one starts the process's deadline thread (lanes::RuntimeError if it cannot).
  static CancelToken with_deadline(Clock::time_point deadline);
  // A token that cancels itself `timeout` from now.
  static CancelToken with_timeout(Clock::duration timeout);

  // Cancels every call that observes this token (and any later one, until reset()).
  // Async-signal-safe: a single atomic store, so a SIGINT handler may call it.
  void cancel() const noexcept;
  // Whether the token is cancelled, or its deadline has passed.
  bool cancelled() const noexcept;
  // Clears a cancel() and drops the deadline, so that the token can serve the next call.
  // Only between calls: a call observing the token while it is reset may or may not stop.
  void reset() const noexcept;

  // Two tokens are equal when they are copies of each other (the same shared flag).
  friend bool operator==(const CancelToken& a, const CancelToken& b) {
    return a.state_ == b.state_;
  }

  // For the engine: the shared state.
  const std::shared_ptr<internal::CancelState>& state() const { return state_; }

 private:
  friend CancelToken current_cancel_token();
  explicit CancelToken(std::shared_ptr<internal::CancelState> state);
  std::shared_ptr<internal::CancelState> state_;
};

// Makes `token` the current token of this thread for the scope's lifetime (RAII; scopes
// nest, the previous token is current again when this one ends). Not copyable or movable.
//
//   { lanes::CancelScope scope(lanes::CancelToken::with_timeout(std::chrono::seconds(5)));
//     result = lanes::jit(f)(x); }  // throws lanes::Cancelled after 5 s
class CancelScope {
 public:
  explicit CancelScope(CancelToken token);
  ~CancelScope();
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

 private:
  CancelToken token_;
  internal::CancelState* previous_;
};

// The token of this thread's innermost CancelScope (a fresh, never-cancelled token when
// there is none: cancelling that one affects nothing).
CancelToken current_cancel_token();

// Throws lanes::Cancelled if the current token is cancelled: for long host code of the
// embedding application (a host callback, a loop over calls) that wants to stop as the
// engine does.
void check_cancelled();

}  // namespace lanes
#pragma GCC visibility pop
