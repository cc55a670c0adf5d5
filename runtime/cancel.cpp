// lanes::CancelToken, CancelScope and the deadline watcher (see runtime/cancel.h).
#include "runtime/cancel.h"

#include <lanes/error.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

namespace lanes::internal {

namespace {

thread_local CancelState* t_current = nullptr;

// CancelToken::cancel() is async-signal-safe only on a lock-free flag.
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// The flag handed to compiled code when no scope is active: never set.
constinit std::atomic<std::uint32_t> g_never_set{0};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             CancelToken::Clock::now().time_since_epoch())
      .count();
}

// Sets the flag of tokens whose deadline passes, for compiled code (which reads only the
// flag). One thread for the process, started by the first deadline; it sleeps until the
// earliest pending deadline. Tokens are held weakly: a dropped token is forgotten, and
// its entry swept out once the entries have doubled since the last sweep (a server that
// makes a token with a long timeout per request keeps only its live ones).
class DeadlineWatcher {
 public:
  static DeadlineWatcher& get() {
    // Never destroyed: the thread may be waiting when the process exits.
    static DeadlineWatcher* w = new DeadlineWatcher();
    return *w;
  }

  void add(const std::shared_ptr<CancelState>& s, std::int64_t deadline) {
    {
      std::lock_guard lock(mu_);
      if (pending_.size() >= sweep_at_) {
        std::erase_if(pending_, [](const auto& e) { return e.second.expired(); });
        sweep_at_ = std::max(kMinSweep, 2 * pending_.size());
      }
      const auto entry = pending_.emplace(deadline, s);
      if (!started_) {
        try {
          std::thread(&DeadlineWatcher::loop, this).detach();
        } catch (const std::system_error& e) {
          pending_.erase(entry);  // the next token with a deadline tries again
          throw RuntimeError(std::string("cancel token: cannot start the deadline thread: ") +
                             e.what());
        }
        started_ = true;
      }
    }
    cv_.notify_one();
  }

  std::size_t pending() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (pending_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const auto [deadline, weak] = *pending_.begin();
      const std::int64_t now = now_ns();
      if (now < deadline) {
        cv_.wait_for(lock, std::chrono::nanoseconds(deadline - now));
        continue;
      }
      pending_.erase(pending_.begin());
      if (auto s = weak.lock()) s->poll();  // a reset() token has no deadline any more
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::int64_t, std::weak_ptr<CancelState>> pending_;
  static constexpr std::size_t kMinSweep = 64;
  std::size_t sweep_at_ = kMinSweep;  // sweep when pending_ reaches this size
  bool started_ = false;
};

}  // namespace

std::uint32_t CancelState::poll() noexcept {
  std::uint32_t f = flag.load(std::memory_order_relaxed);
  if (f != 0) return f;
  const std::int64_t d = deadline_ns.load(std::memory_order_relaxed);
  if (d == kNoDeadline || now_ns() < d) return 0;
  std::uint32_t expected = 0;
  flag.compare_exchange_strong(expected, kCancelledByDeadline, std::memory_order_relaxed);
  return flag.load(std::memory_order_relaxed);
}

CancelState* current_cancel_state() noexcept { return t_current; }

std::size_t pending_deadlines_for_test() { return DeadlineWatcher::get().pending(); }

const std::atomic<std::uint32_t>* current_cancel_flag() noexcept {
  return t_current != nullptr ? &t_current->flag : &g_never_set;
}

void throw_cancelled(std::uint32_t why) {
  throw Cancelled(why == kCancelledByDeadline ? "deadline exceeded" : "cancelled");
}

}  // namespace lanes::internal

namespace lanes {

using internal::CancelState;

CancelToken::CancelToken() : state_(std::make_shared<CancelState>()) {}

CancelToken CancelToken::with_deadline(Clock::time_point deadline) {
  CancelToken t;
  const std::int64_t d =
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  t.state_->deadline_ns.store(d, std::memory_order_relaxed);
  if (t.state_->poll() == 0) internal::DeadlineWatcher::get().add(t.state_, d);
  return t;
}

CancelToken CancelToken::with_timeout(Clock::duration timeout) {
  return with_deadline(Clock::now() + timeout);
}

void CancelToken::cancel() const noexcept {
  std::uint32_t expected = 0;
  state_->flag.compare_exchange_strong(expected, internal::kCancelledByCall,
                                       std::memory_order_relaxed);
}

bool CancelToken::cancelled() const noexcept { return state_->poll() != 0; }

void CancelToken::reset() const noexcept {
  state_->deadline_ns.store(CancelState::kNoDeadline, std::memory_order_relaxed);
  state_->flag.store(0, std::memory_order_relaxed);
}

CancelToken::CancelToken(std::shared_ptr<CancelState> state) : state_(std::move(state)) {}

CancelScope::CancelScope(CancelToken token)
    : token_(std::move(token)), previous_(internal::t_current) {
  internal::t_current = token_.state().get();
}
CancelScope::~CancelScope() { internal::t_current = previous_; }

CancelToken current_cancel_token() {
  // Shares the current state (the scope that made it current holds it).
  if (CancelState* s = internal::t_current) return CancelToken(s->shared_from_this());
  return CancelToken();
}

void check_cancelled() { internal::throw_if_cancelled(); }

}  // namespace lanes
