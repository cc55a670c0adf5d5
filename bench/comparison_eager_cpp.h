// The plain C++ "manual vectorization" peer: whole-array operations written as loops, each
// operation materializing its result in a fresh std::vector (what a whole-array library
// without fusion does). Compiled with -O3 -march=native, <cmath> for the math.
#pragma once

#include <cstddef>
#include <vector>

namespace lanes::bench::comparison {

std::vector<double> add_temporaries(const std::vector<double>& x, double b);
std::vector<double> sinexp_temporaries(const std::vector<double>& x, const std::vector<double>& y);
// Masked Newton iterations over the whole array until no element is active.
std::vector<double> newton_temporaries(const std::vector<double>& a);
// v: batch x K, w: K x K; builds outer(v, v) for the whole batch, then * W, then sums.
std::vector<double> outer_temporaries(const std::vector<double>& v, const std::vector<double>& w,
                                      std::size_t batch, std::size_t k);

}  // namespace lanes::bench::comparison
