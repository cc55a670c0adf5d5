// pmap benchmark: the speedup of a compute-bound function on 2 devices against 1, and the
// threaded all-reduce's throughput for 1-64 MB buffers against a memcpy of the same size.
// Prints medians and ratios (machines are noisy; on a shared machine the speedup is
// bounded by the free cores).
#include <lanes/lanes.h>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
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

}  // namespace

int main() {
  speedup();
  all_reduce_throughput();
  return 0;
}
