// Data-parallel training with pmap: logistic regression on a synthetic dataset.
//
// The batch is split across the devices; every replica computes value_and_grad of the
// loss on its shard, the gradients (and the loss) are averaged with pmean, and each
// replica applies the same SGD update, so the parameters stay identical everywhere
// (checked bit for bit every step). Usage: data_parallel [steps] [devices | all]; "all"
// trains on lanes::devices(), which under mpirun are the devices of every process (MPI
// carries the pmeans, and every process prints the same numbers as threads would). It
// exits with status 1 if the loss did not go down, replicas disagree or Lanes reports an
// error (the CTest test runs it short; tests/mpi compares threads with MPI).
#include <lanes/lanes.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

using lanes::Array;
using lanes::Value;

namespace {

// Mean binary cross-entropy of a linear model: softplus(z) - y z, written stably.
Value loss(Value w, Value x, Value y) {
  Value z = lanes::dot(x, w);
  Value softplus = lanes::maximum(z, 0.0) + lanes::log1p(lanes::exp(-lanes::abs(z)));
  return lanes::mean(softplus - y * z);
}

}  // namespace

int main(int argc, char** argv) try {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 200;
  const bool all = argc > 2 && std::strcmp(argv[2], "all") == 0;
  const std::vector<lanes::Device> devs =
      all ? lanes::devices() : lanes::cpu_devices(argc > 2 ? std::atoi(argv[2]) : 4);
  const auto ndev = static_cast<std::int64_t>(devs.size());
  const std::int64_t per = 64, d = 8;
  const double lr = 0.5;

  // Synthetic data: labels from a hidden linear rule with 10% of them flipped.
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit;
  std::vector<double> w_true(d), xs, ys;
  for (double& v : w_true) v = normal(rng);
  for (std::int64_t i = 0; i < ndev * per; ++i) {
    double z = 0;
    for (std::int64_t k = 0; k < d; ++k) {
      xs.push_back(normal(rng));
      z += xs.back() * w_true[static_cast<std::size_t>(k)];
    }
    bool label = z > 0;
    if (unit(rng) < 0.1) label = !label;
    ys.push_back(label ? 1.0 : 0.0);
  }
  Array x = Array::from(xs, {ndev, per, d});
  Array y = Array::from(ys, {ndev, per});

  lanes::Fn step = lanes::fn([lr](Value w, Value x, Value y) {
    lanes::Values lg = lanes::value_and_grad(lanes::fn(loss))(w, x, y);
    Value g = lanes::pmean(lg[1], "batch");  // the full-batch gradient on every replica
    return std::make_tuple(lanes::pmean(lg[0], "batch"), w - lr * g);
  });
  lanes::Fn train = lanes::pmap(step, "batch", {lanes::none, 0, 0}, 0, devs);

  Array w = Array::zeros(lanes::DType::F64, {d});
  double first = 0, last = 0;
  for (int s = 0; s < steps; ++s) {
    lanes::Outputs out = train(w, x, y);
    const Array& ws = out[1];  // [ndev, d]: one copy per replica
    for (int r = 1; r < ndev; ++r) {
      if (std::memcmp(static_cast<const double*>(ws.raw()) + r * d, ws.raw(),
                      static_cast<std::size_t>(d) * sizeof(double)) != 0) {
        std::fprintf(stderr, "step %d: replica %d's parameters differ from replica 0's\n", s, r);
        return 1;
      }
    }
    last = out[0].element_as_double(0);
    if (s == 0) first = last;
    if (s % 50 == 0 || s == steps - 1) std::printf("step %4d  loss %.6f\n", s, last);
    w = Array::from(std::vector<double>(static_cast<const double*>(ws.raw()),
                                        static_cast<const double*>(ws.raw()) + d));
  }
  std::printf("loss %.6f -> %.17g on %lld devices; parameters identical on every replica\n", first,
              last, static_cast<long long>(ndev));
  if (!(last < 0.8 * first)) {
    std::fprintf(stderr, "the loss did not go down enough\n");
    return 1;
  }
  return 0;
} catch (const lanes::Error& e) {
  // E.g. a malformed LANES_CPU_DEVICES with "all": report it rather than terminate.
  std::fprintf(stderr, "data_parallel: %s\n", e.what());
  return 1;
}
