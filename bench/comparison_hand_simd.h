// The hand-written SIMD reference of the comparison benchmark: Newton's sqrt as a C++
// programmer would vectorize it by hand with Highway (native width of -march=native),
// masked updates and four independent vectors in flight, to show the ceiling that
// jit(vmap(f)) is measured against.
#pragma once

#include <vector>

namespace lanes::bench::comparison {

// x <- (x + a/x)/2 from x = a while |step| > kNewtonRelTol * x, per element; the same
// arithmetic in the same order as the Lanes function, so the results are bitwise equal.
std::vector<double> newton_hand_simd(const std::vector<double>& a);

}  // namespace lanes::bench::comparison
