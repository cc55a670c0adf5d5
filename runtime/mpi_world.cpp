// MPI start-up/shut-down and the global device list (see mpi_world.h).
#include "runtime/mpi_world.h"

#include <lanes/error.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace lanes::internal {
namespace {

std::string thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
      return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
      return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
      return "MPI_THREAD_MULTIPLE";
  }
  return std::to_string(level);
}

ProcessGroupSettings g_settings;

}  // namespace

void set_mpi_settings(const ProcessGroupSettings& settings) { g_settings = settings; }
const ProcessGroupSettings& mpi_settings() { return g_settings; }

MpiWorld& MpiWorld::get() {
  static MpiWorld world;
  return world;
}

MpiWorld::MpiWorld() {
  const int local = mpi_settings().local_devices;
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = MPI_THREAD_SINGLE;
  if (initialized) {
    MPI_Query_thread(&provided);
  } else {
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
      throw RuntimeError("MpiWorld: MPI_Init_thread failed");
    }
    owns_mpi_ = true;
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    throw RuntimeError("MpiWorld: MPI provides " + thread_level_name(provided) +
                       "; Lanes needs MPI_THREAD_SERIALIZED (replica threads issue the "
                       "collectives, one at a time)");
  }
  int processes = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &processes);
  counts_.assign(processes, 0);
  MPI_Allgather(&local, 1, MPI_INT, counts_.data(), 1, MPI_INT, MPI_COMM_WORLD);
  offsets_.assign(processes, 0);
  for (int p = 0; p < processes; ++p) {
    offsets_[p] = total_;
    total_ += counts_[p];
  }
}

MpiWorld::~MpiWorld() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_mpi_ && !finalized) MPI_Finalize();
}

int MpiWorld::process_of(int global_index) const {
  if (global_index < 0 || global_index >= total_) {
    throw ArgumentError("MpiWorld: replica " + std::to_string(global_index) +
                        " is outside the global device list [0, " + std::to_string(total_) + ")");
  }
  int p = 0;
  while (p + 1 < size() && offsets_[p + 1] <= global_index) ++p;
  return p;
}

std::vector<GlobalDevice> MpiWorld::global_devices() const {
  std::vector<GlobalDevice> devices;
  devices.reserve(total_);
  for (int p = 0; p < size(); ++p) {
    for (int i = 0; i < counts_[p]; ++i) devices.push_back({offsets_[p] + i, p, i});
  }
  return devices;
}

void MpiWorld::abort_job(const std::string& message) {
  std::fprintf(stderr, "lanes: MPI process %d: %s\n", rank_, message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace lanes::internal
