// The host orchestration of one pmap call: run a per-replica callable on N replicas.
//
// The engine hands run_replicas the replicas' program as a callable (the body compiled
// for a CPU device or a HIP device; the runtime knows neither graphs nor compilers).
// run_replicas splits the inputs into shards along their mapped axes (views where the
// shard is contiguous), picks the communicator (a ThreadCommunicator over this process'
// threads, or the MPI job's world communicator through the plugin, process_group.h),
// runs every replica of this process on the device workers (device_workers.h) with its
// axis bound in its replica context (replica_context.h), and stacks the replicas' outputs
// along their mapped axes. Across MPI processes every process is handed the whole input,
// runs its own replicas, and all-gathers the outputs, so every process returns what the
// threaded run returns.
//
//   const std::vector<std::int64_t> axes{0};
//   ReplicaLaunch launch{.axis_name = "i", .replicas = 4, .in_axes = axes, .out_axes = axes};
//   std::vector<Array> out = run_replicas(inputs, launch,
//       [&](int r, std::span<const Array> shard) { return exe.run(shard); });
//
// Failure: a replica that throws aborts the communicator (releasing the replicas waiting
// in a collective), and run_replicas throws the first error once every local replica has
// returned: the same lanes::Error kind, its message prefixed with
// "pmap replica R of N (axis 'A'): "; any other exception becomes a RuntimeError.
// Every local replica runs under the caller's cancel token (runtime/cancel.h).
#pragma once

#include <lanes/array.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace lanes::internal {

// What to run, as views of the caller's data (valid during the call): pmap keeps its
// parameters, and a call copies nothing.
struct ReplicaLaunch {
  std::string_view axis_name;  // bound to each replica's index for the collectives
  int replicas = 1;            // N: global, over every process when across_processes
  // Per input: the axis (of extent N) split across the replicas; -1: every replica gets
  // the whole input.
  std::span<const std::int64_t> in_axes;
  // Per output: the axis along which the replicas' outputs are stacked; -1: replica 0's.
  std::span<const std::int64_t> out_axes;
  // The replicas span every device of the MPI job (this process runs its own share).
  bool across_processes = false;
};

// Replica `replica`'s program on its shard of the inputs: one output per out_axes entry,
// with the same shapes and dtypes on every replica. Called concurrently, one thread per
// replica.
using ReplicaFn = std::function<std::vector<Array>(int replica, std::span<const Array> shard)>;

// Runs `replica` on every replica of this process and returns the stacked outputs.
// Errors: see the file comment; InternalError for inputs that do not match `launch`
// (the pmap shape rule rules them out), UnsupportedError for a pmap across processes
// nested inside another pmap, ArgumentError when N is not the job's device count.
std::vector<Array> run_replicas(std::span<const Array> inputs, const ReplicaLaunch& launch,
                                const ReplicaFn& replica);

}  // namespace lanes::internal
