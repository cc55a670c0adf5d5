// pmap across MPI processes (run under mpirun): a pmap over lanes::devices() (every
// process' devices) must return, on every process, exactly the bits that the threaded
// runtime returns for a pmap over as many devices in one process: collectives, their
// gradients, and outputs stitched along other axes. Exits non-zero on any difference.
#include <lanes/lanes.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using lanes::Array;
using lanes::Value;

namespace {

int failures = 0;

void expect_same_bits(const Array& mpi, const Array& threads, const std::string& what) {
  const bool same = mpi.dtype() == threads.dtype() && mpi.shape() == threads.shape() &&
                    std::memcmp(mpi.raw(), threads.raw(), mpi.nbytes()) == 0;
  if (!same) {
    std::fprintf(stderr, "%s: MPI result differs from the threaded runtime's\n", what.c_str());
    ++failures;
  }
}

// Values whose sums depend on the order of addition, so a reordered reduction shows.
Array inputs(std::int64_t n, std::int64_t m) {
  std::vector<double> v;
  for (std::int64_t r = 0; r < n; ++r) {
    for (std::int64_t k = 0; k < m; ++k) {
      v.push_back((r % 2 == 0 ? 1e16 : -1e16) * (k % 3 == 0 ? 1.0 : 1e-16) +
                  0.1 * static_cast<double>(r * m + k));
    }
  }
  return Array::from(v, {n, m});
}

}  // namespace

int main() {
  try {
    const std::vector<lanes::Device> global = lanes::devices();
    const auto n = static_cast<std::int64_t>(global.size());
    // Under mpirun -np P > 1 the global list must reach into the other processes (else
    // both sides below would run on threads and the comparison would prove nothing).
    const char* np = std::getenv("OMPI_COMM_WORLD_SIZE");
    if (np != nullptr && std::atoi(np) > 1 && global.back().process != std::atoi(np) - 1) {
      std::fprintf(stderr, "devices() does not list the other processes' devices\n");
      return 1;
    }
    const std::vector<lanes::Device> local = lanes::cpu_devices(static_cast<int>(n));
    const Array x = inputs(n, 7);
    const Array w = Array::from(std::vector<double>{0.5, -1.25, 2.0, 0.75, -0.5, 1.5, 3.0});

    lanes::Fn collectives = lanes::fn([n](Value x, Value w) {
      Value s = lanes::psum(lanes::sin(x) * w, "i");
      Value m = lanes::pmean(x, "i") + lanes::pmax(x, "i") - lanes::pmin(x, "i");
      Value g = lanes::sum(lanes::all_gather(x, "i"), {0});
      std::vector<std::pair<int, int>> ring;
      for (int r = 0; r < static_cast<int>(n); ++r)
        ring.push_back({r, (r + 1) % static_cast<int>(n)});
      Value p = lanes::ppermute(x, "i", ring) * lanes::axis_index("i");
      return std::make_tuple(s + m, g, p);
    });
    for (int out_axis : {0, 1}) {
      lanes::Outputs a = lanes::pmap(collectives, "i", {0, lanes::none}, out_axis)(x, w);
      lanes::Outputs b = lanes::pmap(collectives, "i", {0, lanes::none}, out_axis, local)(x, w);
      for (std::size_t k = 0; k < a.size(); ++k)
        expect_same_bits(a[k], b[k],
                         "collectives output " + std::to_string(k) + " (out_axes " +
                             std::to_string(out_axis) + ")");
    }

    // Gradients averaged with pmean: one data-parallel step, jitted.
    lanes::Fn loss = lanes::fn([](Value w, Value x) { return lanes::sum(lanes::tanh(x * w)); });
    lanes::Fn step = lanes::fn([loss](Value w, Value x) {
      lanes::Values lg = lanes::value_and_grad(loss)(w, x);
      return std::make_tuple(lanes::pmean(lg[0], "i"), lanes::pmean(lg[1], "i"));
    });
    const Array xs = inputs(n, 7);
    lanes::Outputs a = lanes::jit(lanes::pmap(step, "i", {lanes::none, 0}))(w, xs);
    lanes::Outputs b = lanes::jit(lanes::pmap(step, "i", {lanes::none, 0}, 0, local))(w, xs);
    expect_same_bits(a[0], b[0], "pmean of the loss");
    expect_same_bits(a[1], b[1], "pmean of the gradient");

    // grad of a pmapped function (pmap of the transformed per-replica program).
    lanes::Fn total =
        lanes::fn([](Value w, Value x) { return lanes::sum(lanes::psum(lanes::sin(x * w), "i")); });
    Array ga = lanes::grad(lanes::fn([total](Value w, Value x) {
      return lanes::sum(lanes::pmap(total, "i", {lanes::none, 0}, 0)(w, x));
    }))(w, xs);
    Array gb = lanes::grad(lanes::fn([total, local](Value w, Value x) {
      return lanes::sum(lanes::pmap(total, "i", {lanes::none, 0}, 0, local)(w, x));
    }))(w, xs);
    expect_same_bits(ga, gb, "grad of a pmapped loss");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  if (failures == 0) std::printf("pmap across processes: same bits as threads\n");
  return failures == 0 ? 0 : 1;
}
