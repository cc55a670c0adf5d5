// All-reduce throughput of the MPI communicator for 1-64 MB buffers, against a memcpy of
// the same size, and what the fixed reduction order costs: f32 sums (gather every
// replica's buffer, fold in replica order 0..N-1, bitwise identical to the threaded
// runtime) against i32 sums (one MPI_Iallreduce, exact in any order) and a raw
// MPI_Allreduce of f32 (fast, but its order, and so its bits, are MPI's choice).
//
//   mpirun --oversubscribe --allow-run-as-root -np 2 -x LANES_CPU_DEVICES=1 (continued)
//       build/bench/lanes-bench-mpi
//
// Each process runs its LANES_CPU_DEVICES replicas on threads; global replica 0 reports.
// Throughput is the buffer's bytes per second of one call; "x memcpy" is the memcpy's time
// over the all-reduce's (1.0 would be an all-reduce as fast as copying the buffer once).
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "runtime/devices.h"
#include "runtime/mpi_communicator.h"
#include "runtime/mpi_world.h"

using lanes::DType;
using lanes::internal::MpiCommunicator;
using lanes::internal::MpiWorld;
using lanes::internal::ReduceOp;

namespace {

struct Row {
  double memcpy_s = 0, f32_s = 0, i32_s = 0, raw_s = 0;
};

}  // namespace

int main() {
  lanes::internal::set_mpi_settings(
      {lanes::internal::cpu_device_count(), lanes::internal::mpi_timeout_seconds()});
  MpiWorld& world = MpiWorld::get();
  auto comm = MpiCommunicator::create_world();
  const std::size_t sizes_mb[] = {1, 4, 16, 64};
  std::vector<Row> rows(std::size(sizes_mb));

  for (std::size_t s = 0; s < std::size(sizes_mb); ++s) {
    const std::size_t bytes = sizes_mb[s] << 20, n = bytes / 4;
    const int repeats = sizes_mb[s] >= 16 ? 5 : 9;
    auto replica = [&](int rank) {
      std::vector<float> fin(n, 1.0f + rank), fout(n);
      std::vector<std::int32_t> iin(n, rank), iout(n);
      double f32 = lanes::bench::time_median(
          [&] { comm->all_reduce(rank, DType::F32, ReduceOp::Sum, fin.data(), fout.data(), n); },
          repeats);
      double i32 = lanes::bench::time_median(
          [&] { comm->all_reduce(rank, DType::I32, ReduceOp::Sum, iin.data(), iout.data(), n); },
          repeats);
      if (rank == 0) {
        rows[s].f32_s = f32;
        rows[s].i32_s = i32;
        rows[s].memcpy_s = lanes::bench::time_median(
            [&] { std::memcpy(fout.data(), fin.data(), bytes); }, repeats);
      }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < comm->local_size(); ++i) {
      threads.emplace_back(replica, comm->first_rank() + i);
    }
    for (auto& t : threads) t.join();
    // The raw MPI_Allreduce, one buffer per process, from this (the only) MPI-calling thread.
    std::vector<float> in(n, 1.0f), out(n);
    rows[s].raw_s = lanes::bench::time_median(
        [&] {
          MPI_Allreduce(in.data(), out.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                        MPI_COMM_WORLD);
        },
        repeats);
  }

  if (world.rank() == 0) {
    std::printf("MPI all-reduce (sum), %d processes, %d replicas\n", world.size(), comm->size());
    std::printf("%6s %10s | %10s %9s | %10s %9s | %10s %9s\n", "MB", "memcpy", "f32 fixed",
                "x memcpy", "i32", "x memcpy", "f32 raw", "x memcpy");
    for (std::size_t s = 0; s < std::size(sizes_mb); ++s) {
      const Row& r = rows[s];
      const double gb = static_cast<double>(sizes_mb[s] << 20) / 1e9;
      std::printf("%6zu %7.2f GB/s | %5.2f GB/s %9.3f | %5.2f GB/s %9.3f | %5.2f GB/s %9.3f\n",
                  sizes_mb[s], gb / r.memcpy_s, gb / r.f32_s, r.memcpy_s / r.f32_s, gb / r.i32_s,
                  r.memcpy_s / r.i32_s, gb / r.raw_s, r.memcpy_s / r.raw_s);
    }
  }
  return 0;
}
