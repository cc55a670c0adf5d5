// The Lanes variants of the comparison benchmark (see comparison_lanes.h). Each case:
// build inputs, warm up (tracing, JIT compilation), free cached blocks, reset the RSS
// high-water mark, then time; the peak of the timed phase is what the case needs to run.
#include "comparison_lanes.h"

#include <lanes/lanes.h>
#include <malloc.h>

#include <cmath>
#include <functional>
#include <tuple>

#include "comparison_eager_cpp.h"
#include "comparison_hand_simd.h"
#include "newton.h"
#include "runtime/block_cache.h"

namespace lanes::bench::comparison {
namespace {

using Carry = std::tuple<Value, Value>;

// f written for one element (the function the user writes).
Fn per_element(Func f) {
  switch (f) {
    case Func::Add:
      return fn([](Value x, Value b) { return x + b; }, "add");
    case Func::SinExp:
      return fn([](Value x, Value y) { return lanes::sin(x) * y + lanes::exp(-x * x); }, "sinexp");
    case Func::Newton:
      return newton_sqrt_per_element();
    case Func::Outer:
      return fn([](Value v, Value w) { return lanes::sum(lanes::outer(v, v) * w); }, "outer");
  }
  throw InternalError("comparison: unknown function");
}

// The same function written by hand for whole arrays (manual vectorization).
Fn whole_array(Func f) {
  switch (f) {
    case Func::Add:
    case Func::SinExp:
      return per_element(f);  // elementwise: the same code
    case Func::Newton:
      // Masked iterations until no element is active (as jnp code must do it).
      return fn(
          [](Value a) {
            auto [x, step] = while_loop(
                [](Carry c) {
                  return lanes::max(lanes::abs(std::get<1>(c)) - kNewtonRelTol * std::get<0>(c)) >
                         0.0;
                },
                [a](Carry c) {
                  auto [x, step] = c;
                  Value active = lanes::abs(step) > kNewtonRelTol * x;
                  Value next = 0.5 * (x + a / x);
                  return std::make_tuple(where(active, next, x), where(active, next - x, step));
                },
                std::make_tuple(a, a));
            (void)step;
            return x;
          },
          "newton_whole");
    case Func::Outer:
      return fn(
          [](Value v, Value w) {
            Value outer = expand_dims(v, 2) * expand_dims(v, 1);  // batch x K x K
            return lanes::sum(outer * w, {1, 2});
          },
          "outer_whole");
  }
  throw InternalError("comparison: unknown function");
}

InAxes in_axes(Func f) {
  if (f == Func::Add || f == Func::Outer) return {0, none};
  return 0;
}

const JitOptions kJit{.precision = Precision::Precise, .vector_width = 0, .parallel = false};
// The same, with large kernels split over the thread pool (the jit_vmap_pool column).
const JitOptions kJitPool{.precision = Precision::Precise, .vector_width = 0, .parallel = true};

struct Inputs {
  std::vector<double> x, y, w;
  std::size_t n = 0;
  std::vector<Arg> args;  // whole-array arguments, views of x, y, w
  double in_bytes = 0, out_bytes = 0;
};

Inputs make_inputs(Func f, std::size_t n) {
  Inputs in;
  in.n = n;
  const auto len = static_cast<std::int64_t>(n);
  switch (f) {
    case Func::Add:
      in.x = input_x(n);
      in.args = {Array::view(in.x.data(), {len}), kAddB};
      break;
    case Func::SinExp:
      in.x = input_x(n);
      in.y = input_y(n);
      in.args = {Array::view(in.x.data(), {len}), Array::view(in.y.data(), {len})};
      break;
    case Func::Newton:
      in.x = input_a(n);
      in.args = {Array::view(in.x.data(), {len})};
      break;
    case Func::Outer:
      in.x = input_v(n);
      in.w = input_w();
      in.args = {Array::view(in.x.data(), {len, kOuterK}),
                 Array::view(in.w.data(), {kOuterK, kOuterK})};
      break;
  }
  in.in_bytes = 8.0 * static_cast<double>(in.x.size() + in.y.size() + in.w.size());
  in.out_bytes = 8.0 * static_cast<double>(n);
  return in;
}

// Times `run` (which leaves its output in *out) after `warm` and reports the evaluation
// phase's memory.
Result timed(const Inputs& in, const std::function<void()>& warm, const std::function<void()>& run,
             std::vector<double>* out, double budget_s) {
  warm();
  // The warm-up's output, Lanes' cached blocks and freed heap pages go back to the OS, so
  // the baseline holds the inputs only; the timed calls' outputs and temporaries raise
  // the high-water mark.
  std::vector<double>().swap(*out);
  internal::trim_block_cache();
  malloc_trim(0);
  Result r;
  r.base_kib = proc_status_kib("VmRSS");
  reset_hwm();
  r.seconds = measure(run, budget_s);
  r.hwm_kib = proc_status_kib("VmHWM");
  r.in_bytes = in.in_bytes;
  r.out_bytes = in.out_bytes;
  for (double v : *out) {
    r.checksum += v;
    r.abs_checksum += std::fabs(v);
  }
  r.ok = true;
  return r;
}

std::vector<double> to_vector(const Array& a) {
  auto d = a.data<double>();
  return {d.begin(), d.end()};
}

// (a): one jitted call per element, each on freshly made scalar (or row) Arrays.
std::function<void(std::size_t, std::size_t, std::vector<double>*)> element_loop(Func f,
                                                                                 const Inputs& in) {
  Fn jf = jit(per_element(f), kJit);
  return [f, jf, &in](std::size_t lo, std::size_t hi, std::vector<double>* out) {
    for (std::size_t i = lo; i < hi; ++i) {
      Array r;
      switch (f) {
        case Func::Add:
          r = jf(Array::scalar(in.x[i]), kAddB);
          break;
        case Func::SinExp:
          r = jf(Array::scalar(in.x[i]), Array::scalar(in.y[i]));
          break;
        case Func::Newton:
          r = jf(Array::scalar(in.x[i]));
          break;
        case Func::Outer:
          r = jf(Array::view(&in.x[i * kOuterK], {kOuterK}), in.args[1]);
          break;
      }
      (*out)[i] = r.item<double>();
    }
  };
}

}  // namespace

const std::vector<std::string>& lanes_variants() {
  static const std::vector<std::string> v = {"loop",     "eager",         "eager_cpp", "vmap",
                                             "jit_vmap", "jit_vmap_pool", "hand_simd"};
  return v;
}

Result run_lanes_case(const std::string& variant, Func f, std::size_t n, double budget_s) {
  Inputs in = make_inputs(f, n);
  std::vector<double> out(n);
  if (variant == "loop") {
    auto loop = element_loop(f, in);
    // Warm-up on a few elements compiles; the timed runs cover all n.
    // Each pass allocates its output, as the whole-array calls do.
    return timed(
        in, [&] { loop(0, std::min<std::size_t>(n, 16), &out); },
        [&] {
          std::vector<double>().swap(out);
          out.resize(n);
          loop(0, n, &out);
        },
        &out, budget_s);
  }
  if (variant == "hand_simd") {
    if (f != Func::Newton) {
      Result r;
      r.note = "Newton only";
      return r;
    }
    auto run = [&] {
      std::vector<double>().swap(out);
      out = newton_hand_simd(in.x);
    };
    return timed(in, run, run, &out, budget_s);
  }
  if (variant == "eager_cpp") {
    auto run = [&] {
      std::vector<double>().swap(out);  // the previous result is gone before the next
      switch (f) {
        case Func::Add:
          out = add_temporaries(in.x, kAddB);
          break;
        case Func::SinExp:
          out = sinexp_temporaries(in.x, in.y);
          break;
        case Func::Newton:
          out = newton_temporaries(in.x);
          break;
        case Func::Outer:
          out = outer_temporaries(in.x, in.w, n, static_cast<std::size_t>(kOuterK));
          break;
      }
    };
    return timed(in, run, run, &out, budget_s);
  }
  Fn g;
  if (variant == "eager") {
    g = whole_array(f);
  } else if (variant == "vmap") {
    g = vmap(per_element(f), in_axes(f));
  } else if (variant == "jit_vmap") {
    g = jit(vmap(per_element(f), in_axes(f)), kJit);
  } else if (variant == "jit_vmap_pool") {
    g = jit(vmap(per_element(f), in_axes(f)), kJitPool);
  } else {
    Result r;
    r.note = "unknown variant " + variant;
    return r;
  }
  auto run = [&] { out = to_vector(g.call(in.args)); };
  // The copy into `out` (for the checksum) stays outside the timed call.
  Array last;
  auto call = [&] {
    last = Array();  // the previous result is gone before the next
    last = g.call(in.args);
  };
  Result r = timed(in, run, call, &out, budget_s);
  out = to_vector(last);
  r.checksum = r.abs_checksum = 0;
  for (double v : out) {
    r.checksum += v;
    r.abs_checksum += std::fabs(v);
  }
  return r;
}

}  // namespace lanes::bench::comparison
