// MPI collectives for pmap replicas spread over processes (see mpi_communicator.h).
#include "runtime/mpi_communicator.h"

#include <lanes/error.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>

#include "runtime/mpi_world.h"
#include "runtime/reduce_combine.h"

namespace lanes::internal {

struct MpiCommunicator::MpiState {
  MPI_Comm comm = MPI_COMM_NULL;
};

namespace {

// Bytes of each replica's contribution that one round of a float all_reduce gathers.
constexpr std::size_t kRoundBytes = std::size_t{1} << 20;

// Each replica's call descriptor crosses processes in a slot of kSlotBytes, followed by its
// operand when that fits: a small collective then takes one exchange (the check and the
// payload together), as many as it took before the check existed. 256 bytes: Open MPI's
// shared-memory transport sends up to 256 bytes inline (btl_vader_max_inline_send), which
// one replica per process fits; the size is not otherwise tuned.
constexpr std::size_t kSlotBytes = 256;
constexpr std::size_t kInlineBytes = kSlotBytes - sizeof(CollectiveCall);

bool travels_inline(const CollectiveCall& c) {
  return c.kind != CollectiveKind::Finished && c.count * dtype_size(c.dtype) <= kInlineBytes;
}

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::Bool:
      return MPI_C_BOOL;
    case DType::I32:
      return MPI_INT32_T;
    case DType::I64:
      return MPI_INT64_T;
    case DType::F32:
      return MPI_FLOAT;
    case DType::F64:
      return MPI_DOUBLE;
  }
  return MPI_DATATYPE_NULL;
}

// Any MPI failure is fatal for the job: the other processes are inside the same collective
// and cannot be released otherwise.
void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  MpiWorld::get().abort_job(std::string(what) + ": MPI error: " + std::string(text, len));
}

int checked_count(std::size_t count, const char* what) {
  if (count > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw RuntimeError(std::string(what) + ": " + std::to_string(count) +
                       " elements exceed MPI's int count");
  }
  return static_cast<int>(count);
}

// A contiguous datatype of one replica's `count` elements, so that Allgatherv counts
// replicas (small ints) rather than elements.
class RowType {
 public:
  RowType(DType dtype, std::size_t count, const char* what) {
    std::lock_guard<std::mutex> guard(MpiWorld::get().call_mutex());
    check(MPI_Type_contiguous(checked_count(count, what), mpi_type(dtype), &type_), what);
    check(MPI_Type_commit(&type_), what);
  }
  ~RowType() {
    std::lock_guard<std::mutex> guard(MpiWorld::get().call_mutex());
    MPI_Type_free(&type_);
  }
  RowType(const RowType&) = delete;
  RowType& operator=(const RowType&) = delete;
  MPI_Datatype get() const { return type_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// Polls until every request completes. MPI offers no timeout on collectives, so past the
// deadline this process reports and ends the job rather than hang.
void wait_all(std::vector<MPI_Request>& requests, double timeout_s, const char* what) {
  if (requests.empty()) return;
  MpiWorld& world = MpiWorld::get();
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(timeout_s);
  for (;;) {
    int done = 0;
    {
      std::lock_guard<std::mutex> guard(world.call_mutex());
      check(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done,
                        MPI_STATUSES_IGNORE),
            what);
    }
    if (done) return;
    if (std::chrono::steady_clock::now() > deadline) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", timeout_s);
      world.abort_job(std::string(what) + " timed out after " + seconds +
                      " s waiting for the other processes (LANES_MPI_TIMEOUT_S): one failed "
                      "or never reached this collective; ending the job");
    }
    // Nonblocking collectives progress only inside MPI calls, so poll without sleeping
    // while the transfer is likely under way (yielding the core to processes that share
    // it), and back off to short sleeps only when another process is late.
    if (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200)) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

// acc[k] = acc[k] op row[k] for k < count.
template <class T>
void fold(ReduceOp op, T* acc, const T* row, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) acc[k] = reduce_combine(op, acc[k], row[k]);
}

void fold_bytes(DType dtype, ReduceOp op, void* acc, const void* row, std::size_t count) {
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    fold(op, static_cast<T*>(acc), static_cast<const T*>(row), count);
  });
}

}  // namespace

std::unique_ptr<MpiCommunicator> MpiCommunicator::create_world() {
  return std::unique_ptr<MpiCommunicator>(new MpiCommunicator());
}

MpiCommunicator::MpiCommunicator() : mpi_(std::make_unique<MpiState>()) {
  MpiWorld& world = MpiWorld::get();
  size_ = world.global_device_count();
  first_ = world.device_offset(world.rank());
  local_ = world.local_device_count();
  processes_ = world.size();
  timeout_s_ = mpi_settings().timeout_s;
  slots_.assign(local_, Slot{nullptr, nullptr});
  present_.assign(local_, false);
  calls_.assign(local_, CollectiveCall{});
  diverged_.assign(local_, 0);
  all_calls_.assign(size_, CollectiveCall{});
  if (processes_ > 1) {
    sent_.assign(local_ * kSlotBytes, 0);
    gathered_.assign(size_ * kSlotBytes, 0);
  }
  for (int p = 0; p < processes_; ++p) {
    call_bytes_.push_back(world.device_count(p) * static_cast<int>(kSlotBytes));
    call_displs_.push_back(world.device_offset(p) * static_cast<int>(kSlotBytes));
  }
  std::lock_guard<std::mutex> guard(world.call_mutex());
  // A communicator of our own keeps our messages apart from the host's; errors are
  // returned so that check() can name the collective before ending the job.
  check(MPI_Comm_dup(MPI_COMM_WORLD, &mpi_->comm), "MpiCommunicator: MPI_Comm_dup");
  MPI_Comm_set_errhandler(mpi_->comm, MPI_ERRORS_RETURN);
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || mpi_->comm == MPI_COMM_NULL) return;
  std::lock_guard<std::mutex> guard(MpiWorld::get().call_mutex());
  MPI_Comm_free(&mpi_->comm);
}

int MpiCommunicator::local_index(int rank, const char* what) const {
  if (rank < first_ || rank >= first_ + local_) {
    throw ArgumentError(std::string(what) + ": rank " + std::to_string(rank) +
                        " is not a replica of MPI process " +
                        std::to_string(MpiWorld::get().rank()) + " (its replicas are " +
                        std::to_string(first_) + ".." + std::to_string(first_ + local_ - 1) + ")");
  }
  return rank - first_;
}

void MpiCommunicator::rendezvous(int rank, const CollectiveCall& call, const void* in, void* out,
                                 const Leader& leader) {
  const char* what = call.primitive;
  int li = local_index(rank, what);
  std::unique_lock<std::mutex> lock(mu_);
  diverged_[li] = 0;
  if (aborted_) {
    throw RuntimeError(std::string(what) + ": the collective was aborted: " + abort_reason_);
  }
  if (present_[li]) {
    const std::string message = std::string(what) + ": replica " + std::to_string(rank) +
                                " entered a collective twice at once";
    aborted_ = true;
    abort_reason_ = message;
    cv_.notify_all();
    throw ArgumentError(message);
  }
  calls_[li] = call;
  slots_[li] = Slot{in, out};
  present_[li] = true;
  if (++arrived_ < local_) {
    unsigned long generation = generation_;
    cv_.wait(lock, [&] { return generation_ != generation || aborted_; });
    if (generation_ != generation) {  // done, even if an abort followed
      // verdict_ stays until the next rendezvous completes, which needs this replica.
      if (verdict_.empty()) return;
      diverged_[li] = 1;
      throw RuntimeError(verdict_);
    }
    throw RuntimeError(std::string(what) + ": the collective was aborted: " + abort_reason_);
  }
  // The last to arrive: every other local replica waits, so slots_ and calls_ are stable.
  lock.unlock();
  std::string verdict;
  try {
    bool inlined = false;
    verdict = agree(&inlined);
    if (verdict.empty())
      leader(slots_, inlined ? gathered_.data() + sizeof(CollectiveCall) : nullptr);
  } catch (const std::exception& e) {
    lock.lock();
    aborted_ = true;
    abort_reason_ = e.what();
    cv_.notify_all();
    throw;
  }
  lock.lock();
  verdict_ = verdict;
  // A run's collectives end when every replica has finished (or gathers the outputs), or
  // at a divergence (every replica of the job throws): the next run counts from #1.
  if (!verdict.empty() || ends_program(call)) sequence_ = 0;
  arrived_ = 0;
  present_.assign(local_, false);
  ++generation_;
  cv_.notify_all();
  if (!verdict.empty()) {
    diverged_[li] = 1;
    throw RuntimeError(verdict);
  }
}

std::string MpiCommunicator::agree(bool* inlined) {
  ++sequence_;
  *inlined = false;
  if (processes_ == 1) return divergence_message(calls_, sequence_);
  for (int i = 0; i < local_; ++i) {
    unsigned char* slot = sent_.data() + i * kSlotBytes;
    std::memcpy(slot, &calls_[i], sizeof(CollectiveCall));
    const std::size_t bytes = calls_[i].count * dtype_size(calls_[i].dtype);
    if (travels_inline(calls_[i]) && bytes > 0) {
      std::memcpy(slot + sizeof(CollectiveCall), slots_[i].in, bytes);
    }
  }
  MpiWorld& world = MpiWorld::get();
  std::vector<MPI_Request> request(1);
  {
    std::lock_guard<std::mutex> guard(world.call_mutex());
    check(MPI_Iallgatherv(sent_.data(), local_ * static_cast<int>(kSlotBytes), MPI_BYTE,
                          gathered_.data(), call_bytes_.data(), call_displs_.data(), MPI_BYTE,
                          mpi_->comm, request.data()),
          "collective check: MPI_Iallgatherv");
  }
  wait_all(request, timeout_s_, "collective check");
  for (int r = 0; r < size_; ++r) {
    std::memcpy(&all_calls_[r], gathered_.data() + r * kSlotBytes, sizeof(CollectiveCall));
  }
  std::string verdict = divergence_message(all_calls_, sequence_);
  // Every process sees the same calls, so all of them take the same path.
  *inlined = verdict.empty() && travels_inline(all_calls_[0]);
  return verdict;
}

void MpiCommunicator::finished(int rank) {
  rendezvous(rank, finished_call(), nullptr, nullptr,
             [](const std::vector<Slot>&, const unsigned char*) {});
}

bool MpiCommunicator::failed_together(int rank) const {
  const int li = local_index(rank, "failed_together");
  std::lock_guard<std::mutex> lock(mu_);
  return diverged_[li] != 0;
}

void MpiCommunicator::all_reduce(int rank, DType dtype, ReduceOp op, const void* in, void* out,
                                 std::size_t count, const char* primitive) {
  // Empty operands are checked like the others (every replica must make the same calls).
  const CollectiveCall call =
      collective_call(CollectiveKind::AllReduce, primitive, "all_reduce", dtype, count, op);
  rendezvous(rank, call, in, out, [&](const std::vector<Slot>& s, const unsigned char* rows) {
    if (count == 0) return;
    const std::size_t bytes = count * dtype_size(dtype);
    if (rows != nullptr) {
      // Every replica's operand came with the check: fold them in replica order (integers
      // too: exact in any order).
      scratch_.resize(bytes);
      std::memcpy(scratch_.data(), rows, bytes);
      for (int r = 1; r < size_; ++r)
        fold_bytes(dtype, op, scratch_.data(), rows + r * kSlotBytes, count);
      for (int i = 0; i < local_; ++i) std::memcpy(s[i].out, scratch_.data(), bytes);
      return;
    }
    MpiWorld& world = MpiWorld::get();
    std::vector<MPI_Request> request(1);
    if (is_int(dtype)) {
      // Integer sums wrap and max/min are exact: any order gives the same bits, so fold
      // the local replicas here and let MPI combine one row per process.
      scratch_.resize(bytes);
      std::memcpy(scratch_.data(), s[0].in, bytes);
      for (int i = 1; i < local_; ++i) fold_bytes(dtype, op, scratch_.data(), s[i].in, count);
      MPI_Op mpi_op = op == ReduceOp::Sum ? MPI_SUM : op == ReduceOp::Max ? MPI_MAX : MPI_MIN;
      {
        std::lock_guard<std::mutex> guard(world.call_mutex());
        check(MPI_Iallreduce(MPI_IN_PLACE, scratch_.data(), checked_count(count, "all_reduce"),
                             mpi_type(dtype), mpi_op, mpi_->comm, request.data()),
              "all_reduce: MPI_Iallreduce");
      }
      wait_all(request, timeout_s_, "all_reduce");
      for (int i = 0; i < local_; ++i) std::memcpy(s[i].out, scratch_.data(), bytes);
      return;
    }
    // Floats and bools: gather all N rows, then fold them in replica order 0..N-1. In
    // rounds of kRoundBytes per row, so the staging buffer stays N * kRoundBytes however
    // large the buffer is; a round reads every local input before writing any output,
    // which keeps in == out (in place) correct.
    const std::size_t esize = dtype_size(dtype);
    const std::size_t round = std::max<std::size_t>(1, kRoundBytes / esize);
    std::vector<int> counts(processes_), displs(processes_);
    for (int p = 0; p < processes_; ++p) {
      counts[p] = world.device_count(p);
      displs[p] = world.device_offset(p);
    }
    for (std::size_t begin = 0; begin < count; begin += round) {
      const std::size_t n = std::min(round, count - begin), bytes = n * esize;
      RowType row(dtype, n, "all_reduce");
      scratch_.resize(bytes * size_);
      for (int i = 0; i < local_; ++i) {
        std::memcpy(scratch_.data() + (first_ + i) * bytes,
                    static_cast<const unsigned char*>(s[i].in) + begin * esize, bytes);
      }
      {
        std::lock_guard<std::mutex> guard(world.call_mutex());
        check(MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, scratch_.data(), counts.data(),
                              displs.data(), row.get(), mpi_->comm, request.data()),
              "all_reduce: MPI_Iallgatherv");
      }
      wait_all(request, timeout_s_, "all_reduce");
      for (int r = 1; r < size_; ++r) {
        fold_bytes(dtype, op, scratch_.data(), scratch_.data() + r * bytes, n);
      }
      for (int i = 0; i < local_; ++i) {
        std::memcpy(static_cast<unsigned char*>(s[i].out) + begin * esize, scratch_.data(), bytes);
      }
    }
  });
}

void MpiCommunicator::all_gather(int rank, DType dtype, const void* in, void* out,
                                 std::size_t count, const char* primitive) {
  rendezvous(rank,
             collective_call(CollectiveKind::AllGather, primitive, "all_gather", dtype, count), in,
             out, [&](const std::vector<Slot>& s, const unsigned char* rows) {
               if (count == 0) return;
               const std::size_t bytes = count * dtype_size(dtype);
               if (rows != nullptr) {  // every replica's block came with the check
                 for (int i = 0; i < local_; ++i) {
                   auto* dst = static_cast<unsigned char*>(s[i].out);
                   for (int r = 0; r < size_; ++r)
                     std::memcpy(dst + r * bytes, rows + r * kSlotBytes, bytes);
                 }
                 return;
               }
               MpiWorld& world = MpiWorld::get();
               // Inputs aside first: a replica's `in` may lie inside another's `out`.
               scratch_.resize(bytes * local_);
               for (int i = 0; i < local_; ++i) {
                 std::memcpy(scratch_.data() + i * bytes, s[i].in, bytes);
               }
               auto* gathered = static_cast<unsigned char*>(s[0].out);
               std::memcpy(gathered + first_ * bytes, scratch_.data(), bytes * local_);
               RowType row(dtype, count, "all_gather");
               std::vector<int> counts(processes_), displs(processes_);
               for (int p = 0; p < processes_; ++p) {
                 counts[p] = world.device_count(p);
                 displs[p] = world.device_offset(p);
               }
               std::vector<MPI_Request> request(1);
               {
                 std::lock_guard<std::mutex> guard(world.call_mutex());
                 check(MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, gathered, counts.data(),
                                       displs.data(), row.get(), mpi_->comm, request.data()),
                       "all_gather: MPI_Iallgatherv");
               }
               wait_all(request, timeout_s_, "all_gather");
               for (int i = 1; i < local_; ++i) std::memcpy(s[i].out, gathered, bytes * size_);
             });
}

void MpiCommunicator::ppermute(int rank, DType dtype, const void* in, void* out, std::size_t count,
                               const std::vector<std::pair<int, int>>& perm,
                               const char* primitive) {
  // Every replica validates the same perm, so all of them throw or none does.
  std::vector<char> is_source(size_, 0), is_dest(size_, 0);
  for (auto [src, dst] : perm) {
    if (src < 0 || src >= size_ || dst < 0 || dst >= size_) {
      throw ArgumentError("ppermute: pair (" + std::to_string(src) + ", " + std::to_string(dst) +
                          ") names a replica outside [0, " + std::to_string(size_) + ")");
    }
    if (is_source[src]++ || is_dest[dst]++) {
      throw ArgumentError("ppermute: perm is not a permutation: replica " +
                          std::to_string(is_dest[dst] > 1 ? dst : src) + " appears twice");
    }
  }
  CollectiveCall call =
      collective_call(CollectiveKind::Ppermute, primitive, "ppermute", dtype, count);
  call.perm_hash = perm_hash(perm);
  rendezvous(rank, call, in, out, [&](const std::vector<Slot>& s, const unsigned char* rows) {
    if (count == 0) return;
    const std::size_t bytes = count * dtype_size(dtype);
    if (rows != nullptr) {  // every replica's operand came with the check
      for (int i = 0; i < local_; ++i) std::memset(s[i].out, 0, bytes);
      for (auto [src, dst] : perm) {
        if (dst >= first_ && dst < first_ + local_) {
          std::memcpy(s[dst - first_].out, rows + src * kSlotBytes, bytes);
        }
      }
      return;
    }
    MpiWorld& world = MpiWorld::get();
    const int me = world.rank();
    scratch_.resize(bytes * local_);
    for (int i = 0; i < local_; ++i) {
      std::memcpy(scratch_.data() + i * bytes, s[i].in, bytes);
    }
    for (int i = 0; i < local_; ++i) {
      if (!is_dest[first_ + i]) std::memset(s[i].out, 0, bytes);
    }
    RowType row(dtype, count, "ppermute");
    std::vector<MPI_Request> requests;
    for (auto [src, dst] : perm) {
      int ps = world.process_of(src), pd = world.process_of(dst);
      if (ps == me && pd == me) {
        std::memcpy(s[dst - first_].out, scratch_.data() + (src - first_) * bytes, bytes);
        continue;
      }
      if (ps != me && pd != me) continue;
      // The tag is the destination replica: unique within one ppermute, and
      // MPI's non-overtaking order keeps successive ppermutes apart.
      requests.emplace_back();
      std::lock_guard<std::mutex> guard(world.call_mutex());
      if (ps == me) {
        check(MPI_Isend(scratch_.data() + (src - first_) * bytes, 1, row.get(), pd, dst, mpi_->comm,
                        &requests.back()),
              "ppermute: MPI_Isend");
      } else {
        check(MPI_Irecv(s[dst - first_].out, 1, row.get(), ps, dst, mpi_->comm, &requests.back()),
              "ppermute: MPI_Irecv");
      }
    }
    wait_all(requests, timeout_s_, "ppermute");
  });
}

void MpiCommunicator::abort(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!aborted_) {
      aborted_ = true;
      abort_reason_ = reason;
    }
    cv_.notify_all();
  }
  // Replicas in other processes sit in MPI calls that cannot be interrupted: end the job.
  if (processes_ > 1) {
    MpiWorld::get().abort_job("a replica failed: " + reason + "; ending the MPI job");
  }
}

}  // namespace lanes::internal
