// Embedding Lanes: a host application hands its own memory to a jitted function
// without copying, and checks the result against plain C++.
#include <lanes/lanes.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main() try {
  std::vector<double> host(1000);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = 0.001 * static_cast<double>(i);

  lanes::Fn f = lanes::fn([](lanes::Value x, lanes::Value y) {
    return lanes::sin(x) * y + lanes::exp(-x * x);
  });
  lanes::Fn fast = lanes::jit(f);
  lanes::Array xs = lanes::Array::view(host.data(), {static_cast<std::int64_t>(host.size())});
  lanes::Array r = fast(xs, 2.0);

  double worst = 0;
  auto out = r.data<double>();
  for (std::size_t i = 0; i < host.size(); ++i) {
    double expect = std::sin(host[i]) * 2.0 + std::exp(-host[i] * host[i]);
    worst = std::fmax(worst, std::fabs(out[i] - expect));
  }
  std::printf("embed: %zu results, max abs error %.3g\n", host.size(), worst);
  return worst < 1e-12 ? 0 : 1;
} catch (const lanes::Error& e) {
  std::fprintf(stderr, "embed: %s\n", e.what());
  return 1;
}
