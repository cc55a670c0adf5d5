// Persistent worker threads for pmap replicas: one long-lived thread per CPU device
// (as XLA's per-device streams), created on first use, so a pmap call hands its replicas
// to waiting threads instead of creating and joining n - 1 threads every call.
//
//   run_on_devices(n, [&](std::size_t r) { run_replica(r); });
//
// Replica 0 runs on the calling thread, replica k on device worker k. One pmap call
// holds the workers at a time: a call that finds them held (a pmap from another thread,
// or a pmap nested inside a replica) runs its replicas on fresh threads instead, so
// concurrent and nested pmaps never queue behind each other's collectives (which could
// deadlock: replicas of one call wait for each other).
#pragma once

#include <cstddef>
#include <functional>

namespace lanes::internal {

// Runs task(0) .. task(count - 1) concurrently, each on its own thread, and returns when
// all have returned. An exception from a task is rethrown here (the first, by replica
// index) after every task has finished; pmap's tasks catch their own errors.
void run_on_devices(std::size_t count, const std::function<void(std::size_t)>& task);

// Device worker threads created so far (tests: the count does not grow per call).
std::size_t device_worker_count();

}  // namespace lanes::internal
