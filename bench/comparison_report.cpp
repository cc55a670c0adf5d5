// Tables and the SVG bar chart of the comparison benchmark (see comparison_report.h).
#include "comparison_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace lanes::bench::comparison {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const Result* find(const Row& row, const std::string& variant) {
  auto it = row.results.find(variant);
  return it != row.results.end() && it->second.ok ? &it->second : nullptr;
}

std::string header(const char* first) {
  std::string h = std::string("| ") + first + " | n |";
  std::string sep = "|---|---|";
  for (const auto& v : all_variants()) {
    h += " " + variant_label(v) + " |";
    sep += "---|";
  }
  return h + "\n" + sep + "\n";
}

std::string missing_cell(const Row& row, const std::string& variant) {
  auto it = row.results.find(variant);
  if (it == row.results.end() || it->second.note.empty()) return " — |";
  return " — (" + it->second.note + ") |";
}

std::string size_label(const Row& row) {
  if (row.func == Func::Outer) return std::to_string(row.n) + " (batch)";
  return row.n >= 1000 && row.n % 1000 == 0 && std::round(std::log10(row.n)) == std::log10(row.n)
             ? "10^" + std::to_string(static_cast<int>(std::log10(row.n)))
             : std::to_string(row.n);
}

// The article's palette order: slow loop, whole-array peers, Lanes transforms, outsiders.
const char* color(const std::string& v) {
  if (v == "loop") return "#d62728";
  if (v == "eager") return "#ff7f0e";
  if (v == "eager_cpp") return "#bcbd22";
  if (v == "vmap") return "#9467bd";
  if (v == "jit_vmap") return "#2ca02c";
  if (v == "numpy") return "#1f77b4";
  if (v == "halide") return "#17becf";
  if (v == "jit_vmap_pool") return "#98df8a";
  if (v == "hand_simd") return "#8c564b";
  return "#7f7f7f";
}

}  // namespace

const std::vector<std::string>& all_variants() {
  static const std::vector<std::string> v = {"loop",      "eager",    "eager_cpp",
                                             "vmap",      "jit_vmap", "jit_vmap_pool",
                                             "hand_simd", "numpy",    "halide"};
  return v;
}

std::string variant_label(const std::string& v) {
  if (v == "loop") return "(a) host loop, jit(f) per element";
  if (v == "eager") return "(b) eager Lanes ops";
  if (v == "eager_cpp") return "(b) C++ vector temporaries";
  if (v == "vmap") return "(c) vmap(f)";
  if (v == "jit_vmap") return "(d) jit(vmap(f))";
  if (v == "jit_vmap_pool") return "(d) jit(vmap(f)), thread pool";
  if (v == "hand_simd") return "hand SIMD (Highway)";
  if (v == "numpy") return "numpy";
  if (v == "halide") return "Halide 14";
  return v;
}

std::string format_time(double s) {
  if (s < 1e-6) return fmt("%.3g ns", s * 1e9);
  if (s < 1e-3) return fmt("%.3g us", s * 1e6);
  if (s < 1) return fmt("%.3g ms", s * 1e3);
  return fmt("%.3g s", s);
}

double working_bytes(const Result& r) {
  return r.in_bytes + std::max(0.0, r.hwm_kib - r.base_kib) * 1024.0;
}

std::string time_table(const std::vector<Row>& rows) {
  std::ostringstream md;
  md << header("f");
  for (const Row& row : rows) {
    const Result* ref = find(row, kReference);
    md << "| " << func_label(row.func) << " | " << size_label(row) << " |";
    for (const auto& v : all_variants()) {
      const Result* r = find(row, v);
      if (!r) {
        md << missing_cell(row, v);
        continue;
      }
      md << " " << format_time(r->seconds);
      if (ref && v != kReference) md << " (" << fmt("%.3gx", r->seconds / ref->seconds) << ")";
      md << " |";
    }
    md << "\n";
  }
  return md.str();
}

std::string memory_table(const std::vector<Row>& rows) {
  std::ostringstream md;
  md << header("f");
  for (const Row& row : rows) {
    md << "| " << func_label(row.func) << " | " << size_label(row) << " |";
    for (const auto& v : all_variants()) {
      const Result* r = find(row, v);
      if (!r) {
        md << missing_cell(row, v);
        continue;
      }
      md << " " << fmt("%.0f MiB", r->hwm_kib / 1024.0);
      // Below 1 MiB of data the ratio measures page and allocator granularity, not the
      // evaluation: leave it out.
      if (r->in_bytes + r->out_bytes >= 1024.0 * 1024.0) {
        md << ", " << fmt("%.2fx", working_bytes(*r) / (r->in_bytes + r->out_bytes));
      }
      md << " |";
    }
    md << "\n";
  }
  return md.str();
}

std::string loop_ratio_summary(const std::vector<Row>& rows) {
  std::ostringstream s;
  s << "Host loop (a) over jit(vmap(f)) (d) at the largest n, the issue's done-when "
       "number (>= 100x):\n\n";
  for (const Row& row : rows) {
    if (row.func == Func::Outer) continue;
    bool largest = true;
    for (const Row& other : rows) largest = largest && (other.func != row.func || other.n <= row.n);
    const Result* loop = find(row, "loop");
    const Result* one = find(row, kReference);
    if (!largest || loop == nullptr || one == nullptr) continue;
    s << "- " << func_label(row.func) << ", n = " << size_label(row) << ": "
      << fmt("**%.0fx** on one thread", loop->seconds / one->seconds);
    if (const Result* pool = find(row, "jit_vmap_pool")) {
      s << fmt(", **%.0fx** with the thread pool", loop->seconds / pool->seconds);
    }
    if (const Result* hand = find(row, "hand_simd")) {
      s << "; jit(vmap(f)) on one thread takes " << fmt("%.2fx", one->seconds / hand->seconds)
        << " the hand-written Highway loop's time";
    }
    s << "\n";
  }
  return s.str();
}

std::string checksum_report(const std::vector<Row>& rows) {
  std::ostringstream s;
  for (const Row& row : rows) {
    const Result* ref = find(row, kReference);
    if (!ref) continue;
    for (const auto& [v, r] : row.results) {
      if (!r.ok) continue;
      double tol = 1e-9 * std::max(ref->abs_checksum, 1.0);
      if (std::fabs(r.checksum - ref->checksum) > tol) {
        s << "- " << func_label(row.func) << ", n = " << row.n << ": " << variant_label(v)
          << " sums to " << fmt("%.15g", r.checksum) << ", jit(vmap(f)) to "
          << fmt("%.15g", ref->checksum) << "\n";
      }
    }
  }
  return s.str();
}

std::string bar_chart_svg(const std::vector<Row>& rows, const std::string& title) {
  const auto& vars = all_variants();
  // The decades the ratios span.
  double lo = 0, hi = 1;
  for (const Row& row : rows) {
    const Result* ref = find(row, kReference);
    if (!ref) continue;
    for (const auto& v : vars) {
      if (const Result* r = find(row, v)) {
        double d = std::log10(r->seconds / ref->seconds);
        lo = std::min(lo, std::floor(d));
        hi = std::max(hi, std::ceil(d));
      }
    }
  }
  const double bar_w = 18, group_gap = 48, left = 70, top = 50, plot_h = 300;
  const double group_w = bar_w * static_cast<double>(vars.size()) + group_gap;
  const double width = left + group_w * static_cast<double>(rows.size()) + 20;
  const double legend_y = top + plot_h + 60;
  const double height = legend_y + 20 * std::ceil(static_cast<double>(vars.size()) / 2) + 10;
  auto y_of = [&](double decade) { return top + plot_h * (hi - decade) / (hi - lo); };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" << title
    << "</text>\n";
  for (double d = lo; d <= hi; d += 1) {
    double y = y_of(d);
    s << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << width - 20 << "\" y2=\"" << y
      << "\" stroke=\"" << (d == 0 ? "#000" : "#ddd") << "\"/>\n";
    s << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
      << fmt("%gx", std::pow(10.0, d)) << "</text>\n";
  }
  s << "<text transform=\"translate(16," << top + plot_h / 2
    << ") rotate(-90)\" text-anchor=\"middle\">time / time of jit(vmap(f)) (log scale)</text>\n";
  for (std::size_t g = 0; g < rows.size(); ++g) {
    const Row& row = rows[g];
    const Result* ref = find(row, kReference);
    double x0 = left + group_gap / 2 + group_w * static_cast<double>(g);
    for (std::size_t k = 0; k < vars.size(); ++k) {
      const Result* r = find(row, vars[k]);
      if (!r || !ref) continue;
      double ratio = r->seconds / ref->seconds, d = std::log10(ratio);
      double y0 = y_of(lo), y1 = y_of(d);
      double x = x0 + bar_w * static_cast<double>(k);
      s << "<rect x=\"" << x << "\" y=\"" << y1 << "\" width=\"" << bar_w - 2 << "\" height=\""
        << std::max(0.5, y0 - y1) << "\" fill=\"" << color(vars[k]) << "\"><title>"
        << variant_label(vars[k]) << ": " << format_time(r->seconds) << fmt(" (%.3gx)", ratio)
        << "</title></rect>\n";
    }
    s << "<text x=\"" << x0 + bar_w * static_cast<double>(vars.size()) / 2 << "\" y=\""
      << top + plot_h + 18 << "\" text-anchor=\"middle\">" << func_label(row.func) << "</text>\n";
    s << "<text x=\"" << x0 + bar_w * static_cast<double>(vars.size()) / 2 << "\" y=\""
      << top + plot_h + 34 << "\" text-anchor=\"middle\" fill=\"#555\">n = " << size_label(row)
      << "</text>\n";
  }
  for (std::size_t k = 0; k < vars.size(); ++k) {
    double x = left + 320 * static_cast<double>(k % 2);
    double y = legend_y + 20 * static_cast<double>(k / 2);
    s << "<rect x=\"" << x << "\" y=\"" << y - 10 << "\" width=\"12\" height=\"12\" fill=\""
      << color(vars[k]) << "\"/>\n";
    s << "<text x=\"" << x + 18 << "\" y=\"" << y << "\">" << variant_label(vars[k]) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace lanes::bench::comparison
