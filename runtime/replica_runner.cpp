// run_replicas (see replica_runner.h): shards, the communicator, the replica threads, the
// first error and the stacked outputs.
#include "runtime/replica_runner.h"

#include <lanes/cancel.h>
#include <lanes/error.h>

#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "runtime/check.h"
#include "runtime/collective_call.h"
#include "runtime/device_workers.h"
#include "runtime/process_group.h"
#include "runtime/replica_context.h"
#include "runtime/replica_shards.h"
#include "runtime/thread_communicator.h"

namespace lanes::internal {

namespace {

// The communicator of a run and the replicas [first, end) this process runs.
struct Placement {
  std::shared_ptr<Communicator> comm;
  std::size_t first = 0, end = 0;
};

Placement place(const ReplicaLaunch& launch, bool nested) {
  const auto n = static_cast<std::size_t>(launch.replicas);
  if (!launch.across_processes) {
    return {std::make_shared<ThreadCommunicator>(launch.replicas), 0, n};
  }
  if (nested) throw UnsupportedError("pmap: a pmap across MPI processes inside another pmap");
  // The plugin creates the world communicator on first use and reuses it (creation is
  // collective).
  ProcessGroup* group = process_group();
  if (group == nullptr) {
    LANES_FAIL("pmap: devices of several processes outside an MPI job (n = " + std::to_string(n) +
               ")");
  }
  Placement p{group->world_communicator(), 0, 0};
  if (p.comm->size() != launch.replicas) {
    throw ArgumentError("pmap: " + std::to_string(n) + " devices given, but a pmap across MPI " +
                        "processes runs on every device of the job (" +
                        std::to_string(p.comm->size()) + ")");
  }
  p.first = static_cast<std::size_t>(group->first_replica());
  p.end = p.first + static_cast<std::size_t>(group->local_replicas());
  return p;
}

// Every replica's outputs, stacked along a new axis 0: this process' results all-gathered
// from every process (one collective per output, made by each local replica in the same
// order). Only the replica that passes `keep` stores them.
void gather_outputs(Communicator& comm, int r, int n, const std::vector<Array>& local,
                    std::vector<Array>* keep) {
  for (const Array& mine : local) {
    Shape s = mine.shape();
    s.insert(s.begin(), n);
    Array gathered = Array::empty(mine.dtype(), s);
    comm.all_gather(r, mine.dtype(), mine.raw(), gathered.raw(),
                    static_cast<std::size_t>(mine.size()), kPmapOutputs);
    if (keep != nullptr) keep->push_back(std::move(gathered));
  }
}

// The message of the exception being handled.
std::string current_what() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

// Rethrows `error` as the same lanes::Error kind with `where` before its message (other
// exceptions as RuntimeError). Kinds are tried in order: the subtypes before Error.
template <class Kind, class... Rest>
[[noreturn]] void rethrow_naming(const std::exception_ptr& error, const std::string& where) {
  try {
    std::rethrow_exception(error);
  } catch (const Kind& e) {
    throw Kind(where + e.what());
  } catch (...) {
    if constexpr (sizeof...(Rest) > 0) {
      rethrow_naming<Rest...>(error, where);
    } else {
      throw RuntimeError(where + current_what());
    }
  }
}

[[noreturn]] void rethrow_naming(const std::exception_ptr& error, const std::string& where) {
  rethrow_naming<Cancelled, ShapeError, DTypeError, ArgumentError, TraceError, AxisNameError,
                 UnsupportedError, CompileError, RuntimeError, InternalError, Error>(error, where);
}

}  // namespace

std::vector<Array> run_replicas(std::span<const Array> inputs, const ReplicaLaunch& launch,
                                const ReplicaFn& replica) {
  const int n = launch.replicas;
  if (n < 1 || inputs.size() != launch.in_axes.size()) {
    LANES_FAIL("run_replicas: " + std::to_string(inputs.size()) + " inputs for " +
               std::to_string(launch.in_axes.size()) + " in_axes, " + std::to_string(n) +
               " replicas");
  }
  const std::vector<AxisBinding> parent = replica_bindings();
  const Placement placement = place(launch, !parent.empty());
  const std::size_t first = placement.first, end = placement.end;
  Communicator& comm = *placement.comm;

  std::vector<std::vector<Array>> shards(static_cast<std::size_t>(n)), results(shards.size());
  for (std::size_t r = first; r < end; ++r) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const std::int64_t axis = launch.in_axes[i];
      shards[r].push_back(axis < 0 ? inputs[i]
                                   : replica_shard(inputs[i], axis, static_cast<std::int64_t>(r)));
    }
  }
  std::vector<Array> gathered;  // across processes: every replica's outputs, per output
  std::mutex error_mu;
  std::exception_ptr first_error;
  std::size_t failed = 0;
  bool first_together = false;  // the recorded error is a divergence (see below)
  // The replicas observe the caller's cancel token.
  const CancelToken cancel = current_cancel_token();
  auto run_one = [&](std::size_t r) {
    const int rank = static_cast<int>(r);
    const CancelScope cancel_scope(cancel);
    try {
      std::vector<AxisBinding> bindings = parent;
      bindings.push_back({std::string(launch.axis_name), rank, n, placement.comm});
      ReplicaScope scope(std::move(bindings));
      results[r] = replica(rank, shards[r]);
      if (results[r].size() != launch.out_axes.size()) {
        LANES_FAIL("run_replicas: replica returned " + std::to_string(results[r].size()) +
                   " outputs for " + std::to_string(launch.out_axes.size()) + " out_axes");
      }
      // Replicas still waiting in a collective that this one never makes fail now. Across
      // processes the first output gather is that announcement (collective_call.h).
      if (!launch.across_processes || results[r].empty()) comm.finished(rank);
      if (launch.across_processes) {
        gather_outputs(comm, rank, n, results[r], r == first ? &gathered : nullptr);
      }
    } catch (...) {
      const std::string what = current_what();
      // A divergence is thrown by every replica of the collective at once: nobody is left
      // to release (and over MPI an abort would end the job), and the lowest replica's
      // copy is reported, so the message does not depend on timing.
      const bool together = comm.failed_together(rank);
      {
        // Recorded before abort: errors that the abort causes in the others come later.
        std::lock_guard lock(error_mu);
        if (!first_error || (together && first_together && r < failed)) {
          first_error = std::current_exception();
          failed = r;
          first_together = together;
        }
      }
      if (!together) comm.abort("replica " + std::to_string(r) + ": " + what);
    }
  };
  // The calling thread is this process' first replica, device workers run the others.
  run_on_devices(end - first, [&](std::size_t k) { run_one(first + k); });
  if (first_error) {
    rethrow_naming(first_error, "pmap replica " + std::to_string(failed) + " of " +
                                    std::to_string(n) + " (axis '" + std::string(launch.axis_name) +
                                    "'): ");
  }

  std::vector<Array> out;
  out.reserve(launch.out_axes.size());
  std::vector<Array> parts(static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < launch.out_axes.size(); ++k) {
    const std::int64_t axis = launch.out_axes[k];
    if (launch.across_processes) {
      // gathered[k] is every replica's k-th output stacked along axis 0 (owning).
      if (axis == 0) {
        out.push_back(gathered[k]);
        continue;
      }
      for (std::size_t r = 0; r < parts.size(); ++r)
        parts[r] = replica_shard(gathered[k], 0, static_cast<std::int64_t>(r));
      out.push_back(axis < 0 ? parts[0].copy() : stack_replicas(parts, axis));
      continue;
    }
    if (axis < 0) {
      out.push_back(results[0][k]);
      continue;
    }
    for (std::size_t r = 0; r < parts.size(); ++r) parts[r] = results[r][k];
    out.push_back(stack_replicas(parts, axis));
  }
  return out;
}

}  // namespace lanes::internal
