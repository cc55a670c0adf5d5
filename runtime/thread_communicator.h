// ThreadCommunicator: the Communicator of replicas that are threads of this process.
//
// Every collective is a rendezvous: each replica posts its buffers, a barrier waits for
// all of them, then the work is split (for all_reduce each replica reduces one contiguous
// chunk of the elements into a shared buffer, always combining replica 0, 1, ..., size-1
// in that order, so results are bitwise the same as a sequential left-to-right
// reduction), a second barrier, and each replica copies its result out. abort() wakes
// every waiting replica, which throws RuntimeError; later collectives throw at once.
// The first barrier also checks that every replica makes the same call
// (runtime/collective_call.h): a replica that has finished counts as arrived, and when
// the calls differ (or some replica has finished) every replica of the rendezvous throws
// the same RuntimeError, so none is left waiting. A communicator serves one pmap run.
#pragma once

#include <lanes/error.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/collective_call.h"
#include "runtime/communicator.h"

namespace lanes::internal {

class ThreadCommunicator final : public Communicator {
 public:
  explicit ThreadCommunicator(int size);

  int size() const override { return size_; }
  void all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out, std::size_t count,
                  const char* primitive = nullptr) override;
  void all_gather(int rank, DType dtype, const void* in, void* out, std::size_t count,
                  const char* primitive = nullptr) override;
  void ppermute(int rank, DType dtype, const void* in, void* out, std::size_t count,
                const std::vector<std::pair<int, int>>& perm,
                const char* primitive = nullptr) override;
  void finished(int rank) override;
  bool failed_together(int rank) const override;
  void abort(const std::string& reason) override;

 private:
  // One replica's state (one vector, so a communicator costs one allocation per run).
  struct Post {
    const void* in = nullptr;
    CollectiveCall call;
    bool finished = false;  // its program has returned
    bool diverged = false;  // its last call threw verdict_
  };
  // Posts this replica's call and buffer and waits for every replica that has not
  // finished; throws the divergence error on every replica when the calls differ.
  void post_and_wait(int rank, const CollectiveCall& call, const void* in);
  // Under mu_, by whoever completes the first barrier of a collective (the last replica
  // to post, or the last to finish): the verdict, then every waiting replica is released.
  void complete_locked();
  // Waits until every replica arrives. Throws if aborted.
  void barrier(const char* what);
  // The error of a collective `what` after another replica aborted (reason_; mu_ held).
  RuntimeError aborted_error(const char* what) const;
  void check_rank(int rank, const char* what) const;

  const int size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  bool aborted_ = false;
  std::string reason_;
  std::vector<Post> posts_;
  int finished_count_ = 0;
  std::uint64_t calls_ = 0;            // collectives so far (the "#k" of messages)
  std::string verdict_;                // the last collective's divergence message, or empty
  std::vector<unsigned char> result_;  // all_reduce's shared result
};

}  // namespace lanes::internal
