// The functions and inputs of the comparison benchmark (the seed article's figure), shared
// by the Lanes child, the Halide peer and (re-implemented identically) the numpy script.
//
// Inputs come from golden-ratio sequences, frac(i * g), so that C++ and numpy produce the
// same bits without sharing a random generator, and every peer's checksum can be compared.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace lanes::bench::comparison {

// f(x, b) = x + b; f(x, y) = sin(x) * y + exp(-x*x); Newton's sqrt(a) in a while loop
// (data-dependent trip count); f(v, W) = sum(outer(v, v) * W) with v of length 256.
enum class Func { Add, SinExp, Newton, Outer };

inline constexpr double kAddB = 2.0;
inline constexpr std::int64_t kOuterK = 256;       // length of v; W is kOuterK x kOuterK
inline constexpr std::int64_t kOuterBatch = 1024;  // the batch of the large-intermediate case
// Newton stops when the step is below this fraction of the iterate.
inline constexpr double kNewtonRelTol = 1e-12;
// The fixed, unrolled iteration count of the Halide peer (Halide has no data-dependent
// loop); 12 covers every a in [0.5, 100.5] from x0 = a (the checksums confirm it).
inline constexpr int kNewtonHalideIters = 12;

inline const char* func_name(Func f) {
  switch (f) {
    case Func::Add:
      return "add";
    case Func::SinExp:
      return "sinexp";
    case Func::Newton:
      return "newton";
    case Func::Outer:
      return "outer";
  }
  return "?";
}

inline const char* func_label(Func f) {
  switch (f) {
    case Func::Add:
      return "x + b";
    case Func::SinExp:
      return "sin(x) * y + exp(-x*x)";
    case Func::Newton:
      return "Newton sqrt (while_loop)";
    case Func::Outer:
      return "sum(outer(v, v) * W)";
  }
  return "?";
}

inline bool parse_func(const std::string& s, Func* f) {
  for (Func c : {Func::Add, Func::SinExp, Func::Newton, Func::Outer}) {
    if (s == func_name(c)) {
      *f = c;
      return true;
    }
  }
  return false;
}

// frac(i * g + offset): in [0, 1), identical bits in numpy (np.arange(n) * g + offset).
inline std::vector<double> golden(std::size_t n, double g, double offset = 0.0) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    double t = static_cast<double>(i) * g + offset;
    v[i] = t - std::floor(t);
  }
  return v;
}
inline constexpr double kG1 = 0.6180339887498949;
inline constexpr double kG2 = 0.7548776662466927;

// x in [-3, 3) for add/sinexp.
inline std::vector<double> input_x(std::size_t n) {
  std::vector<double> v = golden(n, kG1);
  for (double& e : v) e = 6.0 * e - 3.0;
  return v;
}
// y in [-3, 3) for sinexp.
inline std::vector<double> input_y(std::size_t n) {
  std::vector<double> v = golden(n, kG2, 0.5);
  for (double& e : v) e = 6.0 * e - 3.0;
  return v;
}
// a in [0.5, 100.5) for Newton.
inline std::vector<double> input_a(std::size_t n) {
  std::vector<double> v = golden(n, kG1);
  for (double& e : v) e = 100.0 * e + 0.5;
  return v;
}
// V: batch x K row-major, entries in [-0.5, 0.5).
inline std::vector<double> input_v(std::size_t batch) {
  std::vector<double> v = golden(batch * kOuterK, kG1);
  for (double& e : v) e -= 0.5;
  return v;
}
// W: K x K row-major, entries in [-0.5, 0.5).
inline std::vector<double> input_w() {
  std::vector<double> v = golden(kOuterK * kOuterK, kG2);
  for (double& e : v) e -= 0.5;
  return v;
}

// One measured case, as a child process reports it on stdout (one line).
struct Result {
  bool ok = false;
  double seconds = 0;       // median per call
  double hwm_kib = 0;       // VmHWM of the evaluation phase (reset after warm-up)
  double base_kib = 0;      // VmRSS just before the evaluation phase (inputs resident)
  double in_bytes = 0;      // bytes of the inputs
  double out_bytes = 0;     // bytes of the outputs
  double checksum = 0;      // sum of the outputs
  double abs_checksum = 0;  // sum of |outputs|: the scale for comparing checksums
  std::string note;         // why a case did not run
};

inline std::string format_result(const Result& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "RESULT %.9g %.0f %.0f %.0f %.0f %.17g %.17g", r.seconds,
                r.hwm_kib, r.base_kib, r.in_bytes, r.out_bytes, r.checksum, r.abs_checksum);
  return buf;
}

inline bool parse_result(const std::string& line, Result* r) {
  if (line.rfind("RESULT ", 0) != 0) return false;
  int got = std::sscanf(line.c_str() + 7, "%lf %lf %lf %lf %lf %lf %lf", &r->seconds, &r->hwm_kib,
                        &r->base_kib, &r->in_bytes, &r->out_bytes, &r->checksum, &r->abs_checksum);
  r->ok = got == 7;
  return r->ok;
}

// Memory of this process from /proc/self/status, in KiB (0 if absent).
inline double proc_status_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t len = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, len, key) == 0 && line.size() > len && line[len] == ':') {
      return std::atof(line.c_str() + len + 1);
    }
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0: "5" to clear_refs), so the high-water
// mark covers only the evaluation, not start-up or JIT compilation. False if refused.
inline bool reset_hwm() {
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

// Median seconds per call of f: one pilot call calibrates how many calls make one timed
// run (>= 1 ms) and how many runs fit in `budget_s` (3 to 51 runs).
double measure(const std::function<void()>& f, double budget_s = 1.0);

}  // namespace lanes::bench::comparison
