// The fold of a lane loop (loop::Op::lanes, codegen/loop_ir.h) over its lanes' yields,
// written once for the loop-IR interpreter (Scalars) and the loop emitter's lane-by-lane
// default (LLVM values); the CPU's SIMD lanes fold a <k x T> register by halves in the
// same order (codegen/cpu/kernel_codegen.cpp), checked bit for bit against the
// interpreter (tests/unit/codegen/jit_lane_sum_test.cpp).
#pragma once

#include <cstddef>
#include <vector>

namespace lanes::internal::loop {

// The halving fold of y (a power of two of values): while w > 1: w /= 2,
// y[l] = pair(y[l], y[l + w]) for l < w; then y[0].
template <class T, class Pair>
T fold_lanes(std::vector<T> y, const Pair& pair) {
  for (std::size_t w = y.size() / 2; w >= 1; w /= 2) {
    for (std::size_t l = 0; l < w; ++l) y[l] = pair(y[l], y[l + w]);
  }
  return y.at(0);
}

}  // namespace lanes::internal::loop
