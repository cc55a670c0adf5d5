// Fuzz target 2: vmap(f) with random in_axes/out_axes agrees with a loop of per-element
// calls of f on slices, stacked along out_axes; both the interpreted vmap (bit for bit
// where values are exact) and jit(vmap(f)) at a forced vector width or the backend's
// own choice (within the inexact bounds of fuzz_check.h; opt_level 0 in 7 of 8 cases,
// else the default 2). The batch size B is drawn from 1..9 and 2W+3 (W >= 8), the
// per-element extent n from 1..4 and (1 in 8) 16..23.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "engine/primitive.h"
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
using Ints = std::vector<std::int64_t>;

struct Setup {
  std::int64_t n = 1;                  // the per-element innermost extent
  std::int64_t batch = 1;              // B
  std::vector<std::uint8_t> in_axes;   // per input: 0 = none, k = axis (k - 1) mod (rank + 1)
  std::vector<std::uint8_t> out_axes;  // per output: axis mod (rank + 1)
  int width = 4;
  int opt_level = 2;
};

Array stack(const std::vector<Array>& xs, std::int64_t axis) {
  std::vector<Array> parts;
  for (const Array& x : xs) {
    Shape s = x.shape();
    s.insert(s.begin() + axis, 1);
    parts.push_back(x.reshaped(s));
  }
  return internal::primitive("concatenate").impl(parts, internal::Params{{"dimension", axis}})[0];
}

// -1 for an unmapped input, else its batch axis.
std::vector<std::int64_t> input_axes(const Recipe& r, const Setup& s) {
  std::vector<std::int64_t> axes;
  bool any = false;
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    std::uint8_t code = i < s.in_axes.size() ? s.in_axes[i] : 1;
    std::int64_t rank = static_cast<std::int64_t>(input_shape(r, i, s.n).size());
    axes.push_back(code % 3 == 0 ? -1 : (code / 3) % (rank + 1));
    any = any || axes.back() >= 0;
  }
  if (!any) axes[0] = 0;
  return axes;
}

struct Batched {
  std::vector<Array> per_element_inputs;  // B * inputs (element-major), unmapped shared
  std::vector<Array> batched;
};

Batched make_batch(const Recipe& r, const Setup& s, const std::vector<std::int64_t>& axes) {
  Batched b;
  std::vector<std::vector<Array>> elems;
  for (std::int64_t k = 0; k < s.batch; ++k) {
    Recipe rk = r;
    rk.value_seed = r.value_seed + static_cast<std::uint32_t>(k) * 7919u;
    elems.push_back(make_inputs(rk, s.n));
  }
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    if (axes[i] < 0) {
      b.batched.push_back(elems[0][i]);
      for (auto& e : elems) e[i] = elems[0][i];
      continue;
    }
    std::vector<Array> col;
    for (auto& e : elems) col.push_back(e[i]);
    b.batched.push_back(stack(col, axes[i]));
  }
  for (auto& e : elems) b.per_element_inputs.insert(b.per_element_inputs.end(), e.begin(), e.end());
  return b;
}

std::optional<std::string> check(const Recipe& r, const Setup& s) {
  std::vector<std::int64_t> axes = input_axes(r, s);
  Batched b = make_batch(r, s, axes);
  BuiltFn f = build_fn(r);
  const std::size_t ni = r.inputs.size();
  std::vector<std::vector<Array>> per;  // per element: outputs
  std::string error;
  for (std::int64_t k = 0; k < s.batch; ++k) {
    std::vector<Arg> args(b.per_element_inputs.begin() + static_cast<std::ptrdiff_t>(k * ni),
                          b.per_element_inputs.begin() + static_cast<std::ptrdiff_t>((k + 1) * ni));
    Outputs o;
    if (!run_catching([&] { o = f.fn.call(args); }, &error)) return skip(error);
    per.push_back(o.arrays());
  }
  std::vector<Axis> in_axes, out_axes;
  for (std::int64_t a : axes) in_axes.push_back(a < 0 ? Axis(none) : Axis(a));
  std::vector<Array> want;
  for (std::size_t j = 0; j < per[0].size(); ++j) {
    std::int64_t rank = per[0][j].rank();
    std::uint8_t code = j < s.out_axes.size() ? s.out_axes[j] : 0;
    std::int64_t axis = code % (rank + 1);
    out_axes.push_back(Axis(axis));
    std::vector<Array> col;
    for (auto& o : per) col.push_back(o[j]);
    want.push_back(stack(col, axis));
  }
  Fn v = vmap(f.fn, AxisSpec(in_axes), AxisSpec(out_axes));
  std::vector<Arg> args(b.batched.begin(), b.batched.end());
  Outputs got;
  if (!run_catching([&] { got = v.call(args); }, &error)) {
    return "vmap threw where the per-element calls did not: " + error;
  }
  if (auto m = compare_outputs(got.arrays(), want, *f.inexact, b.batched)) return "vmap: " + *m;
  Outputs jgot;
  if (!run_catching(
          [&] { jgot = jit(v, {.vector_width = s.width, .opt_level = s.opt_level}).call(args); },
          &error)) {
    return "jit(vmap) threw where the per-element calls did not: " + error;
  }
  if (auto m = compare_outputs(jgot.arrays(), want, *f.inexact, b.batched))
    return "jit(vmap): " + *m;
  return std::nullopt;
}

std::string describe(const Recipe& r, const Setup& s) {
  std::ostringstream os;
  std::vector<std::int64_t> axes = input_axes(r, s);
  os << "batch=" << s.batch << " n=" << s.n << " jit vector_width=" << s.width
     << " opt_level=" << s.opt_level << " in_axes=[";
  for (std::int64_t a : axes) os << (a < 0 ? std::string("none") : std::to_string(a)) << " ";
  os << "] out_axes codes=[";
  for (std::uint8_t a : s.out_axes) os << int(a) << " ";
  os << "] (output j's axis = code mod (rank_j + 1))\nper-element case, element 0:\n"
     << describe_case(r, make_inputs(r, s.n));
  return os.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  // 0: the width the backend picks (with SIMD along a reduction loop where the batch
  // would gather: codegen/cpu/inner_vectorization.h, which needs n >= 16).
  static const int kWidths[] = {0, 1, 2, 4, 8};
  Setup s;
  const std::uint8_t wsel = in.byte();
  s.width = kWidths[wsel % 5];
  s.opt_level = draw_opt_level(wsel);
  std::uint8_t bsel = in.byte();
  s.batch = bsel % 10 == 9 ? 2 * std::max(s.width, 8) + 3 : 1 + bsel % 10;
  const std::uint8_t nsel = in.byte();
  s.n = nsel % 8 == 7 ? 16 + nsel / 8 % 8 : 1 + nsel % 4;
  for (int i = 0; i < 3; ++i) s.in_axes.push_back(in.byte());
  for (int i = 0; i < 3; ++i) s.out_axes.push_back(in.byte());
  Recipe r = decode_recipe(in, Flavor::Any);
  Check c = [&](const Recipe& x) { return check(x, s); };
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", describe(r, s).c_str());
  if (c(r)) report_and_abort(r, c, "vmap_fuzz", [&](const Recipe& x) { return describe(x, s); });
  return 0;
}
