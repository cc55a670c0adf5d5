// Float sums under jit (engine/lower/kernel_builder_sum.cpp, split_reduction.h): ns per
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

// Sums of a rows x cols matrix: along each row under vmap (rows of i % 1000 / 1000), or
// along axis 0 (each result element a strided column; uniform [0, 1) values). The error
// column: the largest over the result elements (each against its long double sum).
template <class T>
void matrix_sums(std::int64_t rows, std::int64_t cols, bool axis0) {
  std::vector<T> v(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double g = static_cast<double>(i) * 0.6180339887498949;
    v[i] = axis0 ? static_cast<T>(g - std::floor(g))
                 : static_cast<T>(i % 1000) * static_cast<T>(0.001);
  }
  Fn f = axis0 ? jit(fn([](Value x) { return sum(x, {0}); }))
               : jit(vmap(fn([](Value r) { return sum(r); })));
  Array x = Array::view(v.data(), {rows, cols});
  Array out;
  const double t = bench::time_median([&] { out = f(x); }, 31, rows * cols <= 100000 ? 100 : 1);
  const long double u = sizeof(T) == 4 ? 0x1p-24L : 0x1p-53L;
  const std::int64_t results = axis0 ? cols : rows, terms = axis0 ? rows : cols;
  double worst = 0;
  for (std::int64_t r = 0; r < results; ++r) {
    long double exact = 0, abs_sum = 0;
    for (std::int64_t c = 0; c < terms; ++c) {
      const T e = v[static_cast<std::size_t>(axis0 ? c * cols + r : r * cols + c)];
      exact += e;
      abs_sum += std::fabs(static_cast<long double>(e));
    }
    const long double err = std::fabs(out.element_as_double(r) - exact);
    if (abs_sum > 0) worst = std::max(worst, static_cast<double>(err / (u * abs_sum)));
  }
  std::printf("| %s %s | %lld x %lld | pool | %.3f | %.2f |\n",
              axis0 ? "axis-0 sum" : "vmap row sum", sizeof(T) == 4 ? "f32" : "f64",
              static_cast<long long>(rows), static_cast<long long>(cols),
              1e9 * t / static_cast<double>(rows * cols), worst);
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
  matrix_sums<float>(1000, 1000, false);
  matrix_sums<float>(100, 100, false);
  matrix_sums<float>(16, 100000, false);
  matrix_sums<float>(1000, 300, false);
  matrix_sums<float>(100, 10000, false);
  matrix_sums<double>(1000, 1000, false);
  matrix_sums<double>(1000, 300, false);
  matrix_sums<float>(1000, 1000, true);
  matrix_sums<float>(10000, 100, true);
  matrix_sums<float>(100, 10000, true);
  matrix_sums<double>(1000, 1000, true);
  // More f32 row shapes: ROWSxCOLS arguments after max_n.
  for (int a = 2; a < argc; ++a) {
    long long rows = 0, cols = 0;
    if (std::sscanf(argv[a], "%lldx%lld", &rows, &cols) == 2) matrix_sums<float>(rows, cols, false);
  }
  return 0;
}
