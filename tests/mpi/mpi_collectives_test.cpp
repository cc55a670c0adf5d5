// Multi-process test of MpiCommunicator, run by CTest under mpirun (-np 1, 2, 4; 1 or 2
// local replicas per process, or a different count per process with --host-init).
// Every replica runs on its own thread, calls all_reduce (sum/max/min on every dtype, in
// and out of place), all_gather and ppermute, and compares its result bit for bit with
// the plain fixed-order computation of mpi_test_values.h. Exit status 0 when every
// check of this process passed.
//
// --host-init: the test initializes MPI itself (as a host application would) before
// Lanes does, and gives process p (p % 2) + 1 devices, so Allgatherv offsets are uneven.
#include <mpi.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/devices.h"
#include "runtime/mpi_communicator.h"
#include "runtime/mpi_world.h"
#include "tests/mpi/mpi_test_values.h"

// Once the threaded runtime is in the tree, process 0 also runs it on the same inputs:
// MPI == fixed-order reference == threads, bit for bit.
#if __has_include("runtime/thread_communicator.h")
#include "runtime/thread_communicator.h"
#define LANES_TEST_THREAD_RUNTIME 1
#endif

namespace {

using lanes::DType;
using lanes::internal::MpiCommunicator;
using lanes::internal::MpiWorld;
using lanes::internal::ReduceOp;
namespace mt = lanes::mpi_test;

std::atomic<int> g_failures{0};
std::mutex g_print_mutex;

void fail(const std::string& message) {
  if (g_failures++ < 20) {
    std::lock_guard<std::mutex> lock(g_print_mutex);
    std::fprintf(stderr, "FAIL (process %d): %s\n", MpiWorld::get().rank(), message.c_str());
  }
}

void expect(bool ok, const std::string& message) {
  if (!ok) fail(message);
}

// A value with its bits, so that NaN payloads and signed zeros show.
template <class E>
std::string show(E value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(E));
  char text[64];
  std::snprintf(text, sizeof text, "%.17g (0x%llx)", double(value),
                static_cast<unsigned long long>(bits));
  return text;
}

// Bitwise equality, except that two NaNs of a sum match whatever their payloads (the
// payload a + b keeps is the hardware's business, not the reduction order's).
template <class E>
void expect_bits(const std::vector<E>& got, const std::vector<E>& want, bool nan_any,
                 const std::string& what) {
  for (std::size_t k = 0; k < want.size(); ++k) {
    if (std::memcmp(&got[k], &want[k], sizeof(E)) == 0) continue;
    if constexpr (std::is_floating_point_v<E>) {
      if (nan_any && std::isnan(got[k]) && std::isnan(want[k])) continue;
    }
    fail(what + ": element " + std::to_string(k) + " is " + show(got[k]) + ", expected " +
         show(want[k]));
    return;
  }
}

template <class T>
void check_dtype(MpiCommunicator& comm, int rank, std::size_t count) {
  const int n = comm.size();
  const DType dt = lanes::dtype_of<T>();
  const std::string tag = std::string(lanes::dtype_name(dt)) + " count " + std::to_string(count) +
                          " replica " + std::to_string(rank);
  const mt::Vec<T> mine = mt::inputs<T>(rank, n, count);
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min}) {
    const char* name = op == ReduceOp::Sum ? "sum" : op == ReduceOp::Max ? "max" : "min";
    mt::Vec<T> want = mt::reference_reduce<T>(op, n, count);
    mt::Vec<T> out(count);
    comm.all_reduce(rank, dt, op, mine.data(), out.data(), count);
    expect_bits(out, want, op == ReduceOp::Sum, std::string("all_reduce ") + name + " " + tag);
    mt::Vec<T> in_place = mine;  // in and out alias
    comm.all_reduce(rank, dt, op, in_place.data(), in_place.data(), count);
    expect_bits(in_place, want, op == ReduceOp::Sum,
                std::string("in-place all_reduce ") + name + " " + tag);
  }
  mt::Vec<T> gathered(count * n), want_gathered;
  for (int r = 0; r < n; ++r) {
    mt::Vec<T> row = mt::inputs<T>(r, n, count);
    want_gathered.insert(want_gathered.end(), row.begin(), row.end());
  }
  comm.all_gather(rank, dt, mine.data(), gathered.data(), count);
  expect_bits(gathered, want_gathered, false, "all_gather " + tag);

  // Ring shift right, its reverse, and a partial permutation (only 0 -> n-1; the others
  // receive zeros).
  std::vector<std::pair<int, int>> ring, reverse, partial{{0, n - 1}};
  for (int r = 0; r < n; ++r) {
    ring.push_back({r, (r + 1) % n});
    reverse.push_back({r, n - 1 - r});
  }
  mt::Vec<T> shifted(count);
  comm.ppermute(rank, dt, mine.data(), shifted.data(), count, ring);
  expect_bits(shifted, mt::inputs<T>((rank + n - 1) % n, n, count), false, "ppermute ring " + tag);
  mt::Vec<T> reversed = mine;  // in place
  comm.ppermute(rank, dt, reversed.data(), reversed.data(), count, reverse);
  expect_bits(reversed, mt::inputs<T>(n - 1 - rank, n, count), false, "ppermute reverse " + tag);
  mt::Vec<T> part(count, T(1));
  comm.ppermute(rank, dt, mine.data(), part.data(), count, partial);
  expect_bits(part, rank == n - 1 ? mt::inputs<T>(0, n, count) : mt::Vec<T>(count, T(0)), false,
              "ppermute partial " + tag);
}

void run_replica(MpiCommunicator& comm, int rank) {
  try {
    for (std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
      check_dtype<float>(comm, rank, count);
      check_dtype<double>(comm, rank, count);
      check_dtype<std::int32_t>(comm, rank, count);
      check_dtype<std::int64_t>(comm, rank, count);
      check_dtype<bool>(comm, rank, count);
    }
    // 4 MB per replica: large messages take other transport paths, and a float all_reduce
    // runs in 1 MiB rounds (here four and a 3-element one), in place too.
    const std::size_t big = (std::size_t{1} << 20) + 3;
    const mt::Vec<float> want = mt::reference_reduce<float>(ReduceOp::Sum, comm.size(), big);
    mt::Vec<float> out(big), buf = mt::inputs<float>(rank, comm.size(), big);
    comm.all_reduce(rank, DType::F32, ReduceOp::Sum, buf.data(), out.data(), big);
    expect_bits(out, want, true, "all_reduce sum f32 4 MB replica " + std::to_string(rank));
    comm.all_reduce(rank, DType::F32, ReduceOp::Sum, buf.data(), buf.data(), big);
    expect_bits(buf, want, true,
                "in-place all_reduce sum f32 4 MB replica " + std::to_string(rank));

    // Divergence: the last replica's operand is too large to travel with its call, the
    // others' small. Every replica (every process) throws the same RuntimeError, no payload
    // moves, and the communicator stays usable; then every replica finishes (the world
    // communicator's run ends).
    const int last = comm.size() - 1;
    const std::size_t mine = rank == last ? 1000 : 1;
    mt::Vec<double> in(mine, 1.0), res(mine);
    try {
      comm.all_reduce(rank, DType::F64, ReduceOp::Sum, in.data(), res.data(), mine, "psum");
      fail("replica " + std::to_string(rank) + ": disagreeing counts did not throw");
    } catch (const lanes::RuntimeError& e) {
      const std::string msg = e.what(), want_part = "call psum(f64, 1 element)";
      const std::string last_part =
          "replica " + std::to_string(last) + " calls psum(f64, 1000 elements)";
      expect(msg.find("replicas disagree") != std::string::npos &&
                 (comm.size() == 2 || msg.find(want_part) != std::string::npos) &&
                 msg.find(last_part) != std::string::npos,
             "divergence message on replica " + std::to_string(rank) + ": " + msg);
      expect(comm.failed_together(rank), "failed_together on replica " + std::to_string(rank));
    }
    double one = 1, total = 0;
    comm.all_reduce(rank, DType::F64, ReduceOp::Sum, &one, &total, 1, "psum");
    expect(total == comm.size(), "psum after a divergence on replica " + std::to_string(rank));
    comm.finished(rank);
  } catch (const std::exception& e) {
    fail("replica " + std::to_string(rank) + " threw: " + e.what());
    comm.abort(e.what());
  }
}

#ifdef LANES_TEST_THREAD_RUNTIME
template <class T>
void check_threads_agree(int n, std::size_t count) {
  lanes::internal::ThreadCommunicator threads(n);
  std::vector<std::thread> replicas;
  for (int r = 0; r < n; ++r) {
    replicas.emplace_back([&, r] {
      const mt::Vec<T> mine = mt::inputs<T>(r, n, count);
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min}) {
        mt::Vec<T> out(count);
        threads.all_reduce(r, lanes::dtype_of<T>(), op, mine.data(), out.data(), count);
        expect_bits(out, mt::reference_reduce<T>(op, n, count), op == ReduceOp::Sum,
                    "threaded runtime all_reduce " +
                        std::string(lanes::dtype_name(lanes::dtype_of<T>())) + " replica " +
                        std::to_string(r));
      }
    });
  }
  for (auto& t : replicas) t.join();
}
#endif

// The global device list: processes end to end in rank order.
void check_world(const MpiWorld& world, const std::vector<int>& want_counts) {
  int offset = 0;
  for (int p = 0; p < world.size(); ++p) {
    expect(world.device_count(p) == want_counts[p],
           "device_count(" + std::to_string(p) + ") = " + std::to_string(world.device_count(p)));
    expect(world.device_offset(p) == offset, "device_offset(" + std::to_string(p) + ")");
    for (int i = 0; i < want_counts[p]; ++i) {
      expect(world.process_of(offset + i) == p, "process_of(" + std::to_string(offset + i) + ")");
    }
    offset += want_counts[p];
  }
  expect(world.global_device_count() == offset, "global_device_count");
  auto devices = world.global_devices();
  expect(static_cast<int>(devices.size()) == offset, "global_devices().size()");
  for (int g = 0; g < static_cast<int>(devices.size()); ++g) {
    const auto& d = devices[g];
    expect(d.global_index == g && d.global_index == world.device_offset(d.process) + d.local_index,
           "global_devices()[" + std::to_string(g) + "]");
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool host_init = argc > 1 && std::strcmp(argv[1], "--host-init") == 0;
  int processes = 1;
  if (host_init) {
    int provided = 0, rank = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &processes);
    setenv("LANES_CPU_DEVICES", std::to_string(rank % 2 + 1).c_str(), 1);
  }
  expect(lanes::internal::mpi_job_detected(), "mpi_job_detected() under mpirun");
  // What liblanes hands the plugin, as process_group() does.
  lanes::internal::set_mpi_settings(
      {lanes::internal::cpu_device_count(), lanes::internal::mpi_timeout_seconds()});
  MpiWorld& world = MpiWorld::get();
  processes = world.size();
  std::vector<int> want_counts(processes, lanes::internal::cpu_device_count());
  if (host_init) {
    for (int p = 0; p < processes; ++p) want_counts[p] = p % 2 + 1;
  }
  check_world(world, want_counts);
  {
    auto comm = MpiCommunicator::create_world();
    expect(comm->size() == world.global_device_count(), "comm size");
    std::vector<std::thread> replicas;
    for (int i = 0; i < comm->local_size(); ++i) {
      replicas.emplace_back(run_replica, std::ref(*comm), comm->first_rank() + i);
    }
    for (auto& t : replicas) t.join();
  }
#ifdef LANES_TEST_THREAD_RUNTIME
  if (world.rank() == 0) {
    for (std::size_t count : {std::size_t{7}, std::size_t{1000}}) {
      check_threads_agree<float>(world.global_device_count(), count);
      check_threads_agree<double>(world.global_device_count(), count);
      check_threads_agree<std::int32_t>(world.global_device_count(), count);
      check_threads_agree<std::int64_t>(world.global_device_count(), count);
      check_threads_agree<bool>(world.global_device_count(), count);
    }
  }
#endif
  int failures = g_failures.load();
  std::printf("process %d/%d: %d replicas of %d, %s\n", world.rank(), processes,
              world.local_device_count(), world.global_device_count(),
              failures == 0 ? "all checks passed" : "FAILED");
  if (host_init) MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
