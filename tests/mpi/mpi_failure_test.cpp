// Failure behaviour of MpiCommunicator, run under mpirun by CTest.
//
//   abort: every replica completes one all_reduce; then the first replica of the last
//          process fails and calls abort("injected failure ...") while the others enter a
//          second all_reduce. With several processes the job must end (non-zero status,
//          reason printed; expect_job_failure.sh checks both). With one process the
//          waiting replicas must throw RuntimeError naming the reason, and this program
//          exits 0 when they all did.
//   stall: the last process never enters the second all_reduce; the others must time out
//          (LANES_MPI_TIMEOUT_S) and end the job instead of hanging.
//   funneled: the host initialized MPI with MPI_THREAD_FUNNELED, below what Lanes needs:
//          MpiWorld::get() must throw RuntimeError naming MPI_THREAD_SERIALIZED (exit 0).
#include <lanes/error.h>
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runtime/devices.h"
#include "runtime/mpi_communicator.h"
#include "runtime/mpi_world.h"

using lanes::DType;
using lanes::internal::MpiCommunicator;
using lanes::internal::MpiWorld;
using lanes::internal::ReduceOp;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "abort" && mode != "stall" && mode != "funneled") {
    std::fprintf(stderr, "usage: mpi_failure_test abort|stall|funneled\n");
    return 2;
  }
  // What liblanes hands the plugin, as process_group() does.
  lanes::internal::set_mpi_settings(
      {lanes::internal::cpu_device_count(), lanes::internal::mpi_timeout_seconds()});
  if (mode == "funneled") {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    bool refused = false;
    if (provided < MPI_THREAD_SERIALIZED) {
      try {
        MpiWorld::get();
      } catch (const lanes::RuntimeError& e) {
        refused = std::strstr(e.what(), "MPI_THREAD_SERIALIZED") != nullptr;
        std::printf("refused as expected: %s\n", e.what());
      }
    } else {
      refused = true;  // this MPI gave more than asked: nothing to refuse
      std::printf("MPI provided thread level %d for FUNNELED; skipped\n", provided);
    }
    MPI_Finalize();
    return refused ? 0 : 1;
  }
  MpiWorld& world = MpiWorld::get();
  auto comm = MpiCommunicator::create_world();
  const bool last_process = world.rank() == world.size() - 1;
  std::atomic<int> released{0}, wrong{0};

  auto replica = [&](int rank) {
    double x = rank + 1, sum = 0;
    comm->all_reduce(rank, DType::F64, ReduceOp::Sum, &x, &sum, 1);
    const double n = comm->size();
    if (sum != n * (n + 1) / 2) ++wrong;
    if (last_process && mode == "stall") {
      std::this_thread::sleep_for(std::chrono::seconds(60));  // never reaches the collective
      return;
    }
    if (last_process && rank == comm->first_rank()) {
      comm->abort("injected failure in replica " + std::to_string(rank));
      return;
    }
    try {
      comm->all_reduce(rank, DType::F64, ReduceOp::Sum, &x, &sum, 1);
      ++wrong;  // the collective cannot complete without the failed replica
    } catch (const lanes::RuntimeError& e) {
      if (std::strstr(e.what(), "injected failure") != nullptr) ++released;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < comm->local_size(); ++i)
    threads.emplace_back(replica, comm->first_rank() + i);
  for (auto& t : threads) t.join();

  // Reached only in a single-process job (otherwise the job has been aborted).
  const int want = comm->local_size() - 1;
  std::printf("mode %s: %d of %d waiting replicas released with the reason, %d wrong\n",
              mode.c_str(), released.load(), want, wrong.load());
  return world.size() == 1 && released == want && wrong == 0 ? 0 : 1;
}
