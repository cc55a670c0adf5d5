// A host model of the float summation orders that docs/precision.md ("Reductions")
// documents, written directly from the text (not from the lowering): the blocked sum
// (KernelBuilder::emit_blocked_sum: blocks of 32 terms in four chains of 8, the block sums
// joining a Kahan total), a sum along axis 0 of a matrix, and a split full sum of a vector
// (engine/lower/split_reduction.h). Tests compare the jit's bits, at every width, with and
// without the pool, and on other backends' orders, with these.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/lower/split_reduction.h"

namespace lanes::testing {

// A Kahan total {s, c} (the compensation restarts where s is not finite).
template <typename T>
struct KahanTotal {
  T s = 0, c = 0;
  void add(T v) {
    const T y = v - c;
    const T t = s + y;
    const T e = (t - s) - y;
    c = std::isfinite(t) ? e : T(0);
    s = t;
  }
  T result() const { return s - c; }
};

// init + the blocked sum of term(r), r in [0, rows): blocks of 32 rows, each summed in
// four chains from 0 (chain i: rows i, i + 4, ...), the chains then added as
// (c0 + c2) + (c1 + c3), joining a Kahan total from init; the rows after the blocks a last
// block (its last rows mod 4 one to each of the first chains). With no whole block,
// init + that block.
template <typename T, typename F>
T model_blocked_sum(T init, std::int64_t rows, F term) {
  auto rows_sum = [&](std::int64_t n, std::int64_t first) {
    T c[4] = {0, 0, 0, 0};
    for (std::int64_t j = 0; j < n / 4; ++j) {
      for (int i = 0; i < 4; ++i) c[i] = c[i] + term(first + 4 * j + i);
    }
    for (std::int64_t i = 0; i < n % 4; ++i) c[i] = c[i] + term(first + n / 4 * 4 + i);
    return (c[0] + c[2]) + (c[1] + c[3]);
  };
  const std::int64_t blocks = rows / 32, tail = rows % 32;
  if (blocks == 0) return init + rows_sum(tail, 0);
  KahanTotal<T> k{init, 0};
  for (std::int64_t g = 0; g < blocks; ++g) k.add(rows_sum(32, 32 * g));
  if (tail > 0) k.add(rows_sum(tail, 32 * blocks));
  return k.result();
}

// A sum of the terms of a range of a split reduction (emit_sum over a range): one term
// is init + term, more are blocked.
template <typename T, typename F>
T model_range_sum(T init, std::int64_t count, F term) {
  if (count <= 1) return count == 1 ? init + term(0) : init;
  return model_blocked_sum(init, count, term);
}

// sum(x, {0}) of a rows x cols matrix, column c: more than 128 rows are blocked, fewer
// are one plain fold (the interpreter's order).
template <typename T>
T model_axis0_sum(const std::vector<T>& x, std::int64_t rows, std::int64_t cols, std::int64_t c) {
  auto term = [&](std::int64_t r) { return x[static_cast<std::size_t>(r * cols + c)]; };
  if (rows <= internal::lower::kSumBlock) {
    T s = 0;
    for (std::int64_t r = 0; r < rows; ++r) s = s + term(r);
    return s;
  }
  return model_blocked_sum(T(0), rows, term);
}

// sum(x) of a vector of more than 128 elements, split into P groups of 16 lanes
// (split_reduction.h): lane j of group p sums elements p 16 M + 16 m + j; lane j of the
// 16 then adds the P partials to a Kahan total, and the sum of its rows of the rest; the
// 16 lane sums join a last Kahan total, with the sum of the last rest elements.
template <typename T>
T model_full_sum(const std::vector<T>& x) {
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  const std::int64_t lanes = internal::lower::kSplitLanes;
  const internal::lower::ReductionSplit sp = internal::lower::split_extent(n);
  const std::int64_t m = sp.per_lane, covered = sp.groups * lanes * m;
  auto at = [&](std::int64_t i) { return x[static_cast<std::size_t>(i)]; };
  std::vector<T> lane(static_cast<std::size_t>(sp.groups * lanes));
  for (std::int64_t p = 0; p < sp.groups; ++p) {
    for (std::int64_t j = 0; j < lanes; ++j) {
      lane[static_cast<std::size_t>(p * lanes + j)] = model_range_sum<T>(
          T(0), m, [&](std::int64_t r) { return at(p * lanes * m + lanes * r + j); });
    }
  }
  if (sp.groups > 1) {
    std::vector<T> folded(static_cast<std::size_t>(lanes));
    for (std::int64_t j = 0; j < lanes; ++j) {
      KahanTotal<T> k;
      for (std::int64_t p = 0; p < sp.groups; ++p)
        k.add(lane[static_cast<std::size_t>(p * lanes + j)]);
      if (sp.lane_rest > 0) {
        k.add(model_range_sum<T>(T(0), sp.lane_rest,
                                 [&](std::int64_t i) { return at(covered + lanes * i + j); }));
      }
      folded[static_cast<std::size_t>(j)] = k.result();
    }
    lane = folded;
  }
  KahanTotal<T> k;
  for (T v : lane) k.add(v);
  if (sp.rest > 0) {
    const std::int64_t first = covered + sp.lane_rest * lanes;
    k.add(model_range_sum<T>(T(0), sp.rest, [&](std::int64_t i) { return at(first + i); }));
  }
  return k.result();
}

}  // namespace lanes::testing
