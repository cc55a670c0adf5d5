// Checks shared by the differential fuzz targets: comparing two sets of outputs (bit for
// bit where a value is exact, within a relative bound where it is inexact), minimising a
// failing Recipe, and reporting a reproducer before aborting.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/fuzz/graph_gen.h"

namespace lanes::fuzz {

// Relative bounds for inexact float outputs: a chain of operations each within a few
// ULPs (docs/precision.md) accumulates error; these bounds are far above that and far
// below a wrong result. The absolute part scales with the largest magnitude involved.
struct Tolerance {
  double f64 = 1e-7;
  double f32 = 2e-3;
};

// nullopt when `got` agrees with `want`; otherwise what differs. Exact outputs must be
// bit-identical (any NaN matches any NaN); inexact float outputs (`inexact`: an Inexact
// level per output) agree within `tol` of f32 for f32 outputs and kInexactF32 values,
// relative to max(1, the largest finite |value| of the output and of `scale_from`), and
// are not compared where either is non-finite; inexact integer and bool outputs (a
// comparison or conversion of an inexact value) and kInexactUnbounded outputs are not
// compared.
std::optional<std::string> compare_outputs(const std::vector<Array>& got,
                                           const std::vector<Array>& want,
                                           const std::vector<int>& inexact,
                                           const std::vector<Array>& scale_from,
                                           Tolerance tol = {});

// A failing check: returns the mismatch for a Recipe, nullopt when it passes.
using Check = std::function<std::optional<std::string>(const Recipe&)>;

// Drops operations and outputs, shrinks the main shape and simplifies the input values
// while `check` still fails; returns the smallest failing Recipe found.
Recipe minimise(Recipe r, const Check& check);

// Minimises, prints the mismatch, the case (recipe, graph text, inputs) and `context`
// (widths, axes, ...) to stderr, and aborts so that libFuzzer records the input.
[[noreturn]] void report_and_abort(const Recipe& r, const Check& check, const std::string& target,
                                   const std::function<std::string(const Recipe&)>& describe);

// The JitOptions::opt_level of a case, drawn from bits 2-4 of a byte the target also
// uses for something else (so that existing corpus files decode as before): 0 (fast
// compiles) in 7 of 8 cases, the default full pipeline (2) in 1 of 8, so that both
// pipelines stay fuzzed while most cases compile fast. LANES_FUZZ_OPT_LEVEL=<0|1|2>
// forces one level (e.g. to measure, or to replay a case at another level).
int draw_opt_level(std::uint8_t byte);

// Runs f; a lanes::Error becomes its message in `error`, other exceptions propagate.
template <class F>
bool run_catching(F&& f, std::string* error) {
  try {
    f();
    return true;
  } catch (const lanes::Error& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace lanes::fuzz
