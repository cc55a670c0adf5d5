// The environment settings of the MPI runtime, which liblanes reads without starting MPI
// or loading the MPI plugin (runtime/process_group.h): LANES_CPU_DEVICES,
// LANES_MPI_TIMEOUT_S, and whether this is an MPI job at all (launcher variables,
// LANES_USE_MPI). The collectives themselves are tested under mpirun (tests/mpi).
#ifdef LANES_HAVE_MPI

#include <gtest/gtest.h>
#include <lanes/error.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "runtime/devices.h"
#include "runtime/process_group.h"
#include "tests/unit/test_util.h"

namespace lanes::internal {
namespace {

using lanes::testing::ScopedEnv;

TEST(CommunicatorMpiEnv, CpuDeviceCountDefaultsToHardwareThreads) {
  ScopedEnv env("LANES_CPU_DEVICES", std::nullopt);
  unsigned hw = std::thread::hardware_concurrency();
  EXPECT_EQ(cpu_device_count(), hw == 0 ? 1 : static_cast<int>(hw));
}

TEST(CommunicatorMpiEnv, CpuDeviceCountFromEnvironment) {
  ScopedEnv env("LANES_CPU_DEVICES", "5");
  EXPECT_EQ(cpu_device_count(), 5);
}

TEST(CommunicatorMpiEnv, BadCpuDeviceCountNamesTheVariable) {
  for (const char* bad : {"0", "-2", "2.5", "four", "3x"}) {
    ScopedEnv env("LANES_CPU_DEVICES", bad);
    try {
      cpu_device_count();
      ADD_FAILURE() << "LANES_CPU_DEVICES=" << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("LANES_CPU_DEVICES"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(CommunicatorMpiEnv, TimeoutDefaultAndEnvironment) {
  {
    ScopedEnv env("LANES_MPI_TIMEOUT_S", std::nullopt);
    EXPECT_EQ(mpi_timeout_seconds(), 60.0);
  }
  {
    ScopedEnv env("LANES_MPI_TIMEOUT_S", "0.25");
    EXPECT_EQ(mpi_timeout_seconds(), 0.25);
  }
  for (const char* bad : {"0", "-1", "soon"}) {
    ScopedEnv env("LANES_MPI_TIMEOUT_S", bad);
    EXPECT_THROW(mpi_timeout_seconds(), Error) << bad;
  }
}

TEST(CommunicatorMpiEnv, JobDetectedFromLauncherOrOverride) {
  // lanes_tests runs without mpirun and never initializes MPI.
  ScopedEnv ompi("OMPI_COMM_WORLD_SIZE", std::nullopt), pmi("PMI_SIZE", std::nullopt),
      pmix("PMIX_RANK", std::nullopt);
  {
    ScopedEnv use("LANES_USE_MPI", std::nullopt);
    EXPECT_FALSE(mpi_job_detected());
  }
  {
    ScopedEnv use("LANES_USE_MPI", std::nullopt), size("OMPI_COMM_WORLD_SIZE", "4");
    EXPECT_TRUE(mpi_job_detected());
  }
  {
    ScopedEnv use("LANES_USE_MPI", "0"), size("PMI_SIZE", "2");
    EXPECT_FALSE(mpi_job_detected());
  }
  {
    ScopedEnv use("LANES_USE_MPI", "1");
    EXPECT_TRUE(mpi_job_detected());
  }
  {
    ScopedEnv use("LANES_USE_MPI", "yes");
    EXPECT_THROW(mpi_job_detected(), Error);
  }
}

// liblanes does not link MPI: under a launcher it loads the plugin, and a plugin that is
// missing or not Lanes' is a clear RuntimeError naming the file and the way out.
TEST(CommunicatorMpiEnv, MissingPluginIsAClearError) {
  try {
    load_process_group("liblanes_no_such_plugin.so.0");
    ADD_FAILURE() << "a missing plugin loaded";
  } catch (const RuntimeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("liblanes_no_such_plugin.so.0"), std::string::npos) << what;
    EXPECT_NE(what.find("LANES_USE_MPI=0"), std::string::npos) << what;
  }
}

TEST(CommunicatorMpiEnv, LibraryWithoutEntryPointIsNotAPlugin) {
  try {
    load_process_group("libm.so.6");  // loads, but is no Lanes plugin
    ADD_FAILURE() << "libm was taken for the MPI plugin";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("no entry point lanes_mpi_process_group"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lanes::internal

#endif  // LANES_HAVE_MPI
