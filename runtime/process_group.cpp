// Detecting an MPI job and loading the MPI plugin (see process_group.h).
#include "runtime/process_group.h"

#include <dlfcn.h>
#include <lanes/error.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "runtime/devices.h"

namespace lanes::internal {

double mpi_timeout_seconds() {
  const char* text = std::getenv("LANES_MPI_TIMEOUT_S");
  if (text == nullptr || *text == '\0') return 60.0;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(value > 0)) {
    throw ArgumentError(std::string("LANES_MPI_TIMEOUT_S='") + text +
                        "' is not a positive number of seconds");
  }
  return value;
}

#ifdef LANES_MPI_PLUGIN

bool mpi_job_detected() {
  if (const char* use = std::getenv("LANES_USE_MPI"); use != nullptr && *use != '\0') {
    if (std::strcmp(use, "1") == 0) return true;
    if (std::strcmp(use, "0") == 0) return false;
    throw ArgumentError(std::string("LANES_USE_MPI='") + use + "' is not 0 or 1");
  }
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

namespace {

// The plugin file beside the library (or executable) this code is in, else by name
// through the loader's search path.
void* open_plugin(std::string* errors) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&process_group), &info) != 0 && info.dli_fname != nullptr) {
    std::string path = info.dli_fname;
    const std::size_t slash = path.rfind('/');
    path = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + LANES_MPI_PLUGIN;
    if (void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
    *errors += dlerror();
    *errors += "; ";
  }
  if (void* lib = dlopen(LANES_MPI_PLUGIN, RTLD_NOW | RTLD_LOCAL)) return lib;
  *errors += dlerror();
  return nullptr;
}

ProcessGroup* load_process_group() {
  std::string errors;
  void* lib = open_plugin(&errors);
  if (lib == nullptr) {
    throw RuntimeError(
        "this process is part of an MPI job, but Lanes' MPI plugin (" LANES_MPI_PLUGIN
        ") could not be loaded: " + errors +
        ". Install Lanes' MPI component, or set LANES_USE_MPI=0 to run without MPI");
  }
  auto entry = reinterpret_cast<ProcessGroupEntryFn>(dlsym(lib, kProcessGroupEntry));
  if (entry == nullptr) {
    throw RuntimeError(std::string("Lanes' MPI plugin (" LANES_MPI_PLUGIN ") has no entry point ") +
                       kProcessGroupEntry);
  }
  const ProcessGroupSettings settings{cpu_device_count(), mpi_timeout_seconds()};
  ProcessGroup* group = entry(kProcessGroupAbi, &settings);
  if (group == nullptr) {
    throw RuntimeError("Lanes' MPI plugin (" LANES_MPI_PLUGIN
                       ") was built for another version of liblanes");
  }
  return group;  // the plugin stays loaded for the life of the process
}

}  // namespace

ProcessGroup* process_group() {
  if (!mpi_job_detected()) return nullptr;
  static std::mutex mu;
  static ProcessGroup* group = nullptr;
  std::lock_guard lock(mu);
  if (group == nullptr) group = load_process_group();  // a failure is retried next time
  return group;
}

#else  // a build without the MPI plugin: every process is a job of its own

bool mpi_job_detected() { return false; }
ProcessGroup* process_group() { return nullptr; }

#endif

}  // namespace lanes::internal
