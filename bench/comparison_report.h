// Renders the comparison benchmark's results: markdown tables of times, ratios and peak
// memory, and a bar chart of relative times on a logarithmic axis as SVG (written here,
// no plotting library), like the seed article's figure.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "comparison_cases.h"

namespace lanes::bench::comparison {

// Columns, in order: the Lanes variants, then the outside peers "numpy" and "halide".
const std::vector<std::string>& all_variants();
std::string variant_label(const std::string& variant);

// One function at one size, with every variant's result.
struct Row {
  Func func;
  std::size_t n;
  std::map<std::string, Result> results;
};

// The reference column of the ratios.
inline const char* kReference = "jit_vmap";

std::string format_time(double seconds);
// Working memory of the evaluation: the inputs plus what the high-water mark grew above
// the resident baseline (which holds the inputs), in bytes.
double working_bytes(const Result& r);

// | f | n | each variant: time (ratio to jit(vmap(f))) |
std::string time_table(const std::vector<Row>& rows);
// | f | n | each variant: peak RSS MiB, working memory / (inputs + outputs) |
std::string memory_table(const std::vector<Row>& rows);
// Per function at its largest n: how many times faster jit(vmap(f)) is than the host
// loop, on one thread and on the thread pool, and its time over the hand-written loop's.
std::string loop_ratio_summary(const std::vector<Row>& rows);
// Checksums that disagree with the reference column (empty when all agree).
std::string checksum_report(const std::vector<Row>& rows);
// Bars of time / reference time per variant, grouped by function, for the rows given.
std::string bar_chart_svg(const std::vector<Row>& rows, const std::string& title);

}  // namespace lanes::bench::comparison
