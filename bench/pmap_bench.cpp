// pmap benchmark: the speedup of a compute-bound function on 2 devices against 1, and the
// threaded all-reduce's throughput for 1-64 MB buffers against a memcpy of the same size.
// `lanes-bench-pmap overhead` instead measures the per-call cost of a tiny pmapped
// function (launching the replicas, finding the compiled body, stitching the outputs).
// Prints medians and ratios (machines are noisy; on a shared machine the speedup is
// bounded by the free cores).
#include <lanes/lanes.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "runtime/device_workers.h"
#include "runtime/thread_communicator.h"

namespace {

using lanes::Array;
using lanes::Value;

void speedup() {
  // Per element: 200 steps of a sin/cos recurrence, compute-bound and embarrassingly parallel.
  lanes::Fn f = lanes::fn([](Value x) {
    return lanes::fori_loop(
        0, 200, [](Value, Value v) { return lanes::sin(v) * 0.9 + lanes::cos(v * 0.5); }, x);
  });
  const std::int64_t n = 1 << 18;
  Array one = Array::linspace(0, 1, n).reshaped({1, n});
  Array two = Array::linspace(0, 1, n).reshaped({2, n / 2});
  lanes::Fn p1 = lanes::pmap(f, "i", 0, 0, lanes::cpu_devices(1));
  lanes::Fn p2 = lanes::pmap(f, "i", 0, 0, lanes::cpu_devices(2));
  p1(one);
  p2(two);  // compile
  double t1 = lanes::bench::time_median([&] { p1(one); }, 7);
  double t2 = lanes::bench::time_median([&] { p2(two); }, 7);
  std::printf(
      "pmap compute-bound (%lld elements x 200 sin/cos): 1 device %.2f ms, 2 devices %.2f ms, "
      "speedup %.2fx\n",
      static_cast<long long>(n), t1 * 1e3, t2 * 1e3, t1 / t2);
}

void all_reduce_throughput() {
  std::printf("\nall-reduce (2 threads, f64 sum) vs memcpy of the same size\n");
  std::printf("%8s %14s %14s %8s\n", "MB", "all_reduce GB/s", "memcpy GB/s", "ratio");
  for (std::size_t mb : {1, 4, 16, 64}) {
    const std::size_t count = mb * (1 << 20) / sizeof(double);
    std::vector<std::vector<double>> in(2, std::vector<double>(count, 1.0)), out = in;
    lanes::internal::ThreadCommunicator comm(2);
    auto reduce = [&] {
      std::thread other([&] {
        comm.all_reduce(1, lanes::DType::F64, lanes::internal::ReduceOp::Sum, in[1].data(),
                        out[1].data(), count);
      });
      comm.all_reduce(0, lanes::DType::F64, lanes::internal::ReduceOp::Sum, in[0].data(),
                      out[0].data(), count);
      other.join();
    };
    std::vector<double> dst(count);
    auto copy = [&] { std::memcpy(dst.data(), in[0].data(), count * sizeof(double)); };
    reduce();
    copy();
    double tr = lanes::bench::time_median(reduce, 7), tc = lanes::bench::time_median(copy, 7);
    double bytes = static_cast<double>(count * sizeof(double));
    std::printf("%8zu %14.2f %14.2f %8.2f\n", mb, bytes / tr / 1e9, bytes / tc / 1e9, tc / tr);
  }
}

// Microseconds per call of a pmap whose replicas do almost nothing: what a call costs
// beyond the work (launch, executable lookup, slicing and stitching).
void overhead() {
  std::printf("pmap per-call overhead (x + 1 on f64[n, 4]; median of 15 x 200 calls)\n");
  std::printf("%8s %12s %12s %16s\n", "devices", "pmap us", "jit(pmap) us", "psum inside us");
  lanes::Fn add = lanes::fn([](Value x) { return x + 1.0; });
  lanes::Fn reduce = lanes::fn([](Value x) { return lanes::psum(x, "i"); });
  for (int n : {1, 2, 4}) {
    Array x = Array::linspace(0, 1, 4 * n).reshaped({n, 4});
    lanes::Fn p = lanes::pmap(add, "i", 0, 0, lanes::cpu_devices(n));
    lanes::Fn jp = lanes::jit(p);
    lanes::Fn ps = lanes::jit(lanes::pmap(reduce, "i", 0, 0, lanes::cpu_devices(n)));
    double tp = lanes::bench::time_median([&] { p(x); }, 15, 200);
    double tj = lanes::bench::time_median([&] { jp(x); }, 15, 200);
    double ts = lanes::bench::time_median([&] { ps(x); }, 15, 200);
    std::printf("%8d %12.2f %12.2f %16.2f\n", n, tp * 1e6, tj * 1e6, ts * 1e6);
  }
  // The launch alone, side by side: n - 1 threads created and joined per call (what pmap
  // did before the device workers) against handing the replicas to the device workers.
  std::printf("\nreplica launch alone (empty replicas; median of 15 x 200 launches)\n");
  std::printf("%8s %16s %16s %8s\n", "devices", "fresh threads us", "device workers us", "ratio");
  std::atomic<int> sink{0};
  auto replica = [&](std::size_t r) {
    sink.fetch_add(static_cast<int>(r), std::memory_order_relaxed);
  };
  for (int n : {2, 4}) {
    auto fresh = [&] {
      std::vector<std::thread> threads;
      for (int r = 1; r < n; ++r) threads.emplace_back(replica, static_cast<std::size_t>(r));
      replica(0);
      for (std::thread& t : threads) t.join();
    };
    auto workers = [&] { lanes::internal::run_on_devices(static_cast<std::size_t>(n), replica); };
    double tf = lanes::bench::time_median(fresh, 15, 200);
    double tw = lanes::bench::time_median(workers, 15, 200);
    std::printf("%8d %16.2f %16.2f %8.2f\n", n, tf * 1e6, tw * 1e6, tf / tw);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "overhead") == 0) {
    overhead();
    return 0;
  }
  speedup();
  all_reduce_throughput();
  return 0;
}
