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

namespace {}  // namespace

ThreadCommunicator::ThreadCommunicator(int size)
    : size_(size), posts_(static_cast<std::size_t>(size)) {
  if (size <= 0) throw ArgumentError("ThreadCommunicator: size must be positive");
}

void ThreadCommunicator::check_rank(int rank, const char* what) const {
  if (rank < 0 || rank >= size_) {
    LANES_FAIL(std::string("communicator ") + what + ": rank " + std::to_string(rank) +
               " out of range for " + std::to_string(size_) + " replicas");
  }
}

void ThreadCommunicator::barrier(const char* what) {
  std::unique_lock lock(mu_);
  auto aborted_error = [&] {
    return RuntimeError(std::string(what) + ": aborted because another replica failed: " + reason_);
  };
  if (aborted_) throw aborted_error();
  const std::uint64_t gen = generation_;
  if (++arrived_ == size_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
  if (generation_ == gen) throw aborted_error();
}

void ThreadCommunicator::post_and_wait(int rank, const char* what, DType dtype, const void* in,
                                       std::size_t count) {
  check_rank(rank, what);
  {
    std::lock_guard lock(mu_);
    posts_[static_cast<std::size_t>(rank)] = {in, count, dtype};
  }
  barrier(what);
  // Every replica checks the same posts, so all of them throw together or none does.
  const Post& p0 = posts_[0];
  for (int r = 1; r < size_; ++r) {
    const Post& p = posts_[static_cast<std::size_t>(r)];
    if (p.count != p0.count || p.dtype != p0.dtype) {
      std::string msg = std::string(what) + ": replicas disagree on the operand: replica 0 has " +
                        std::to_string(p0.count) + " elements of " +
                        std::string(dtype_name(p0.dtype)) + ", replica " + std::to_string(r) +
                        " has " + std::to_string(p.count) + " elements of " +
                        std::string(dtype_name(p.dtype));
      // Wait for everyone to have read the posts before leaving (they are reused).
      barrier(what);
      throw ShapeError(msg);
    }
  }
}

void ThreadCommunicator::all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out,
                                    std::size_t count) {
  post_and_wait(rank, "all_reduce", dtype, in, count);
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
                                    std::size_t count) {
  post_and_wait(rank, "all_gather", dtype, in, count);
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
                                  std::size_t count, const std::vector<std::pair<int, int>>& perm) {
  post_and_wait(rank, "ppermute", dtype, in, count);
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
