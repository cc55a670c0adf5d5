// pmap over a subset of the job's devices under mpirun (run with -np 2 or more): a pmap
// over this process' own devices runs on threads with the right numbers on every
// process; a subset reaching into other processes (rank 0's devices seen from another
// rank, one device per rank, the global list reordered) is an ArgumentError naming the
// devices, raised on every process before any MPI call, so no process hangs; and a pmap
// over every device still works after those errors. Exits non-zero on any failure.
#include <lanes/lanes.h>

#include <cstdio>
#include <string>
#include <vector>

using lanes::Array;
using lanes::Device;
using lanes::Value;

namespace {

int failures = 0;

void fail(const std::string& what) {
  std::fprintf(stderr, "mpi_subset_test: %s\n", what.c_str());
  ++failures;
}

// Expects pmap(devices) to be refused with an ArgumentError naming `name`.
void expect_refused(const std::vector<Device>& devices, const std::string& name,
                    const std::string& what) {
  try {
    lanes::pmap(lanes::fn([](Value x) { return lanes::psum(x, "i"); }), "i", 0, 0, devices);
    fail(what + ": no error");
  } catch (const lanes::ArgumentError& e) {
    const std::string msg = e.what();
    if (msg.find(name) == std::string::npos || msg.find("MPI job") == std::string::npos) {
      fail(what + ": message does not name " + name + ": " + msg);
    }
  }
}

// psum over the pmap: every replica gets the column sums of x (f64[n, 2], x[r] = r + k/2).
bool psum_right(const std::vector<Device>& devices) {
  const auto n = static_cast<std::int64_t>(devices.size());
  std::vector<double> v;
  for (std::int64_t r = 0; r < n; ++r) {
    v.push_back(static_cast<double>(r));
    v.push_back(static_cast<double>(r) + 0.5);
  }
  Array x = Array::from(v, {n, 2});
  Array y =
      lanes::pmap(lanes::fn([](Value x) { return lanes::psum(x, "i"); }), "i", 0, 0, devices)(x);
  const double s0 = static_cast<double>(n * (n - 1)) / 2, s1 = s0 + 0.5 * static_cast<double>(n);
  for (std::int64_t r = 0; r < n; ++r) {
    if (y.element_as_double(2 * r) != s0 || y.element_as_double(2 * r + 1) != s1) return false;
  }
  return true;
}

}  // namespace

int main() {
  try {
    const std::vector<Device> all = lanes::devices();
    const int me = lanes::cpu_devices(1)[0].process;
    std::vector<Device> mine, rank0, one_each;
    for (const Device& d : all) {
      if (d.process == me) mine.push_back(d);
      if (d.process == 0) rank0.push_back(d);
      if (one_each.empty() || one_each.back().process != d.process) one_each.push_back(d);
    }
    if (one_each.size() < 2) fail("run this test with mpirun -np 2 or more");

    // This process' devices: threads here, whatever the other processes do.
    if (!psum_right(mine)) fail("pmap over this process' devices gave wrong sums");
    // Rank 0's devices: rank 0 runs them on threads; the others are refused.
    if (me == 0) {
      if (!psum_right(rank0)) fail("pmap over rank 0's devices gave wrong sums on rank 0");
    } else {
      expect_refused(rank0, rank0[0].name, "rank 0's devices on rank " + std::to_string(me));
    }
    // With one device per process this is every device (valid); with more it is a subset.
    if (one_each.size() < all.size()) {
      expect_refused(one_each, one_each[1].name, "one device per process");
    } else if (!psum_right(one_each)) {
      fail("pmap over one device per process (every device) gave wrong sums");
    }
    std::vector<Device> reversed(all.rbegin(), all.rend());
    expect_refused(reversed, all.back().name, "every device, reordered");
    // The job's MPI communicator still works: every process reaches this collective.
    if (!psum_right(all)) fail("pmap over every device gave wrong sums");
  } catch (const std::exception& e) {
    fail(std::string("unexpected error: ") + e.what());
  }
  if (failures == 0) std::printf("mpi_subset_test: ok\n");
  return failures == 0 ? 0 : 1;
}
