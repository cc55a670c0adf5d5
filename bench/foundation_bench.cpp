// The foundation benchmark (issue: jit through LLVM ORC to fused SIMD kernels).
//
// Side by side, single thread, f64, n = 1e3, 1e5, 1e7, median of repeats:
//   jit(f) in precise and fast mode, against a -O3 -march=native scalar <cmath> loop,
//   hand-written Highway SIMD loops of the same accuracy class (SLEEF u10 for precise;
//   the fastest of SLEEF u35, libmvec and Highway contrib math for fast), and the eager
//   interpreter. Also compile latency (median of 20 fresh compiles) and the dispatch
//   overhead of a cached jitted call on scalars. Full reductions (sum(x * x), sum(sin(x)))
//   against a hand SIMD loop with per-lane accumulators, one thread each, and jit on the
//   thread pool. Prints a markdown table of ratios;
//   `--out FILE` also writes it to FILE; `--doc FILE` writes it as this benchmark's section
//   of FILE (docs/benchmarks.md), keeping the other benchmarks' sections.
//
//   ./build/bench/lanes-bench-foundation [--quick] [--reductions] [--dispatch] [--out FILE] [--doc docs/benchmarks.md]
//   (--reductions: only the reduction table; --dispatch: only the dispatch overhead)
#include "bench_util.h"
#include "doc_section.h"
#include "hand_loops.h"
#include "hand_reductions.h"
#include "engine/compile_cache.h"

#include <lanes/lanes.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <span>
#include <sstream>

namespace lanes::bench {
namespace {

struct Case {
  Func func;
  const char* name;
  Fn fn;
};

std::vector<Case> cases() {
  return {
      {Func::Add, "x + y", lanes::fn([](Value x, Value y) { return x + y; })},
      {Func::SinExp, "sin(x) * y + exp(-x*x)",
       lanes::fn([](Value x, Value y) { return lanes::sin(x) * y + lanes::exp(-x * x); })},
      {Func::TanhLog1p, "tanh(x) * log1p(x*x)", lanes::fn([](Value x, Value y) {
         (void)y;
         return lanes::tanh(x) * lanes::log1p(x * x);
       })},
  };
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace
}  // namespace lanes::bench

int main(int argc, char** argv) {
  using namespace lanes;
  using namespace lanes::bench;
  bool quick = false, reductions_only = false, dispatch_only = false;
  std::string out_file, doc_file, command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];  // for the doc
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--reductions")) reductions_only = true;
    if (!std::strcmp(argv[i], "--dispatch")) dispatch_only = true;
    if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_file = argv[++i];
    if (!std::strcmp(argv[i], "--doc") && i + 1 < argc) doc_file = argv[++i];
  }
  std::vector<std::size_t> sizes = quick ? std::vector<std::size_t>{1000, 100000}
                                         : std::vector<std::size_t>{1000, 100000, 10000000};
  std::ostringstream md;
  md << "| f | n | scalar -O3 | hand SIMD precise | jit precise | jit precise / hand | "
        "hand SIMD fast (best) | jit fast | jit fast / hand | scalar / jit precise | "
        "interpreter / jit precise |\n";
  md << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-3.0, 3.0);
  JitOptions precise{.precision = Precision::Precise, .vector_width = 0, .parallel = false};
  JitOptions fast{.precision = Precision::Fast, .vector_width = 0, .parallel = false};
  try {
    const bool elementwise = !reductions_only && !dispatch_only;
    for (const Case& c : elementwise ? cases() : std::vector<Case>{}) {
      Fn jp = jit(c.fn, precise);
      Fn jf = jit(c.fn, fast);
      for (std::size_t n : sizes) {
        std::vector<double> xv(n), yv(n);
        for (std::size_t i = 0; i < n; ++i) {
          xv[i] = dist(rng);
          yv[i] = dist(rng);
        }
        // The peers write into the kind of buffer jit returns (Lanes' allocator: large
        // blocks start half a page in, runtime/block_cache.h), so both sides see the same
        // 4K-aliasing relation to the malloc'd inputs.
        Array out_array = Array::empty(DType::F64, {static_cast<std::int64_t>(n)});
        std::span<double> out(static_cast<double*>(out_array.raw()), n);
        Array x = Array::view(xv.data(), {static_cast<std::int64_t>(n)});
        Array y = Array::view(yv.data(), {static_cast<std::int64_t>(n)});
        int reps = repeats_for(n), inner = inner_for(n);
        double t_scalar = time_median([&] { scalar_loop(c.func, xv.data(), yv.data(), out.data(), n); }, reps, inner);
        double t_hand_precise = time_median(
            [&] { simd_loop(c.func, Provider::SleefU10, xv.data(), yv.data(), out.data(), n); }, reps, inner);
        double t_hand_fast = 1e30;
        std::string best;
        for (Provider p : {Provider::SleefU35, Provider::Libmvec, Provider::HighwayMath}) {
          double t = time_median([&] { simd_loop(c.func, p, xv.data(), yv.data(), out.data(), n); }, reps, inner);
          if (t < t_hand_fast) {
            t_hand_fast = t;
            best = provider_name(p);
          }
        }
        double t_jp = time_median([&] { (void)jp(x, y); }, reps, inner);
        double t_jf = time_median([&] { (void)jf(x, y); }, reps, inner);
        double t_interp = time_median([&] { (void)c.fn(x, y); }, std::max(3, reps / 10), 1);
        md << "| " << c.name << " | " << n << " | " << fmt("%.2f ns/el", 1e9 * t_scalar / n) << " | "
           << fmt("%.2f ns/el", 1e9 * t_hand_precise / n) << " | " << fmt("%.2f ns/el", 1e9 * t_jp / n)
           << " | " << fmt("%.2fx", t_jp / t_hand_precise) << " | "
           << fmt("%.2f ns/el", 1e9 * t_hand_fast / n) << " (" << best << ") | "
           << fmt("%.2f ns/el", 1e9 * t_jf / n) << " | " << fmt("%.2fx", t_jf / t_hand_fast) << " | "
           << fmt("%.1fx", t_scalar / t_jp) << " | " << fmt("%.1fx", t_interp / t_jp) << " |\n";
        std::cerr << "done: " << c.name << " n=" << n << "\n";
      }
    }

    // Full reductions along the vector axis (engine/lower/split_reduction.h).
    md << "\n| reduction | n | scalar -O3 | hand SIMD (1 thread) | jit precise (1 thread) | "
          "jit / hand | jit precise (thread pool) | hand / jit pool |\n"
          "|---|---|---|---|---|---|---|---|\n";
    struct ReduceCase {
      ReduceFunc func;
      const char* name;
      Fn fn;
    };
    std::vector<ReduceCase> reductions = {
        {ReduceFunc::SumSquares, "sum(x * x)", lanes::fn([](Value x) { return lanes::sum(x * x); })},
        {ReduceFunc::SumSin, "sum(sin(x))", lanes::fn([](Value x) { return lanes::sum(lanes::sin(x)); })},
    };
    JitOptions pooled = precise;
    pooled.parallel = true;
    if (dispatch_only) reductions.clear();
    for (const ReduceCase& c : reductions) {
      Fn j1 = jit(c.fn, precise);
      Fn jpool = jit(c.fn, pooled);
      for (std::size_t n : sizes) {
        std::vector<double> xv(n);
        for (double& v : xv) v = dist(rng);
        Array x = Array::view(xv.data(), {static_cast<std::int64_t>(n)});
        int reps = repeats_for(n), inner = inner_for(n);
        volatile double sink = 0;
        double t_scalar = time_median([&] { sink = scalar_reduce(c.func, xv.data(), n); }, reps, inner);
        double t_hand = time_median([&] { sink = simd_reduce(c.func, xv.data(), n); }, reps, inner);
        double t_j1 = time_median([&] { (void)j1(x); }, reps, inner);
        double t_jpool = time_median([&] { (void)jpool(x); }, reps, inner);
        (void)sink;
        md << "| " << c.name << " | " << n << " | " << fmt("%.3f ns/el", 1e9 * t_scalar / n)
           << " | " << fmt("%.3f ns/el", 1e9 * t_hand / n) << " | "
           << fmt("%.3f ns/el", 1e9 * t_j1 / n) << " | " << fmt("%.2fx", t_j1 / t_hand) << " | "
           << fmt("%.3f ns/el", 1e9 * t_jpool / n) << " | " << fmt("%.2fx", t_hand / t_jpool)
           << " |\n";
        std::cerr << "done: " << c.name << " n=" << n << "\n";
      }
    }

    // Compile latency: a fresh Fn each time, with the compile cache keeping nothing alive
    // (else the process-wide LRU cache would hand back the previous Fn's code); first
    // call minus a cached call of the same Fn isolates tracing + passes + codegen + JIT.
    const std::size_t cache_capacity = lanes::internal::set_compile_cache_capacity(0);
    md << "\n| f | compile latency (median of 20) |\n|---|---|\n";
    Array x1 = Array::from(std::vector<double>{0.5, 0.25, 0.125});
    for (const Case& c : elementwise ? cases() : std::vector<Case>{}) {
      std::vector<double> t;
      for (int r = 0; r < 20; ++r) {
        Fn fresh = jit(lanes::fn([&](Value a, Value b) { return c.fn(a, b); }), precise);
        double t0 = now_seconds();
        (void)fresh(x1, 2.0);
        double t1 = now_seconds();
        (void)fresh(x1, 2.0);
        double t2 = now_seconds();
        t.push_back((t1 - t0) - (t2 - t1));
      }
      md << "| " << c.name << " | " << fmt("%.2f ms", 1e3 * median(t)) << " |\n";
    }
    lanes::internal::set_compile_cache_capacity(cache_capacity);

    // Dispatch overhead: a cached jitted call on scalars (including output allocation).
    Fn add = jit(lanes::fn([](Value a, Value b) { return a + b; }), precise);
    Array s1 = Array::scalar(1.0), s2 = Array::scalar(2.0);
    double t_dispatch = time_median([&] { (void)add(s1, s2); }, 31, 10000);
    md << "\n| cached jitted call on scalars (x + y) | " << fmt("%.3f us", 1e6 * t_dispatch)
       << " |\n|---|---|\n";
  } catch (const Error& e) {
    std::cerr << "benchmark failed: " << e.what() << "\n";
    return 1;
  }
  std::cout << md.str();
  if (!out_file.empty()) std::ofstream(out_file) << md.str();
  if (!doc_file.empty()) {
    std::string section =
        "## Foundation: jit against hand-written loops (bench/foundation_bench.cpp)\n\n"
        "Produced by `" + command + "`.\n\n" + md.str();
    if (!write_doc_section(doc_file, "foundation", section)) {
      std::cerr << "could not write " << doc_file << "\n";
      return 1;
    }
  }
  return 0;
}
