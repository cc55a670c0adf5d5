// KernelBuilder's float sums (see kernel_builder.h): the order in which reduce_sum (and so
// mean) adds its terms under jit, with the error bound docs/precision.md ("Reductions")
// derives from it. Every float sum is built from one piece, emit_blocked_sum (blocks of 16
// or 32 terms summed in two or four chains of 8, the block sums added to a
// Kahan-compensated total),
// except a whole sum of at most kSumBlock terms (one plain fold, the interpreter's order)
// and a whole sum over short rows of the operand's last axis (emit_short_rows: blocks of
// at most kSumBlock terms that LLVM may run in SIMD along the row).
// A long row runs it once per lane of a lane loop (emit_lane_sum, 64 f32 / 32 f64 lanes
// folded pairwise); a sum along other axes once per result element; a split full
// reduction once per partial, its partials then joining compensated totals
// (fold_state_buffers, kernel_builder_reduce.cpp).
#include <algorithm>
#include <limits>

#include "codegen/lane_fold.h"
#include "engine/lower/kernel_builder.h"
#include "engine/lower/split_reduction.h"
#include "runtime/check.h"
#include "runtime/saturating.h"

namespace lanes::internal::lower {

using loop::affine_const;
using loop::affine_var;
using loop::AffineIndex;
using loop::Op;

namespace {

// emit_lane_sum's lane count: kLaneSumBytes / sizeof(T) lanes (64 for f32, 32 for f64:
// four AVX-512 registers; with two chains per lane, eight independent chains of
// additions). Measured (bench/sum_bench.cpp, docs/benchmarks.md "Float sums"): blocks of 8
// rows in one sum were 9% slower than the blocks of 128 before them on rows of 1000 (two
// compensated additions per row instead of one); 32 or 16 lanes were slower than 64 there.
// The lane count does not depend on the host (the same bits everywhere): on AVX2 a value
// is eight ymm registers, and while a block's row additions stay in registers, its
// compensated update (32 ymm live) spills: `llc -mcpu=haswell` of jit(vmap(sum))'s IR
// for f32[3, 20000] puts 24 spills and reloads among the block loop's 217 instructions
// (1024 terms), -mcpu=skylake-avx512 none. Not timed on an AVX2 host.
constexpr std::int64_t kLaneSumBytes = 256;
// emit_blocked_sum's chains: at most kChainTerms terms each; a lane's block has two (16
// rows: the lanes already give eight independent chains), every other blocked sum's
// kBlockChains (32 rows of single terms). Measured (tools: the sum of 10^7 f32 on one
// thread, bound by memory, medians of 6 alternating processes): blocks of 16 rows in two
// chains 0.23 ns per element against 0.15 for the blocks of 128 before them; blocks of 32
// rows 0.16: the compensated update every 16 rows costs even there.
constexpr std::int64_t kChainTerms = 8;
constexpr int kBlockChains = 4;

std::int64_t product(const std::vector<std::int64_t>& trips) {
  std::int64_t n = 1;  // saturated: see runtime/saturating.h
  for (std::int64_t k : trips) n = saturating_mul(n, k);
  return n;
}

}  // namespace

std::vector<int> KernelBuilder::kahan_add(Scope* s, DType t, const std::vector<int>& state, int v) {
  // y = v - c; t = s + y; c = (t - s) - y. Where t is not finite (inf, NaN) the error is
  // meaningless (inf - inf): c restarts at 0 so the sum stays inf or NaN as the plain
  // sum would.
  const DType b = DType::Bool;
  const int y = scalar(s, ScalarOp::Sub, t, {v, state[1]});
  const int sum = scalar(s, ScalarOp::Add, t, {state[0], y});
  const int err = scalar(s, ScalarOp::Sub, t, {scalar(s, ScalarOp::Sub, t, {sum, state[0]}), y});
  const int finite =
      scalar(s, ScalarOp::Lt, b,
             {scalar(s, ScalarOp::Abs, t, {sum}),
              constant(Scalar::of_double(t, std::numeric_limits<double>::infinity()))});
  return {sum, scalar(s, ScalarOp::Select, t, {finite, err, constant(Scalar::of_double(t, 0))})};
}

int KernelBuilder::emit_sum(Scope* s, const std::vector<std::int64_t>& trips, DType t, int init,
                            const TermFn& term, bool whole, bool contiguous) {
  const std::size_t n = trips.size();
  const std::int64_t total = product(trips);
  if (contiguous && trips.back() > kSumBlock) {
    return emit_lane_sum(s, {trips.begin(), trips.end() - 1}, trips.back(), t, init, term);
  }
  if (total <= 1 || (whole && total <= kSumBlock)) {
    // One plain fold from init, the interpreter's order (a short row: LLVM may run it in
    // SIMD along the row, loop::Op::reassociable).
    return emit_loop_nest(
        s, trips, {t}, {init},
        [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& st) {
          std::vector<AffineIndex> idx;
          for (int v : vars) idx.push_back(affine_var(v));
          return std::vector<int>{scalar(inner, ScalarOp::Add, t, {st[0], term(inner, idx)})};
        },
        whole)[0];
  }
  if (whole && contiguous) return emit_short_rows(s, trips, t, init, term);
  // The row level a: the levels inside it hold at most kChainTerms terms, with a more
  // (or a is the outermost level).
  std::size_t a = n - 1;
  std::int64_t inner = 1;
  while (a > 0 && trips[a] <= kChainTerms / inner) inner *= trips[a--];
  return emit_blocked_sum(s, {trips.begin(), trips.begin() + static_cast<long>(a)}, trips[a],
                          {trips.begin() + static_cast<long>(a) + 1, trips.end()}, kBlockChains, t,
                          init, term, nullptr);
}

int KernelBuilder::emit_short_rows(Scope* s, const std::vector<std::int64_t>& trips, DType t,
                                   int init, const TermFn& term) {
  const std::size_t n = trips.size();
  // Split level a: the levels inside it hold at most kSumBlock terms, with level a they
  // hold more. A block is b iterations of level a (with the levels inside in full).
  std::size_t a = n - 1;
  std::int64_t inner = 1;
  while (trips[a] <= kSumBlock / inner) inner *= trips[a--];  // total > kSumBlock: stops
  const std::int64_t b = std::max<std::int64_t>(1, kSumBlock / inner);
  const std::int64_t blocks = trips[a] / b, tail = trips[a] % b;
  std::vector<std::int64_t> block_trips{b}, tail_trips{tail};
  for (std::size_t k = a + 1; k < n; ++k) {
    block_trips.push_back(trips[k]);
    tail_trips.push_back(trips[k]);
  }
  const std::vector<std::int64_t> outer(trips.begin(), trips.begin() + static_cast<long>(a));
  const int zero = constant(Scalar::of_double(t, 0));
  // A plain fold from 0, in SIMD along the row where LLVM can (reassociable), of the
  // terms over the nest `level_trips` (the outer levels' indices fixed by `prefix`; the
  // first level's index offset by `first`).
  auto fold = [&](Scope* in, const std::vector<std::int64_t>& level_trips,
                  const std::vector<AffineIndex>& prefix, const AffineIndex& first) {
    return emit_loop_nest(
        in, level_trips, {t}, {zero},
        [&](Scope* body, const std::vector<int>& vars, const std::vector<int>& st) {
          std::vector<AffineIndex> idx = prefix;
          for (std::size_t k = 0; k < vars.size(); ++k) {
            idx.push_back(k == 0 ? scaled_add(affine_var(vars[k]), 1, first) : affine_var(vars[k]));
          }
          return std::vector<int>{scalar(body, ScalarOp::Add, t, {st[0], term(body, idx)})};
        },
        /*reassociable=*/true)[0];
  };
  std::vector<int> state = emit_loop_nest(
      s, outer, {t, t}, {init, zero},
      [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& st) {
        std::vector<AffineIndex> prefix;
        for (int v : vars) prefix.push_back(affine_var(v));
        std::vector<int> r = emit_loop_nest(
            in, {blocks}, {t, t}, st,
            [&](Scope* bin, const std::vector<int>& g, const std::vector<int>& bst) {
              return kahan_add(bin, t, bst, fold(bin, block_trips, prefix, affine_var(g[0], b)));
            });
        if (tail > 0)
          r = kahan_add(in, t, r, fold(in, tail_trips, prefix, affine_const(blocks * b)));
        return r;
      });
  return scalar(s, ScalarOp::Sub, t, {state[0], state[1]});
}

int KernelBuilder::emit_blocked_sum(Scope* s, const std::vector<std::int64_t>& outer,
                                    std::int64_t rows, const std::vector<std::int64_t>& inner,
                                    int chains, DType t, int init, const TermFn& term,
                                    const ExtraFn* extra) {
  const std::int64_t inner_terms = product(inner);
  LANES_CHECK(inner_terms >= 1 && inner_terms <= kChainTerms && (chains == 2 || chains == 4),
              "lower: a blocked sum's rows of " + std::to_string(inner_terms) + " terms in " +
                  std::to_string(chains) + " chains");
  const std::int64_t c = chains;
  const std::int64_t m = c * (kChainTerms / inner_terms);  // rows per block
  const std::int64_t blocks = rows / m, tail = rows % m;
  const int zero = constant(Scalar::of_double(t, 0));
  // chain + the terms of row `row` (the inner levels in order).
  auto add_row = [&](Scope* in, int chain, const std::vector<AffineIndex>& prefix,
                     const AffineIndex& row) {
    std::vector<AffineIndex> idx = prefix;
    idx.push_back(row);
    if (inner.empty()) return scalar(in, ScalarOp::Add, t, {chain, term(in, idx)});
    return emit_loop_nest(
        in, inner, {t}, {chain},
        [&](Scope* body, const std::vector<int>& vars, const std::vector<int>& st) {
          std::vector<AffineIndex> at = idx;
          for (int v : vars) at.push_back(affine_var(v));
          return std::vector<int>{scalar(body, ScalarOp::Add, t, {st[0], term(body, at)})};
        })[0];
  };
  // The sum of the n <= m rows from row `first`, and of `extra_value` (a value, or -1):
  // c chains from 0, in order, chain i of rows first + c j + i, the last n mod c rows one
  // to each of the first chains, extra_value to the last chain; then the chains' halving
  // fold (codegen/lane_fold.h's order: for two, their sum).
  auto rows_sum = [&](Scope* in, std::int64_t n, const std::vector<AffineIndex>& prefix,
                      const AffineIndex& first, int extra_value) {
    std::vector<int> ab(static_cast<std::size_t>(c), zero);
    if (n >= c) {
      ab = emit_loop_nest(in, {n / c}, std::vector<DType>(static_cast<std::size_t>(c), t), ab,
                          [&](Scope* body, const std::vector<int>& j, const std::vector<int>& st) {
                            std::vector<int> next;
                            for (std::int64_t i = 0; i < c; ++i) {
                              const AffineIndex row = scaled_add(affine_var(j[0], c), 1, first);
                              next.push_back(add_row(body, st[static_cast<std::size_t>(i)], prefix,
                                                     scaled_add(row, 1, affine_const(i))));
                            }
                            return next;
                          });
    }
    for (std::int64_t i = 0; i < n % c; ++i) {
      ab[static_cast<std::size_t>(i)] = add_row(in, ab[static_cast<std::size_t>(i)], prefix,
                                                scaled_add(first, 1, affine_const(n / c * c + i)));
    }
    if (extra_value >= 0) ab.back() = scalar(in, ScalarOp::Add, t, {ab.back(), extra_value});
    return loop::fold_lanes(ab, [&](int x, int y) { return scalar(in, ScalarOp::Add, t, {x, y}); });
  };
  // The sum of the rows after the blocks (and of the extra term).
  auto tail_sum = [&](Scope* in, const std::vector<AffineIndex>& prefix) {
    return rows_sum(in, tail, prefix, affine_const(blocks * m), extra ? (*extra)(in, prefix) : -1);
  };
  if (blocks == 0 && product(outer) == 1) {  // one part: no compensation needed
    const int part = tail_sum(s, std::vector<AffineIndex>(outer.size(), affine_const(0)));
    return init < 0 ? part : scalar(s, ScalarOp::Add, t, {init, part});
  }
  const std::vector<int> st = emit_loop_nest(
      s, outer, {t, t}, {init < 0 ? zero : init, zero},
      [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& st0) {
        std::vector<AffineIndex> prefix;
        for (int v : vars) prefix.push_back(affine_var(v));
        std::vector<int> r = st0;
        if (blocks > 0) {
          r = emit_loop_nest(
              in, {blocks}, {t, t}, r,
              [&](Scope* bin, const std::vector<int>& g, const std::vector<int>& bst) {
                return kahan_add(bin, t, bst, rows_sum(bin, m, prefix, affine_var(g[0], m), -1));
              });
        }
        if (tail == 0 && extra == nullptr) return r;
        return kahan_add(in, t, r, tail_sum(in, prefix));
      });
  return scalar(s, ScalarOp::Sub, t, {st[0], st[1]});
}

int KernelBuilder::emit_lane_sum(Scope* s, const std::vector<std::int64_t>& outer,
                                 std::int64_t count, DType t, int init, const TermFn& term) {
  const std::int64_t k = kLaneSumBytes / static_cast<std::int64_t>(dtype_size(t));
  LANES_CHECK(count >= k, "lower: a lane sum of " + std::to_string(count) + " terms in " +
                              std::to_string(k) + " lanes");
  const std::int64_t rest = count % k;
  const int zero = constant(Scalar::of_double(t, 0));
  const std::vector<int> lane_sum = emit_loop_nest(
      s, {k}, {t}, {zero},
      [&](Scope* ls, const std::vector<int>& lane, const std::vector<int>& /*zero*/) {
        const AffineIndex q = affine_var(lane[0]);
        // This lane's term in row r of k terms: q + k r.
        const TermFn lane_term = [&](Scope* in, const std::vector<AffineIndex>& idx) {
          std::vector<AffineIndex> at = idx;
          at.back() = scaled_add(at.back(), k, q);
          return term(in, at);
        };
        // The last `rest` lanes also take one of the last `rest` terms: count - k + q.
        const ExtraFn extra = [&](Scope* in, const std::vector<AffineIndex>& prefix) {
          std::vector<AffineIndex> idx = prefix;
          idx.push_back(scaled_add(affine_const(count - k), 1, q));
          const int take =
              scalar(in, ScalarOp::Ge, DType::Bool,
                     {index_value(q, DType::I64), constant(Scalar::of_int(DType::I64, k - rest))});
          return scalar(in, ScalarOp::Select, t, {take, term(in, idx), zero});
        };
        return std::vector<int>{emit_blocked_sum(ls, outer, count / k, {}, 2, t, -1, lane_term,
                                                 rest > 0 ? &extra : nullptr)};
      });
  // Mark the Loop that emit_loop_nest made (lane_sum[0] reads it) as a lane loop.
  Op& lanes = s->block.ops[loop_position(s->block, lane_sum[0])];
  lanes.lanes = true;
  lanes.sop = ScalarOp::Add;
  return scalar(s, ScalarOp::Add, t, {init, lane_sum[0]});
}

}  // namespace lanes::internal::lower
