// MPI start-up/shut-down and the global device list (see mpi_world.h).
#include "runtime/mpi_world.h"

#include <lanes/error.h>
#include <mpi.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace lanes::internal {
namespace {

// Parses env `name` as a positive number; `fallback` when unset or empty.
double positive_env(const char* name, double fallback, bool integer) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text, &end);
  bool ok = errno == 0 && end != text && *end == '\0' && value > 0 &&
            (!integer || (value == static_cast<double>(static_cast<long>(value)) && value < 1e6));
  if (!ok) {
    throw RuntimeError(std::string("environment variable ") + name + "='" + text +
                       "' is not a positive " + (integer ? "integer" : "number"));
  }
  return value;
}

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

}  // namespace

int local_cpu_device_count() {
  unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(positive_env("LANES_CPU_DEVICES", hw == 0 ? 1 : hw, true));
}

double mpi_timeout_seconds() { return positive_env("LANES_MPI_TIMEOUT_S", 60.0, false); }

bool mpi_job_detected() {
  if (const char* use = std::getenv("LANES_USE_MPI"); use != nullptr && *use != '\0') {
    if (std::strcmp(use, "1") == 0) return true;
    if (std::strcmp(use, "0") == 0) return false;
    throw RuntimeError(std::string("environment variable LANES_USE_MPI='") + use +
                       "' is not 0 or 1");
  }
  int initialized = 0;
  MPI_Initialized(&initialized);  // allowed before MPI_Init
  if (initialized) return true;
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

MpiWorld& MpiWorld::get() {
  static MpiWorld world;
  return world;
}

MpiWorld::MpiWorld() {
  int local = local_cpu_device_count();  // before MPI: a bad env var is a plain error
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
