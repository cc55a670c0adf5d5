// The MPI job as Lanes sees it: MPI start-up and shut-down, this process' rank, and the
// global device list that pmap replicas are numbered by.
//
// Part of the MPI plugin (see process_group.h). Every process contributes its local CPU
// devices (mpi_settings().local_devices: liblanes reads env LANES_CPU_DEVICES). Processes are laid end to end in rank
// order, so the global replica index of local device i of process p is
// offset(p) + i, offset(p) = count(0) + ... + count(p-1); the counts are exchanged once
// with MPI_Allgather when the world is first used. Processes may have different counts.
//
// MPI ownership: if the host application has not initialized MPI, MpiWorld::get() calls
// MPI_Init_thread and finalizes MPI at process exit; if the host did, Lanes uses its MPI
// and leaves finalization to it.
//
// Thread level: MPI_THREAD_SERIALIZED. A process' local replicas run on their own threads
// and, per collective, the last local replica to arrive makes the MPI calls for all of
// them (see mpi_communicator.h). That thread changes from call to call, so FUNNELED
// (main thread only) is not enough; every MPI call Lanes makes holds call_mutex(), so no
// two threads are ever inside MPI at once, even with several communicators, and MULTIPLE
// is not needed. A host that initialized MPI below SERIALIZED gets a RuntimeError.
//
//   auto& world = lanes::internal::MpiWorld::get();
//   int first = world.device_offset(world.rank());   // my first global replica
//   int n = world.global_device_count();              // pmap's axis size
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "runtime/process_group.h"

namespace lanes::internal {

// The settings liblanes handed the plugin; set before the first MpiWorld::get().
void set_mpi_settings(const ProcessGroupSettings& settings);
const ProcessGroupSettings& mpi_settings();

class MpiWorld {
 public:
  // The process-wide world, initializing MPI on first use (thread-safe). Collective: every
  // process of the job must make its first call (it runs an MPI_Allgather).
  static MpiWorld& get();

  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const { return rank_; }                             // this process in MPI_COMM_WORLD
  int size() const { return static_cast<int>(counts_.size()); }  // processes

  int local_device_count() const { return counts_[rank_]; }
  int device_count(int process) const { return counts_.at(process); }
  int device_offset(int process) const { return offsets_.at(process); }
  int global_device_count() const { return total_; }
  // The process owning global replica `global_index` (ArgumentError when out of range).
  int process_of(int global_index) const;
  // Every device of every process, in global replica order.
  std::vector<GlobalDevice> global_devices() const;

  // Held around every MPI call Lanes makes (MPI_THREAD_SERIALIZED; see above).
  std::mutex& call_mutex() { return call_mutex_; }

  // Prints "lanes: MPI process <rank>: <message>" to stderr and calls MPI_Abort on
  // MPI_COMM_WORLD, which ends every process of the job with a non-zero status.
  [[noreturn]] void abort_job(const std::string& message);

 private:
  MpiWorld();
  ~MpiWorld();

  bool owns_mpi_ = false;  // Lanes called MPI_Init_thread, so it finalizes
  int rank_ = 0;
  int total_ = 0;
  std::vector<int> counts_;   // local device count per process
  std::vector<int> offsets_;  // exclusive prefix sum of counts_
  std::mutex call_mutex_;
};

}  // namespace lanes::internal
