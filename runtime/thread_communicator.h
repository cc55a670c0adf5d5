// ThreadCommunicator: the Communicator of replicas that are threads of this process.
//
// Every collective is a rendezvous: each replica posts its buffers, a barrier waits for
// all of them, then the work is split (for all_reduce each replica reduces one contiguous
// chunk of the elements into a shared buffer, always combining replica 0, 1, ..., size-1
// in that order, so results are bitwise the same as a sequential left-to-right
// reduction), a second barrier, and each replica copies its result out. abort() wakes
// every waiting replica, which throws RuntimeError; later collectives throw at once.
// Replicas whose posted element counts or dtypes differ all throw ShapeError (every
// replica sees the same mismatch, so none is left waiting).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/communicator.h"

namespace lanes::internal {

class ThreadCommunicator final : public Communicator {
 public:
  explicit ThreadCommunicator(int size);

  int size() const override { return size_; }
  void all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out,
                  std::size_t count) override;
  void all_gather(int rank, DType dtype, const void* in, void* out, std::size_t count) override;
  void ppermute(int rank, DType dtype, const void* in, void* out, std::size_t count,
                const std::vector<std::pair<int, int>>& perm) override;
  void abort(const std::string& reason) override;

 private:
  struct Post {
    const void* in = nullptr;
    std::size_t count = 0;
    DType dtype = DType::F64;
  };
  // Posts this replica's buffer and waits for every replica; checks they agree.
  void post_and_wait(int rank, const char* what, DType dtype, const void* in, std::size_t count);
  // Waits until every replica arrives. Throws if aborted.
  void barrier(const char* what);
  void check_rank(int rank, const char* what) const;

  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  bool aborted_ = false;
  std::string reason_;
  std::vector<Post> posts_;
  std::vector<unsigned char> result_;  // all_reduce's shared result
};

}  // namespace lanes::internal
