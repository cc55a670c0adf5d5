// The collectives interface that pmap replicas talk through.
//
// A Communicator connects the `size()` replicas of one pmap call (one per device). Every
// replica calls the same collectives in the same order, each from its own thread, passing
// its global replica index `rank`; a call returns when the result for that replica is in
// `out`. Two implementations sit behind this one interface: threads in this process
// (runtime/thread_communicator) and MPI across processes and hosts
// (runtime/mpi_communicator), where each process runs its local replicas on threads.
//
// Determinism: every implementation reduces in the same fixed order (replica 0, 1, ...,
// size-1, left to right), so results are bitwise identical on every replica, from run to
// run, and between the threaded and the MPI runtimes.
//
// Failure: a replica that fails calls abort(); every replica blocked in (or later
// entering) a collective of this communicator then throws lanes::RuntimeError instead of
// waiting forever.
//
// Divergence: replicas must make the same calls in the same order. Each call carries a
// descriptor (runtime/collective_call.h: the primitive, dtype, element count, op, perm),
// and a replica whose program has returned calls finished(rank). When the replicas of a
// rendezvous disagree (another collective, another operand, or a replica that finished
// while others wait in a collective), every replica in it throws the same RuntimeError
// naming the collectives and the replicas ("collective #1: replicas disagree: replica 0
// calls psum(f32, 4 elements); replicas 1-3 call pmax(f32, 4 elements). ...") rather than
// hang or combine different collectives. `primitive` names the caller's primitive in that
// message (null: the communicator's own name: all_reduce, all_gather, ppermute).
#pragma once

#include <lanes/dtype.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace lanes::internal {

enum class ReduceOp { Sum, Max, Min };

class Communicator {
 public:
  virtual ~Communicator() = default;

  // Replicas in the group (global: all processes together).
  virtual int size() const = 0;

  // out[k] = in_0[k] op in_1[k] op ... op in_{size-1}[k], in that order; `count`
  // elements of `dtype`. `in` and `out` may alias.
  virtual void all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out,
                          std::size_t count, const char* primitive = nullptr) = 0;

  // out = concatenation of every replica's `count` elements, in replica order
  // (out holds size() * count elements).
  virtual void all_gather(int rank, DType dtype, const void* in, void* out, std::size_t count,
                          const char* primitive = nullptr) = 0;

  // Sends `in` to every destination d of a pair (rank, d) in `perm`, and receives into
  // `out` from the source s of the pair (s, rank); a replica that no pair sends to gets
  // zeros (JAX's ppermute). Every replica passes the same `perm` (a partial permutation).
  virtual void ppermute(int rank, DType dtype, const void* in, void* out, std::size_t count,
                        const std::vector<std::pair<int, int>>& perm,
                        const char* primitive = nullptr) = 0;

  // Called by replica `rank` when its program has returned (it makes no more
  // collectives in this run). Replicas waiting for it in a collective then throw the
  // divergence error; with threads it returns at once, over MPI it is a rendezvous of
  // every replica of the job (so that the other processes learn it), which throws like a
  // collective when some replica is still in one. An MpiCommunicator (the world's, reused)
  // is ready for another run once every replica has finished; a ThreadCommunicator serves
  // one run.
  virtual void finished(int rank) = 0;

  // Whether the last call of `rank` threw an error that every replica of the run throws
  // together (a divergence): its runner need not abort() the others, which over MPI
  // would end the job.
  virtual bool failed_together(int rank) const = 0;

  // Called by a failing replica: wakes every replica waiting in a collective of this
  // communicator, which then throws RuntimeError naming `reason`.
  virtual void abort(const std::string& reason) = 0;
};

}  // namespace lanes::internal
