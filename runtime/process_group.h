// The processes of a multi-process job (MPI), as lanes::devices() and pmap see them.
//
// liblanes never links MPI: the MPI code is a plugin, liblanes_mpi.so (runtime/mpi_*.cpp),
// that process_group() loads from liblanes' own directory the first time a process that
// is part of an MPI job asks for it. The plugin implements ProcessGroup and hands it back
// through one C entry point; it uses liblanes' public API only.
//
//   if (ProcessGroup* g = process_group()) {       // nullptr: a process of its own
//     int me = g->rank();
//     std::shared_ptr<Communicator> comm = g->world_communicator();  // collective
//   }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/communicator.h"

namespace lanes::internal {

// One entry of the job's global device list.
struct GlobalDevice {
  int global_index;  // replica index in pmap and in Communicator calls
  int process;       // MPI rank of the process that owns it
  int local_index;   // index among that process' devices
};

// What liblanes tells the plugin (parsed from the environment on liblanes' side).
struct ProcessGroupSettings {
  int local_devices = 1;    // CPU devices this process contributes (LANES_CPU_DEVICES)
  double timeout_s = 60.0;  // a collective's wait on other processes (LANES_MPI_TIMEOUT_S)
};

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;  // this process
  // Every device of every process, in global replica order.
  virtual std::vector<GlobalDevice> global_devices() const = 0;
  // The communicator over every device of the job, created on the first call (collective:
  // every process makes its first call in the same order) and reused.
  virtual std::shared_ptr<Communicator> world_communicator() = 0;
  virtual int first_replica() const = 0;   // this process' first global replica
  virtual int local_replicas() const = 0;  // replicas this process runs
};

// The plugin's entry point: `lanes_mpi_process_group(kProcessGroupAbi, &settings)` returns
// the process-wide group (starting MPI unless the host did), or nullptr when the plugin
// was built for another ABI version. Errors are thrown as lanes::Error.
inline constexpr int kProcessGroupAbi = 1;
inline constexpr const char* kProcessGroupEntry = "lanes_mpi_process_group";
using ProcessGroupEntryFn = ProcessGroup* (*)(int abi, const ProcessGroupSettings* settings);

// Seconds a collective may wait on other processes before the job is aborted: env
// LANES_MPI_TIMEOUT_S (positive number), default 60.
double mpi_timeout_seconds();

// Whether this process is part of an MPI job, so that pmap should span processes: env
// LANES_USE_MPI=1 or 0 decides if set; otherwise true when the host has initialized MPI or
// a launcher started us (mpirun/mpiexec set OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK).
// Starts nothing. Always false in a build without the MPI plugin.
bool mpi_job_detected();

// The job's process group when mpi_job_detected(), loading the plugin on first use
// (RuntimeError when it cannot be loaded); nullptr otherwise.
ProcessGroup* process_group();

// Loads the plugin `file` (beside liblanes, else through the loader's search path) and
// returns its group: what process_group() does once. RuntimeError naming the file when it
// cannot be loaded, has no entry point or was built for another ABI.
ProcessGroup* load_process_group(const std::string& file);

}  // namespace lanes::internal
