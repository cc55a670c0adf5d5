// Float sums under jit (engine/lower/split_reduction.h, KernelBuilder::emit_sum): ns per
// element and the error against a long double sum, for full sums of f32 and f64 vectors
// in and out of cache, with one thread and with the pool, for row sums under vmap and for
// sums along axis 0 (error: the worst row or column).
// Run it on two builds (before / after a change to the reductions) on the same machine:
//   ninja -C build lanes-bench-sum && build/bench/lanes-bench-sum [max_n [ROWSxCOLS ...]]
#include <lanes/lanes.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"

namespace {

using namespace lanes;

template <class T>
void full_sum(std::int64_t n, bool parallel) {
  std::vector<T> v(static_cast<std::size_t>(n));
  long double exact = 0, abs_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    v[static_cast<std::size_t>(i)] = static_cast<T>(g - std::floor(g));
    exact += v[static_cast<std::size_t>(i)];
    abs_sum += std::fabs(static_cast<long double>(v[static_cast<std::size_t>(i)]));
  }
  JitOptions o;
  o.parallel = parallel;
  Fn f = jit(fn([](Value x) { return sum(x); }), o);
  Array x = Array::view(v.data(), {n});
  double got = 0;
  const int reps = n >= 10000000 ? 11 : 31, inner = n <= 100000 ? 100 : 1;
  const double t = bench::time_median([&] { got = Array(f(x)).element_as_double(0); }, reps, inner);
  const double u = sizeof(T) == 4 ? 0x1p-24 : 0x1p-53;
  std::printf("| sum %s | %lld | %s | %.3f | %.2f |\n", sizeof(T) == 4 ? "f32" : "f64",
              static_cast<long long>(n), parallel ? "pool" : "1 thread",
              1e9 * t / static_cast<double>(n),
              static_cast<double>(std::fabs(got - exact) / (u * abs_sum)));
}

// The error column: the largest over the rows (each against its long double sum).
template <class T>
void row_sums(std::int64_t rows, std::int64_t cols) {
  std::vector<T> v(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<T>(i % 1000) * static_cast<T>(0.001);
  Fn f = jit(vmap(fn([](Value r) { return sum(r); })));
  Array x = Array::view(v.data(), {rows, cols});
  Array out;
  const double t = bench::time_median([&] { out = f(x); }, 31, rows * cols <= 100000 ? 100 : 1);
  const long double u = sizeof(T) == 4 ? 0x1p-24L : 0x1p-53L;
  double worst = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    long double exact = 0, abs_sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const T e = v[static_cast<std::size_t>(r * cols + c)];
      exact += e;
      abs_sum += std::fabs(static_cast<long double>(e));
    }
    const long double err = std::fabs(out.element_as_double(r) - exact);
    if (abs_sum > 0) worst = std::max(worst, static_cast<double>(err / (u * abs_sum)));
  }
  std::printf("| vmap row sum %s | %lld x %lld | pool | %.3f | %.2f |\n",
              sizeof(T) == 4 ? "f32" : "f64", static_cast<long long>(rows),
              static_cast<long long>(cols), 1e9 * t / static_cast<double>(rows * cols), worst);
}

// Sums along axis 0 of a rows x cols matrix (each result element sums a strided column);
// the error column: the worst column.
template <class T>
void axis0_sums(std::int64_t rows, std::int64_t cols) {
  std::vector<T> v(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    v[i] = static_cast<T>(g - std::floor(g));
  }
  Fn f = jit(fn([](Value x) { return sum(x, {0}); }));
  Array x = Array::view(v.data(), {rows, cols});
  Array out;
  const double t = bench::time_median([&] { out = f(x); }, 31, rows * cols <= 100000 ? 100 : 1);
  const long double u = sizeof(T) == 4 ? 0x1p-24L : 0x1p-53L;
  double worst = 0;
  for (std::int64_t c = 0; c < cols; ++c) {
    long double exact = 0;
    for (std::int64_t r = 0; r < rows; ++r) exact += v[static_cast<std::size_t>(r * cols + c)];
    const long double err = std::fabs(out.element_as_double(c) - exact);
    if (exact > 0) worst = std::max(worst, static_cast<double>(err / (u * exact)));
  }
  std::printf("| axis-0 sum %s | %lld x %lld | pool | %.3f | %.2f |\n",
              sizeof(T) == 4 ? "f32" : "f64", static_cast<long long>(rows),
              static_cast<long long>(cols), 1e9 * t / static_cast<double>(rows * cols), worst);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t max_n = argc > 1 ? std::atoll(argv[1]) : 100000000;
  std::printf("| case | n | threads | ns/element | error / (u sum|x|) |\n|---|---|---|---|---|\n");
  for (std::int64_t n : {std::int64_t{100000}, std::int64_t{10000000}, std::int64_t{100000000}}) {
    if (n > max_n) continue;
    for (bool parallel : {false, true}) {
      full_sum<float>(n, parallel);
      full_sum<double>(n, parallel);
    }
  }
  row_sums<float>(1000, 1000);
  row_sums<float>(100, 100);
  row_sums<float>(16, 100000);
  row_sums<float>(1000, 300);
  row_sums<float>(100, 10000);
  row_sums<double>(1000, 1000);
  row_sums<double>(1000, 300);
  axis0_sums<float>(1000, 1000);
  axis0_sums<float>(10000, 100);
  axis0_sums<float>(100, 10000);
  axis0_sums<double>(1000, 1000);
  // More f32 row shapes: ROWSxCOLS arguments after max_n.
  for (int a = 2; a < argc; ++a) {
    long long rows = 0, cols = 0;
    if (std::sscanf(argv[a], "%lldx%lld", &rows, &cols) == 2) row_sums<float>(rows, cols);
  }
  return 0;
}
