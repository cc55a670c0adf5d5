// The threaded Communicator (see thread_communicator.h).
#include "runtime/thread_communicator.h"

#include <lanes/error.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "runtime/check.h"
#include "runtime/reduce_combine.h"

namespace lanes::internal {

ThreadCommunicator::ThreadCommunicator(int size)
    : size_(size), posts_(static_cast<std::size_t>(size > 0 ? size : 0)) {
  if (size <= 0) throw ArgumentError("ThreadCommunicator: size must be positive");
}

void ThreadCommunicator::check_rank(int rank, const char* what) const {
  if (rank < 0 || rank >= size_) {
    LANES_FAIL(std::string("communicator ") + what + ": rank " + std::to_string(rank) +
               " out of range for " + std::to_string(size_) + " replicas");
  }
}

RuntimeError ThreadCommunicator::aborted_error(const char* what) const {
  return RuntimeError(std::string(what) + ": aborted because another replica failed: " + reason_);
}

void ThreadCommunicator::barrier(const char* what) {
  std::unique_lock lock(mu_);
  if (aborted_) throw aborted_error(what);
  const std::uint64_t gen = generation_;
  if (++arrived_ == size_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
  if (generation_ == gen) throw aborted_error(what);
}

void ThreadCommunicator::complete_locked() {
  ++calls_;
  // The common case, checked without building anything: nobody finished, calls equal.
  bool same = finished_count_ == 0;
  for (int r = 1; same && r < size_; ++r)
    same = posts_[static_cast<std::size_t>(r)].call == posts_[0].call;
  verdict_.clear();
  if (!same) {
    std::vector<CollectiveCall> calls(posts_.size());
    for (std::size_t r = 0; r < calls.size(); ++r) {
      calls[r] = posts_[r].finished ? finished_call() : posts_[r].call;
    }
    verdict_ = divergence_message(calls, calls_);
  }
  arrived_ = 0;
  ++generation_;
  cv_.notify_all();
}

void ThreadCommunicator::post_and_wait(int rank, const CollectiveCall& call, const void* in) {
  const char* what = call.primitive;
  check_rank(rank, what);
  const auto r = static_cast<std::size_t>(rank);
  std::unique_lock lock(mu_);
  posts_[r].diverged = false;
  if (aborted_) throw aborted_error(what);
  if (posts_[r].finished) {
    LANES_FAIL(std::string("communicator ") + what + ": replica " + std::to_string(rank) +
               " calls a collective after it finished");
  }
  posts_[r].in = in;
  posts_[r].call = call;
  const std::uint64_t gen = generation_;
  // A finished replica counts as arrived: the rendezvous completes (and fails) without it.
  if (++arrived_ + finished_count_ == size_) {
    complete_locked();
  } else {
    cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
    if (generation_ == gen) throw aborted_error(what);
  }
  // verdict_ stays until the next collective completes, which needs this replica.
  if (!verdict_.empty()) {
    posts_[r].diverged = true;
    throw RuntimeError(verdict_);
  }
}

void ThreadCommunicator::finished(int rank) {
  check_rank(rank, "finished");
  const auto r = static_cast<std::size_t>(rank);
  std::lock_guard lock(mu_);
  if (posts_[r].finished) return;
  posts_[r].finished = true;
  ++finished_count_;
  // Replicas waiting in a collective that this replica will never call: fail them now.
  if (arrived_ > 0 && arrived_ + finished_count_ == size_) complete_locked();
}

bool ThreadCommunicator::failed_together(int rank) const {
  check_rank(rank, "failed_together");
  std::lock_guard lock(mu_);
  return posts_[static_cast<std::size_t>(rank)].diverged;
}

void ThreadCommunicator::all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out,
                                    std::size_t count, const char* primitive) {
  post_and_wait(
      rank, collective_call(CollectiveKind::AllReduce, primitive, "all_reduce", dtype, count, op),
      in);
  const std::size_t esize = dtype_size(dtype);
  {
    // The first replica through sizes the shared result (under the lock: others wait on
    // it before writing their chunk).
    std::lock_guard lock(mu_);
    if (result_.size() < count * esize) result_.resize(count * esize);
  }
  // This replica's chunk of the elements.
  const std::size_t per =
      (count + static_cast<std::size_t>(size_) - 1) / static_cast<std::size_t>(size_);
  const std::size_t lo = std::min(count, per * static_cast<std::size_t>(rank));
  const std::size_t hi = std::min(count, lo + per);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* res = reinterpret_cast<T*>(result_.data());
    const T* first = static_cast<const T*>(posts_[0].in);
    for (std::size_t k = lo; k < hi; ++k) res[k] = first[k];
    for (int r = 1; r < size_; ++r) {
      const T* src = static_cast<const T*>(posts_[static_cast<std::size_t>(r)].in);
      for (std::size_t k = lo; k < hi; ++k) res[k] = reduce_combine<T>(op, res[k], src[k]);
    }
  });
  barrier("all_reduce");  // every chunk is written and every input read
  if (count > 0) std::memcpy(out, result_.data(), count * esize);
}

void ThreadCommunicator::all_gather(int rank, DType dtype, const void* in, void* out,
                                    std::size_t count, const char* primitive) {
  post_and_wait(
      rank, collective_call(CollectiveKind::AllGather, primitive, "all_gather", dtype, count), in);
  const std::size_t bytes = count * dtype_size(dtype);
  auto* dst = static_cast<unsigned char*>(out);
  for (int r = 0; r < size_; ++r) {
    if (bytes > 0)
      std::memcpy(dst + static_cast<std::size_t>(r) * bytes, posts_[static_cast<std::size_t>(r)].in,
                  bytes);
  }
  barrier("all_gather");  // nobody changes its input while others still read it
}

void ThreadCommunicator::ppermute(int rank, DType dtype, const void* in, void* out,
                                  std::size_t count, const std::vector<std::pair<int, int>>& perm,
                                  const char* primitive) {
  CollectiveCall call =
      collective_call(CollectiveKind::Ppermute, primitive, "ppermute", dtype, count);
  call.perm_hash = perm_hash(perm);
  post_and_wait(rank, call, in);
  const std::size_t bytes = count * dtype_size(dtype);
  int source = -1;
  for (const auto& [s, d] : perm) {
    if (d == rank) source = s;
  }
  if (bytes > 0) {
    if (source >= 0 && source < size_) {
      std::memcpy(out, posts_[static_cast<std::size_t>(source)].in, bytes);
    } else {
      std::memset(out, 0, bytes);  // all-zero bits are 0 for every dtype
    }
  }
  barrier("ppermute");
}

void ThreadCommunicator::abort(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (!aborted_) {
    aborted_ = true;
    reason_ = reason;
  }
  cv_.notify_all();
}

}  // namespace lanes::internal
