// The comparison benchmark (the seed article's figure), as a tool, not a test.
//
// For f = x + b, sin(x) * y + exp(-x*x), Newton's sqrt in a while_loop, and the
// large-intermediate sum(outer(v, v) * W), at n = 10^3, 10^5, 10^6 (batch 1024 for the
// last): (a) a host loop calling jit(f) once per element, (b) manual vectorization (eager
// whole-array Lanes ops; plain C++ with a std::vector temporary per op), (c) vmap(f)
// without jit, (d) jit(vmap(f)), and two outside peers on the same functions: numpy
// (bench/comparison_numpy.py under /usr/bin/python3) and a Halide 14 pipeline
// (lanes-bench-comparison-halide, built when Halide is installed: tools/setup_bench.sh).
// Also value_and_grad(f) time over f time, when lanes::value_and_grad exists.
//
// Every case runs in its own child process (this binary with --child, the Halide binary,
// or the numpy script), so its RSS high-water mark is its own; children reset VmHWM after
// warm-up so the peak is the evaluation's. Medians of repeats; single thread, except the
// column of jit(vmap(f)) on the thread pool. A hand-written Highway loop gives Newton's
// ceiling.
//
//   ./build/bench/lanes-bench-comparison [--quick] [--loop-max-n N] [--budget SECONDS]
//       [--doc docs/benchmarks.md] [--svg docs/benchmarks-comparison.svg]
#include <lanes/error.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "comparison_lanes.h"
#include "comparison_report.h"
#include "doc_section.h"

namespace lanes::bench::comparison {
namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs a child command and parses its RESULT line (or its SKIP line into the note).
Result run_child(const std::string& command) {
  Result r;
  std::FILE* p = ::popen(command.c_str(), "r");
  if (!p) {
    r.note = "could not start";
    return r;
  }
  char buf[1024];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (parse_result(line, &r)) continue;
    if (line.rfind("SKIP ", 0) == 0) r.note = line.substr(5);
  }
  int status = ::pclose(p);
  if (!r.ok && r.note.empty()) r.note = "failed (status " + std::to_string(status) + ")";
  return r;
}

std::string read_first(const char* path, const char* key) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (!key) return line;
    if (line.rfind(key, 0) == 0) {
      auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  }
  return "?";
}

struct Options {
  bool quick = false;
  std::size_t loop_max_n = 1000000;
  double budget = 1.0;
  std::string doc, svg, python = "/usr/bin/python3";
  std::string command;  // as typed, for the doc
};

int child_main(int argc, char** argv) {
  // --child VARIANT FUNC N BUDGET
  if (argc < 6) {
    std::cerr << "usage: --child VARIANT FUNC N BUDGET\n";
    return 2;
  }
  std::string variant = argv[2], func = argv[3];
  std::size_t n = std::strtoull(argv[4], nullptr, 10);
  double budget = std::atof(argv[5]);
  try {
    Result r;
    Func f;
    if (func == "sinexp_loss" || func == "mlp") {
      r = run_grad_case(func, variant, n, budget);
    } else if (parse_func(func, &f)) {
      r = run_lanes_case(variant, f, n, budget);
    } else {
      std::cerr << "unknown function " << func << "\n";
      return 2;
    }
    if (!r.ok) {
      std::cout << "SKIP " << r.note << "\n";
      return 3;
    }
    std::cout << format_result(r) << "\n";
  } catch (const Error& e) {
    std::cerr << "comparison child " << variant << " " << func << " " << n << ": " << e.what()
              << "\n";
    std::cout << "SKIP error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int driver_main(const Options& o) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  const std::filesystem::path halide = self.parent_path() / "lanes-bench-comparison-halide";
  const std::string numpy_script = std::string(LANES_BENCH_SOURCE_DIR) + "/comparison_numpy.py";
  const bool have_halide = std::filesystem::exists(halide);
  if (!have_halide) {
    std::cerr << "Halide 14 peer not built (libhalide14-0-dev absent at configure time; "
                 "tools/setup_bench.sh installs it): skipping it\n";
  }
  const std::string load_before = read_first("/proc/loadavg", nullptr);
  const std::string budget = std::to_string(o.budget);

  std::vector<std::size_t> sizes = o.quick ? std::vector<std::size_t>{1000, 100000}
                                           : std::vector<std::size_t>{1000, 100000, 1000000};
  std::vector<Row> rows;
  for (Func f : {Func::Add, Func::SinExp, Func::Newton, Func::Outer}) {
    std::vector<std::size_t> ns =
        f == Func::Outer ? std::vector<std::size_t>{static_cast<std::size_t>(kOuterBatch)} : sizes;
    for (std::size_t n : ns) {
      Row row{f, n, {}};
      const std::string args = std::string(func_name(f)) + " " + std::to_string(n) + " " + budget;
      for (const std::string& v : lanes_variants()) {
        if (v == "loop" && f != Func::Outer && n > o.loop_max_n) {
          row.results[v].note = "n > --loop-max-n";
          continue;
        }
        if (v == "hand_simd" && f != Func::Newton) continue;  // the while loop's ceiling only
        row.results[v] = run_child(quote(self.string()) + " --child " + v + " " + args);
      }
      row.results["numpy"] = run_child(quote(o.python) + " " + quote(numpy_script) + " " + args);
      if (have_halide) {
        row.results["halide"] = run_child(quote(halide.string()) + " " + args);
      } else {
        row.results["halide"].note = "not built";
      }
      std::cerr << "done: " << func_label(f) << " n=" << n << "\n";
      rows.push_back(std::move(row));
    }
  }

  // value_and_grad over f.
  std::string grad_md;
  if (have_grad()) {
    std::ostringstream g;
    g << "Both jitted (`parallel = false`); n is the array length (the batch for the "
         "MLP).\n\n| loss | n | jit(f) | jit(value_and_grad(f)) | ratio |\n|---|---|---|---|---|\n";
    struct G {
      const char* which;
      const char* label;
      std::size_t n;
    };
    for (G c :
         {G{"sinexp_loss", "sum(sin(x) * y + exp(-x*x)), grad wrt x", o.quick ? 100000u : 1000000u},
          G{"mlp", "MLP loss (16-32-1, tanh, MSE), grad wrt all weights", 256u}}) {
      const std::string args = std::string(c.which) + " " + std::to_string(c.n) + " " + budget;
      Result f = run_child(quote(self.string()) + " --child f " + args);
      Result vg = run_child(quote(self.string()) + " --child vg " + args);
      g << "| " << c.label << " | " << c.n << " | "
        << (f.ok ? format_time(f.seconds) : "— (" + f.note + ")") << " | "
        << (vg.ok ? format_time(vg.seconds) : "— (" + vg.note + ")") << " | ";
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2fx", vg.seconds / f.seconds);
      g << (f.ok && vg.ok ? buf : "—");
      // value_and_grad's value must be f's value (the checksum is the loss).
      if (f.ok && vg.ok && std::fabs(f.checksum - vg.checksum) > 1e-9 * std::fabs(f.checksum)) {
        g << " (values differ!)";
      }
      g << " |\n";
    }
    grad_md = g.str();
  }

  // The large-intermediate case in words: fused against unfused working memory.
  std::ostringstream mem;
  for (const Row& row : rows) {
    if (row.func != Func::Outer) continue;
    const Result& any = row.results.at("jit_vmap");
    double io = any.in_bytes + any.out_bytes;
    char sizes_buf[160];
    std::snprintf(sizes_buf, sizeof sizes_buf,
                  "inputs + outputs = %.2f MiB; the batch's outer products alone would be "
                  "%.0f MiB",
                  io / (1024.0 * 1024.0),
                  static_cast<double>(row.n * kOuterK * kOuterK * 8) / (1024.0 * 1024.0));
    mem << "Large intermediate, `sum(outer(v, v) * W)`, batch " << row.n << ", v of length "
        << kOuterK << ": " << sizes_buf
        << ". Working memory of the evaluation (inputs plus the growth of the RSS "
           "high-water mark above the resident baseline), relative to inputs + outputs:\n\n";
    for (const auto& v : all_variants()) {
      auto it = row.results.find(v);
      if (it == row.results.end() || !it->second.ok) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf, "- %s: %.1f MiB, **%.2fx**\n", variant_label(v).c_str(),
                    working_bytes(it->second) / (1024.0 * 1024.0), working_bytes(it->second) / io);
      mem << buf;
    }
  }

  std::vector<Row> chart_rows;
  for (const Row& row : rows) {
    if (row.func == Func::Outer || row.n == sizes.back()) chart_rows.push_back(row);
  }
  std::string svg =
      bar_chart_svg(chart_rows, "Time relative to jit(vmap(f)), n = 10^" +
                                    std::to_string(static_cast<int>(std::log10(sizes.back()))) +
                                    " (outer: batch " + std::to_string(kOuterBatch) +
                                    "), one thread unless marked thread pool, f64");

  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::ostringstream md;
  md << "## Comparison: per-element loop, manual vectorization, vmap, jit(vmap) "
        "(bench/comparison_bench.cpp)\n\n";
  md << "Produced by `" << o.command
     << "` (configure with `-DLANES_BUILD_BENCH=ON`; peers "
        "from `tools/setup_bench.sh`), on "
     << date << ", " << read_first("/proc/cpuinfo", "model name") << ", "
     << sysconf(_SC_NPROCESSORS_ONLN) << " cores; load average before: " << load_before
     << "; after: " << read_first("/proc/loadavg", nullptr) << ".\n\n";
  md << "Each cell is the median time of one call over the whole input (of the whole "
        "per-element loop for (a)), and in parentheses its ratio to (d) jit(vmap(f)). "
        "One thread everywhere (jit with `parallel = false`) except the column **(d) "
        "jit(vmap(f)), thread pool** (`parallel = true`: kernels over 2^16 points of work "
        "split into chunks on the pool's "
     << std::thread::hardware_concurrency()
     << " threads), f64, precise math (<= 1 ULP) "
        "for Lanes; numpy and Halide use their own math. Every case runs in its own child "
        "process; the checksums of all columns are compared with (d).\n\n";
  md << "- (a) host loop: `jit(f)` called once per element on fresh scalar `Array`s (a row "
        "view for the outer case): the article's Python loop.\n"
        "- (b) eager Lanes ops: the whole-array function run by the interpreter, one "
        "temporary per operation (Newton: masked iterations until no element is active).\n"
        "- (b) C++ vector temporaries: the same whole-array code in plain C++ (-O3 "
        "-march=native, <cmath>), one `std::vector` per operation.\n"
        "- (c) `vmap(f)` without jit: the interpreter on the batched graph.\n"
        "- (d) `jit(vmap(f))`: one fused SIMD kernel, lanes = batch elements; once on "
        "one thread, once on the thread pool.\n"
        "- hand SIMD (Highway): Newton written by hand with Highway at the host's native "
        "width (-O3 -march=native), masked updates, four vectors in flight: the ceiling "
        "for the while loop (bitwise the same results).\n"
        "- numpy: the same whole-array code (Debian "
     << read_first("/etc/debian_version", nullptr) << "'s python3-numpy under " << o.python
     << "; time.perf_counter, medians).\n"
        "- Halide 14: a pipeline JIT-compiled with its default schedule plus "
        "`vectorize` by the natural f64 width; Newton is unrolled to "
     << kNewtonHalideIters << " masked iterations (Halide has no data-dependent loop).\n\n";
  md << "**Noise:** unless stated otherwise these numbers come from a shared 2-core machine "
        "on which other jobs were compiling; ratios between columns of one row are more "
        "reliable than absolute times. Rerun on a quiet machine for publication.\n\n";
  md << "### Time\n\n" << time_table(rows) << "\n" << loop_ratio_summary(rows) << "\n";
  md << "![Relative times, log scale](benchmarks-comparison.svg)\n\n";
  md << "### Peak memory\n\nEach cell: the child's RSS high-water mark during the timed runs "
        "(reset after warm-up and JIT compilation, so it includes the process baseline: "
        "libraries, compiled code, inputs), and the working memory (inputs + growth of the "
        "high-water mark) relative to inputs + outputs.\n\n"
     << memory_table(rows) << "\n"
     << mem.str() << "\n";
  if (!grad_md.empty()) {
    md << "### value_and_grad over f\n\n" << grad_md << "\n";
  } else {
    md << "### value_and_grad over f\n\nNot measured: `lanes::value_and_grad` was not "
          "available when this binary was built.\n\n";
  }
  std::string mismatches = checksum_report(rows);
  md << "### Checksums\n\n"
     << (mismatches.empty() ? "Every column's checksum agrees with jit(vmap(f)) (relative "
                              "1e-9).\n"
                            : "Disagreements with jit(vmap(f)):\n\n" + mismatches);

  std::cout << md.str();
  if (!o.svg.empty()) std::ofstream(o.svg) << svg;
  if (!o.doc.empty() && !write_doc_section(o.doc, "comparison", md.str())) {
    std::cerr << "could not write " << o.doc << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace lanes::bench::comparison

int main(int argc, char** argv) {
  using namespace lanes::bench::comparison;
  if (argc > 1 && !std::strcmp(argv[1], "--child")) return child_main(argc, argv);
  Options o;
  o.command = argv[0];
  for (int i = 1; i < argc; ++i) {
    o.command += std::string(" ") + argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << argv[i] << " needs a value\n";
        std::exit(2);
      }
      o.command += std::string(" ") + argv[i + 1];
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--quick")) {
      o.quick = true;
    } else if (!std::strcmp(argv[i], "--loop-max-n")) {
      o.loop_max_n = std::strtoull(next().c_str(), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--budget")) {
      o.budget = std::atof(next().c_str());
    } else if (!std::strcmp(argv[i], "--doc")) {
      o.doc = next();
    } else if (!std::strcmp(argv[i], "--svg")) {
      o.svg = next();
    } else if (!std::strcmp(argv[i], "--python")) {
      o.python = next();
    } else {
      std::cerr << "unknown option " << argv[i] << "\n";
      return 2;
    }
  }
  if (o.quick) o.budget = std::min(o.budget, 0.3);
  return driver_main(o);
}
