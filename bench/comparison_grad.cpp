// value_and_grad(f) time over f time (comparison benchmark), compiled in when
// lanes::value_and_grad exists (LANES_BENCH_HAVE_GRAD, set by bench/CMakeLists.txt from
// the public headers); otherwise have_grad() is false and the section says so.
#include <lanes/lanes.h>
#include <malloc.h>

#include <cmath>

#include "comparison_lanes.h"
#include "runtime/block_cache.h"

namespace lanes::bench::comparison {

#ifdef LANES_BENCH_HAVE_GRAD
namespace {

const JitOptions kJit{.precision = Precision::Precise, .vector_width = 0, .parallel = false};

// A small MLP regression loss: 16 inputs, 32 tanh hidden units, 1 output, mean squared error.
constexpr std::int64_t kIn = 16, kHidden = 32;

Array filled(Shape shape, double g, double scale) {
  std::int64_t n = 1;
  for (auto e : shape) n *= e;
  std::vector<double> v = golden(static_cast<std::size_t>(n), g);
  for (double& e : v) e = scale * (e - 0.5);
  return Array::from(v, shape);
}

}  // namespace

bool have_grad() { return true; }

Result run_grad_case(const std::string& which, const std::string& variant, std::size_t n,
                     double budget_s) {
  Fn f;
  std::vector<Arg> args;
  std::vector<int> argnums;
  const auto len = static_cast<std::int64_t>(n);
  if (which == "sinexp_loss") {
    f = fn([](Value x, Value y) { return lanes::sum(lanes::sin(x) * y + lanes::exp(-x * x)); });
    args = {filled({len}, kG1, 6.0), filled({len}, kG2, 6.0)};
    argnums = {0};
  } else {
    f = fn([](Value w1, Value b1, Value w2, Value b2, Value x, Value y) {
      Value h = lanes::tanh(lanes::matmul(x, w1) + b1);
      Value d = lanes::matmul(h, w2) + b2 - y;
      return lanes::mean(d * d);
    });
    args = {filled({kIn, kHidden}, kG1, 0.5), filled({kHidden}, kG2, 0.1),
            filled({kHidden, 1}, kG1, 0.5),   filled({1}, kG2, 0.1),
            filled({len, kIn}, kG2, 2.0),     filled({len, 1}, kG1, 2.0)};
    argnums = {0, 1, 2, 3};
  }
  Fn g = variant == "vg" ? jit(value_and_grad(f, argnums), kJit) : jit(f, kJit);
  Outputs last = g.call(args);  // warm-up: trace, differentiate, compile
  internal::trim_block_cache();
  malloc_trim(0);
  Result r;
  r.base_kib = proc_status_kib("VmRSS");
  reset_hwm();
  r.seconds = measure(
      [&] {
        last = Outputs();
        last = g.call(args);
      },
      budget_s);
  r.hwm_kib = proc_status_kib("VmHWM");
  r.checksum = last[0].item<double>();
  r.abs_checksum = std::fabs(r.checksum);
  r.ok = true;
  return r;
}
#else
bool have_grad() { return false; }
Result run_grad_case(const std::string&, const std::string&, std::size_t, double) {
  Result r;
  r.note = "lanes::value_and_grad not available";
  return r;
}
#endif

}  // namespace lanes::bench::comparison
