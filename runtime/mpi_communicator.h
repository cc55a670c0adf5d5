// The Communicator across MPI processes: each process runs its local replicas on threads
// (the callers' threads), and collectives cross processes with MPI.
//
// Part of the MPI plugin (runtime/mpi_plugin.cpp hands it to liblanes through
// process_group.h); tests link it directly:
//   lanes::internal::set_mpi_settings({local_devices, timeout_s});  // what liblanes passes
//   auto& world = lanes::internal::MpiWorld::get();  // starts MPI unless the host did
//   // Create once and reuse: creation is collective (every process, same order).
//   auto comm = lanes::internal::MpiCommunicator::create_world();
//   // pmap's axis size: comm->size() == world.global_device_count(). This process runs
//   // replicas comm->first_rank() .. first_rank() + local_size() - 1, one thread each,
//   // and each passes its global index as `rank`; inputs/outputs of the other replicas
//   // live in the other processes.
// The global device list (which process owns which replica) is MpiWorld::global_devices().
// Creating a communicator is collective (MPI_Comm_dup, so its messages stay apart from the
// host's): every process creates its communicators in the same order.
//
// How a collective runs: the local replicas meet at a rendezvous; the last to arrive copies
// every local input aside (so `in` may be `out`: in place), makes the MPI calls for the whole
// process, writes every local replica's `out` and releases them.
// Agreement (runtime/collective_call.h): before the payload, the leader of each process
// all-gathers every replica's call descriptor (a 256-byte slot per replica, one
// MPI_Iallgatherv), so every process checks the same N calls; when they differ, every
// replica of the job throws the same RuntimeError and no payload moves. An operand of at
// most 208 bytes travels in the slot with its descriptor, so a small collective still
// takes a single exchange (all_reduce then folds the N rows in replica order, integers
// included). A replica whose
// program has returned gathers the pmap's outputs (replica_runner.cpp), which posts a
// call that counts as `finished` (finished(rank), a rendezvous of its own, does the same
// for a pmap without outputs): a process whose replicas have returned thus meets the
// others' next collective and both sides fail together, instead of one waiting for a
// collective that the other never makes. Every process therefore makes the same sequence
// of MPI calls even when the programs diverge. (A replica that never reaches a collective
// nor returns, e.g. one in an endless loop, is still caught only by the timeout below.)
//  - all_reduce of floats and bools (every op): bitwise equality with the
//    threaded runtime needs the order in_0 op in_1 op ... op in_{N-1}, which MPI_Allreduce
//    does not promise. So every process MPI_Allgatherv's all N contributions and reduces
//    them itself in rank order: each process receives N * count elements and does
//    (N - 1) * count operations, against about 2 * count for a ring all-reduce; the price of
//    determinism, paid only for floats and bools. It runs in rounds of 1 MiB per replica,
//    so the staging memory is N MiB, not N times the buffer.
//  - all_reduce, integers: exact in any order (wrapping sums), so each process reduces its
//    local replicas and one MPI_Iallreduce combines the processes.
//  - all_gather: one MPI_Iallgatherv of the local blocks.
//  - ppermute: MPI_Isend/MPI_Irecv between processes, memcpy within a process.
// Combination rules (identical to the threaded runtime's): Sum is a + b (bool: or;
// integers wrap); Max and Min follow reduce_max/reduce_min: a NaN operand gives the
// canonical quiet NaN, and -0 < +0 (bool: or / and).
//
// Failure: MPI has no timeout on collectives, so every MPI wait polls a nonblocking request
// (MPI_Test) against a deadline of mpi_settings().timeout_s (liblanes reads env
// LANES_MPI_TIMEOUT_S, default 60 s). When it passes (another process died or never reached the collective) the process
// prints the error and ends the job with MPI_Abort. abort(reason) in a job of several
// processes does the same at once: remote replicas cannot be woken otherwise, so the error
// reaches the caller as the job's non-zero exit status and the printed reason, not as an
// exception. In a single-process job abort() behaves like the threaded runtime: every local
// replica waiting in (or later entering) a collective throws RuntimeError naming the reason.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/collective_call.h"
#include "runtime/communicator.h"

namespace lanes::internal {

class MpiCommunicator final : public Communicator {
 public:
  // Every device of every process of the job (MpiWorld's global device list).
  static std::unique_ptr<MpiCommunicator> create_world();

  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int size() const override { return size_; }
  int first_rank() const { return first_; }  // this process' first global replica
  int local_size() const { return local_; }  // replicas this process runs

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
  MpiCommunicator();

  struct Slot {
    const void* in;
    void* out;
  };
  // Records this replica's call and buffers; the last local replica to arrive checks that
  // every replica of the job makes the same call, then runs `leader(slots)` (the MPI
  // part) while the others wait; all return once it is done, or all throw the
  // divergence error.
  // `rows`: null, or every replica's operand, in replica order, kSlotBytes apart (a small
  // operand travels with the check).
  using Leader = std::function<void(const std::vector<Slot>& slots, const unsigned char* rows)>;
  void rendezvous(int rank, const CollectiveCall& call, const void* in, void* out,
                  const Leader& leader);
  // The leader's check: the divergence message of this collective (empty: they agree);
  // *inlined: the operands came with it (then the leader needs no other exchange).
  std::string agree(bool* inlined);
  int local_index(int rank, const char* what) const;

  struct MpiState;  // the MPI handles (mpi.h stays out of this header)
  std::unique_ptr<MpiState> mpi_;
  std::vector<unsigned char> scratch_;  // the leader's staging buffer, reused across calls
  int size_ = 0, first_ = 0, local_ = 0, processes_ = 1;
  double timeout_s_ = 60;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
  std::vector<CollectiveCall> calls_;           // the local replicas' calls of this rendezvous
  std::vector<CollectiveCall> all_calls_;       // every replica's, gathered by the leader
  std::vector<unsigned char> sent_, gathered_;  // the check's slots: this process', everyone's
  std::vector<int> call_bytes_, call_displs_;   // per process: its replicas' slots, in bytes
  std::uint64_t sequence_ = 0;                  // collectives since the last completed run ("#k")
  std::string verdict_;                         // the last rendezvous' divergence message, or empty
  std::vector<char> diverged_;                  // per local replica: its last call threw verdict_
  std::vector<bool> present_;                   // which local replicas are at the rendezvous
  int arrived_ = 0;
  unsigned long generation_ = 0;
  bool aborted_ = false;
  std::string abort_reason_;
};

}  // namespace lanes::internal
