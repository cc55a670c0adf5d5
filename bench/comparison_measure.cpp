// The timing loop of the comparison benchmark's children (see comparison_cases.h).
#include <algorithm>
#include <chrono>

#include "comparison_cases.h"

namespace lanes::bench::comparison {
namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

double measure(const std::function<void()>& f, double budget_s) {
  double t0 = now();
  f();
  const double pilot = std::max(now() - t0, 1e-9);
  const int inner = static_cast<int>(std::clamp(1e-3 / pilot, 1.0, 1e6));
  const int runs = static_cast<int>(std::clamp(budget_s / (pilot * inner), 3.0, 51.0));
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    double s = now();
    for (int i = 0; i < inner; ++i) f();
    t.push_back((now() - s) / inner);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace lanes::bench::comparison
