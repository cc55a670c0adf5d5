// Fuzz target 1: on random well-typed graphs, jit agrees with the reference interpreter
// (exact values bit for bit, inexact ones within fuzz_check.h's bounds), at a forced
// vector width W in {1, 2, 4, 8, 16} or the backend's own choice (then W = 8 for the
// sizes), and an innermost extent around it (W-1, W, W+1, 2W+3), in both precision modes, at opt_level 0 (7 in 8 cases) or the default 2. A
// lanes::Error from jit where the interpreter succeeds is a mismatch too; a case the
// interpreter rejects is skipped.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/graph_gen.h"

namespace {

using namespace lanes;
using namespace lanes::fuzz;

// A case the reference rejects (or that cannot be checked) passes; LANES_FUZZ_VERBOSE
// says why, to keep an eye on how many cases are really checked.
std::optional<std::string> skip(const std::string& why) {
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "skipped: %s\n", why.c_str());
  return std::nullopt;
}

struct Setup {
  JitOptions options;
  std::int64_t n = 1;
};

std::optional<std::string> check(const Recipe& r, const Setup& s) {
  std::vector<Array> inputs = make_inputs(r, s.n);
  std::vector<Arg> args(inputs.begin(), inputs.end());
  BuiltFn f = build_fn(r);
  Outputs want, got;
  std::string error;
  if (!run_catching([&] { want = f.fn.call(args); }, &error)) return skip(error);
  if (!run_catching([&] { got = jit(f.fn, s.options).call(args); }, &error)) {
    return "jit threw where the interpreter did not: " + error;
  }
  return compare_outputs(got.arrays(), want.arrays(), *f.inexact, inputs);
}

std::string describe(const Recipe& r, const Setup& s) {
  std::ostringstream os;
  os << "vector_width=" << s.options.vector_width << " n=" << s.n
     << " precision=" << (s.options.precision == Precision::Fast ? "fast" : "precise")
     << " opt_level=" << s.options.opt_level << "\n"
     << describe_case(r, make_inputs(r, s.n));
  return os.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  // 0: the width the backend picks (the host's, wider for loops, or SIMD along a
  // reduction loop: codegen/cpu/inner_vectorization.h), sized around 8 lanes.
  static const int kWidths[] = {0, 1, 2, 4, 8, 16};
  Setup s;
  s.options.vector_width = kWidths[in.byte() % 6];
  const int w = s.options.vector_width == 0 ? 8 : s.options.vector_width;
  const std::int64_t sizes[] = {w - 1, w, w + 1, 2 * w + 3};
  s.n = std::max<std::int64_t>(1, sizes[in.byte() % 4]);
  const std::uint8_t mode = in.byte();
  s.options.precision = mode % 4 == 0 ? Precision::Fast : Precision::Precise;
  s.options.opt_level = draw_opt_level(mode);
  Recipe r = decode_recipe(in, Flavor::Any);
  Check c = [&](const Recipe& x) { return check(x, s); };
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", describe(r, s).c_str());
  if (c(r))
    report_and_abort(r, c, "jit_vs_interp_fuzz", [&](const Recipe& x) { return describe(x, s); });
  return 0;
}
