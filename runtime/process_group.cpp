// Detecting an MPI job and loading the MPI plugin (see process_group.h).
#include "runtime/process_group.h"

#include <dlfcn.h>
#include <lanes/error.h>

#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/devices.h"
#include "runtime/env.h"

namespace lanes::internal {

double mpi_timeout_seconds() { return env_positive_double("LANES_MPI_TIMEOUT_S", 60.0); }

namespace {

// `file` beside the library (or executable) this code is in, else by name through the
// loader's search path.
void* open_beside_us(const std::string& file, std::string* errors) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&process_group), &info) != 0 && info.dli_fname != nullptr) {
    std::string path = info.dli_fname;
    const std::size_t slash = path.rfind('/');
    path = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + file;
    if (void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
    *errors += dlerror();
    *errors += "; ";
  }
  if (void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
  *errors += dlerror();
  return nullptr;
}

}  // namespace

ProcessGroup* load_process_group(const std::string& file) {
  std::string errors;
  void* lib = open_beside_us(file, &errors);
  if (lib == nullptr) {
    throw RuntimeError("this process is part of an MPI job, but Lanes' MPI plugin (" + file +
                       ") could not be loaded: " + errors +
                       ". Install Lanes' MPI component, or set LANES_USE_MPI=0 to run "
                       "without MPI");
  }
  auto entry = reinterpret_cast<ProcessGroupEntryFn>(dlsym(lib, kProcessGroupEntry));
  if (entry == nullptr) {
    throw RuntimeError("Lanes' MPI plugin (" + file + ") has no entry point " +
                       kProcessGroupEntry);
  }
  const ProcessGroupSettings settings{cpu_device_count(), mpi_timeout_seconds()};
  ProcessGroup* group = entry(kProcessGroupAbi, &settings);
  if (group == nullptr) {
    throw RuntimeError("Lanes' MPI plugin (" + file + ") was built for another version of liblanes");
  }
  return group;  // the plugin stays loaded for the life of the process
}

#ifdef LANES_MPI_PLUGIN

bool mpi_job_detected() {
  if (std::optional<bool> use = env_bool01("LANES_USE_MPI")) return *use;
  // A host that links MPI has MPI_Initialized in the process; asking is allowed before
  // MPI_Init, and liblanes itself does not link MPI.
  using InitializedFn = int (*)(int*);
  if (auto initialized_fn = reinterpret_cast<InitializedFn>(dlsym(RTLD_DEFAULT, "MPI_Initialized"))) {
    int initialized = 0;
    initialized_fn(&initialized);
    if (initialized) return true;
  }
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

ProcessGroup* process_group() {
  if (!mpi_job_detected()) return nullptr;
  static std::mutex mu;
  static ProcessGroup* group = nullptr;
  std::lock_guard lock(mu);
  if (group == nullptr) group = load_process_group(LANES_MPI_PLUGIN);  // retried after a failure
  return group;
}

#else  // a build without the MPI plugin: every process is a job of its own

bool mpi_job_detected() { return false; }
ProcessGroup* process_group() { return nullptr; }

#endif

}  // namespace lanes::internal
