// Output comparison, minimisation and reproducer reporting for the fuzz targets.
#include "tests/fuzz/fuzz_check.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace lanes::fuzz {

namespace {

double max_finite_abs(const Array& a) {
  double m = 0;
  if (!is_float(a.dtype()) && !is_int(a.dtype())) return m;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    double v = a.element_as_double(i);
    if (std::isfinite(v)) m = std::max(m, std::fabs(v));
  }
  return m;
}

bool same_bits(const Array& a, const Array& b, std::int64_t i) {
  const std::size_t s = dtype_size(a.dtype());
  const auto* pa = static_cast<const unsigned char*>(a.raw()) + static_cast<std::size_t>(i) * s;
  const auto* pb = static_cast<const unsigned char*>(b.raw()) + static_cast<std::size_t>(i) * s;
  if (a.dtype() == DType::Bool) return (*pa != 0) == (*pb != 0);
  return std::memcmp(pa, pb, s) == 0;
}

}  // namespace

std::optional<std::string> compare_outputs(const std::vector<Array>& got,
                                           const std::vector<Array>& want,
                                           const std::vector<int>& inexact,
                                           const std::vector<Array>& scale_from, Tolerance tol) {
  if (got.size() != want.size()) {
    return "output count " + std::to_string(got.size()) + ", expected " +
           std::to_string(want.size());
  }
  double input_scale = 1;
  for (const Array& a : scale_from) input_scale = std::max(input_scale, max_finite_abs(a));
  for (std::size_t k = 0; k < want.size(); ++k) {
    const Array& g = got[k];
    const Array& w = want[k];
    std::ostringstream os;
    os.precision(17);
    if (g.dtype() != w.dtype() || g.shape() != w.shape()) {
      os << "output " << k << ": got " << dtype_name(g.dtype()) << shape_to_string(g.shape())
         << ", expected " << dtype_name(w.dtype()) << shape_to_string(w.shape());
      return os.str();
    }
    const int level = k < inexact.size() ? inexact[k] : kExact;
    const bool inex = level != kExact;
    if (level == kInexactUnbounded || (inex && !is_float(w.dtype()))) continue;
    const double rel = w.dtype() == DType::F32 || level == kInexactF32 ? tol.f32 : tol.f64;
    const double scale = std::max({input_scale, max_finite_abs(w), max_finite_abs(g)});
    for (std::int64_t i = 0; i < w.size(); ++i) {
      bool ok;
      double gv = g.element_as_double(i), wv = w.element_as_double(i);
      if (is_float(w.dtype()) && std::isnan(gv) && std::isnan(wv)) {
        ok = true;
      } else if (!inex) {
        ok = same_bits(g, w, i);
      } else if (!std::isfinite(gv) || !std::isfinite(wv)) {
        ok = true;  // an inexact value may overflow or leave a domain on one side only
      } else {
        ok = std::fabs(gv - wv) <= rel * scale;
      }
      if (!ok) {
        os << "output " << k << " (" << dtype_name(w.dtype()) << shape_to_string(w.shape())
           << (inex ? ", inexact" : ", exact") << ") element " << i << ": got " << gv
           << ", expected " << wv;
        if (inex) os << " (allowed " << rel * scale << " absolute)";
        return os.str();
      }
    }
  }
  return std::nullopt;
}

Recipe minimise(Recipe r, const Check& check) {
  auto fails = [&](const Recipe& c) {
    try {
      return check(c).has_value();
    } catch (const std::exception&) {
      return false;  // a different failure: not the one being minimised
    }
  };
  bool progress = true;
  for (int round = 0; progress && round < 8; ++round) {
    progress = false;
    // Trailing ops can go; the others become nops (deleting them would renumber the
    // operands of every later op).
    while (!r.ops.empty()) {
      Recipe c = r;
      c.ops.pop_back();
      if (!fails(c)) break;
      r = std::move(c), progress = true;
    }
    for (std::size_t i = r.ops.size(); i-- > 0;) {
      if (r.ops[i].nop) continue;
      Recipe c = r;
      c.ops[i].nop = true;
      if (fails(c)) r = std::move(c), progress = true;
    }
    for (std::size_t i = r.outputs.size(); r.outputs.size() > 1 && i-- > 0;) {
      Recipe c = r;
      c.outputs.erase(c.outputs.begin() + static_cast<std::ptrdiff_t>(i));
      if (fails(c)) r = std::move(c), progress = true;
    }
    for (std::size_t i = r.inputs.size(); r.inputs.size() > 1 && i-- > 0;) {
      Recipe c = r;
      c.inputs.erase(c.inputs.begin() + static_cast<std::ptrdiff_t>(i));
      if (fails(c)) r = std::move(c), progress = true;
    }
    if (!r.lead.empty()) {
      Recipe c = r;
      c.lead.erase(c.lead.begin());
      c.main_rank -= 1;
      if (fails(c)) r = std::move(c), progress = true;
    }
    for (std::size_t i = 0; i < r.lead.size(); ++i) {
      if (r.lead[i] == 1) continue;
      Recipe c = r;
      c.lead[i] = 1;
      if (fails(c)) r = std::move(c), progress = true;
    }
    for (int style = 2; style > r.value_style; --style) {
      Recipe c = r;
      c.value_style = style;
      if (fails(c)) {
        r = std::move(c), progress = true;
        break;
      }
    }
  }
  return r;
}

int draw_opt_level(std::uint8_t byte) {
  static const int forced = [] {
    const char* s = std::getenv("LANES_FUZZ_OPT_LEVEL");
    return s != nullptr && *s >= '0' && *s <= '2' && s[1] == '\0' ? *s - '0' : -1;
  }();
  if (forced >= 0) return forced;
  return (byte >> 2) % 8 == 0 ? 2 : 0;
}

void report_and_abort(const Recipe& r, const Check& check, const std::string& target,
                      const std::function<std::string(const Recipe&)>& describe) {
  std::string first = check(r).value_or("(not reproducible)");
  Recipe m = minimise(r, check);
  std::string msg = check(m).value_or(first);
  std::fprintf(stderr,
               "\n==== %s: mismatch ====\n%s\n---- original case ----\n%s\n"
               "---- minimised case ----\n%s\n",
               target.c_str(), first.c_str(), describe(r).c_str(), describe(m).c_str());
  std::fprintf(stderr, "minimised mismatch: %s\n", msg.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace lanes::fuzz
