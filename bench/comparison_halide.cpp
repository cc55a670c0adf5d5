// Halide 14 peer of the comparison benchmark: the same functions as Halide pipelines,
// JIT-compiled with Halide's default schedule plus `vectorize` by the host's natural f64
// width. Linked against libHalide14.so.0 by path (its CMake package would take over the
// LLVM target; see /work/shared/TOOLCHAIN.md). Run by lanes-bench-comparison:
//
//   lanes-bench-comparison-halide FUNC N BUDGET_SECONDS
//
// prints one line: RESULT time_s hwm_kib base_kib in_bytes out_bytes sum abs_sum.
#include <Halide.h>
#include <malloc.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include "comparison_cases.h"

namespace lanes::bench::comparison {
namespace {

using Halide::Buffer;
using Halide::Expr;
using Halide::Var;

int run(const std::string& func_s, std::size_t n, double budget_s) {
  comparison::Func f;
  if (!parse_func(func_s, &f)) {
    std::cout << "SKIP unknown function " << func_s << "\n";
    return 2;
  }
  const Halide::Target target = Halide::get_jit_target_from_environment();
  const int width = target.natural_vector_size<double>();
  const int len = static_cast<int>(n);
  std::vector<double> x, y, w;
  Halide::Func out("out");
  Var i("i");
  Buffer<double> bx, by, bw;
  switch (f) {
    case comparison::Func::Add:
      x = input_x(n);
      bx = Buffer<double>(x.data(), len);
      out(i) = bx(i) + Expr(kAddB);
      out.vectorize(i, width);
      break;
    case comparison::Func::SinExp: {
      x = input_x(n);
      y = input_y(n);
      bx = Buffer<double>(x.data(), len);
      by = Buffer<double>(y.data(), len);
      Expr xi = bx(i);
      out(i) = Halide::sin(xi) * by(i) + Halide::exp(-xi * xi);
      out.vectorize(i, width);
      break;
    }
    case comparison::Func::Newton: {
      x = input_a(n);
      bx = Buffer<double>(x.data(), len);
      // No data-dependent loop in Halide: a fixed count of masked iterations, unrolled.
      Expr a = bx(i), xi = a, step = a;
      for (int k = 0; k < kNewtonHalideIters; ++k) {
        Expr active = Halide::abs(step) > Expr(kNewtonRelTol) * xi;
        Expr next = Expr(0.5) * (xi + a / xi);
        step = Halide::select(active, next - xi, step);
        xi = Halide::select(active, next, xi);
      }
      out(i) = xi;
      out.vectorize(i, width);
      break;
    }
    case comparison::Func::Outer: {
      x = input_v(n);
      w = input_w();
      const int k = static_cast<int>(kOuterK);
      bx = Buffer<double>(x.data(), k, len);  // dim 0 (innermost) = vector index
      bw = Buffer<double>(w.data(), k, k);
      Halide::RDom r(0, k, 0, k);
      out(i) = Expr(0.0);
      out(i) += bx(r.x, i) * bx(r.y, i) * bw(r.y, r.x);
      out.vectorize(i, width);
      out.update().vectorize(i, width);
      break;
    }
  }
  out.compile_jit(target);
  // Each call allocates its output, as the Lanes and numpy calls do.
  Buffer<double> result = out.realize({len});  // warm-up
  result = Buffer<double>();
  malloc_trim(0);
  Result res;
  res.base_kib = proc_status_kib("VmRSS");
  reset_hwm();
  res.seconds = measure(
      [&] {
        result = Buffer<double>();  // the previous result is gone before the next
        result = out.realize({len});
      },
      budget_s);
  res.hwm_kib = proc_status_kib("VmHWM");
  res.in_bytes = 8.0 * static_cast<double>(x.size() + y.size() + w.size());
  res.out_bytes = 8.0 * static_cast<double>(n);
  for (int e = 0; e < len; ++e) {
    res.checksum += result(e);
    res.abs_checksum += std::fabs(result(e));
  }
  std::cout << format_result(res) << "\n";
  return 0;
}

}  // namespace
}  // namespace lanes::bench::comparison

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " FUNC N BUDGET_SECONDS\n";
    return 2;
  }
  try {
    return lanes::bench::comparison::run(argv[1], std::strtoull(argv[2], nullptr, 10),
                                         std::atof(argv[3]));
  } catch (const Halide::Error& e) {
    std::cout << "SKIP Halide error: " << e.what() << "\n";
    return 1;
  }
}
