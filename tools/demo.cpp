// lanes-demo: the README's first command. Traces a per-element function, runs it eagerly
// (reference interpreter) and compiled (jit), batches a per-row function with vmap, and
// times interpreted against compiled code on 10^6 elements.
#include <lanes/lanes.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <iostream>
#include <vector>

namespace {
double seconds(const std::function<void()>& f) {
  std::vector<double> t;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

int main() {
  try {
    using lanes::Value;
    lanes::Fn f = lanes::fn([](Value x, Value y) { return lanes::sin(x) * y + lanes::exp(-x * x); });
    lanes::Array xs = lanes::Array::from(std::vector<double>{0.1, 0.2, 0.3});
    std::cout << "f(x, y) = sin(x) * y + exp(-x * x)\n\ntraced graph for f(f64[3], 2.0):\n"
              << f.ir({xs, 2.0}) << "\n";
    std::cout << "eager  f(xs, 2.0)      = " << f(xs, 2.0).arrays()[0] << "\n";
    lanes::Fn fast = lanes::jit(f);
    std::cout << "jit(f)(xs, 2.0)        = " << fast(xs, 2.0).arrays()[0] << "\n";
    std::cout << "plain C++              = [" << std::setprecision(8);
    for (double x : {0.1, 0.2, 0.3}) std::cout << " " << std::sin(x) * 2.0 + std::exp(-x * x);
    std::cout << " ]\n\n";

    // A per-example function over rows, batched with vmap and compiled: one fused loop.
    lanes::Fn row_norm = lanes::fn([](Value row) { return lanes::sqrt(lanes::sum(row * row)); });
    lanes::Array rows = lanes::Array::linspace(0, 1, 6).reshaped({2, 3});
    std::cout << "rows = " << rows << "\n";
    std::cout << "jit(vmap(row_norm))(rows) = " << lanes::jit(lanes::vmap(row_norm))(rows).arrays()[0]
              << "\n\n";

    lanes::Array big = lanes::Array::linspace(-3, 3, 1000000);
    (void)fast(big, 2.0);  // compile for this signature before timing
    double t_eager = seconds([&] { (void)f(big, 2.0); });
    double t_jit = seconds([&] { (void)fast(big, 2.0); });
    std::cout << "n = 10^6, median of 5: interpreter " << t_eager * 1e3 << " ms, jit " << t_jit * 1e3
              << " ms (" << t_eager / t_jit << "x faster)\n";
  } catch (const lanes::Error& e) {
    std::cerr << "lanes-demo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
