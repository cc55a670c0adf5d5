// KernelBuilder's reductions (see kernel_builder.h): reduce_sum/prod/max/min and
// argmax/argmin as counted loop nests carrying their state, over the whole reduced range
// (a reduction inlined into its consumer) or over a part of it, and the folds of partial
// states that split_reduction.h uses to finish a reduction computed in parts. Float sums
// are blocked and compensated (emit_sum), long ones along a row summed in lanes
// (emit_lane_sum); orders and bounds in docs/precision.md.
#include <algorithm>
#include <limits>

#include "engine/lower/kernel_builder.h"
#include "engine/lower/split_reduction.h"
#include "engine/primitive.h"
#include "runtime/check.h"
#include "runtime/saturating.h"

namespace lanes::internal::lower {

using loop::affine_const;
using loop::affine_var;
using loop::AffineIndex;
using loop::Op;
using loop::OpKind;

namespace {

bool is_arg_reduce(const Equation& e) { return e.prim->reduction.arg; }

// The position in `block` of the Loop that LoopResult `result` (emit_loop_nest's) reads.
std::size_t loop_index(const loop::Block& block, int result) {
  int loop_id = -1;
  for (std::size_t i = 0; i < block.ids.size(); ++i) {
    if (block.ids[i] == result) loop_id = block.ops[i].args.at(0);
  }
  for (std::size_t i = 0; i < block.ids.size(); ++i) {
    if (block.ids[i] == loop_id) return i;
  }
  LANES_FAIL("lower: no Loop in the block for result %" + std::to_string(result));
}

// emit_lane_sum's shape: kLaneSumBytes / sizeof(T) lanes (64 for f32, 32 for f64: four
// AVX-512 registers; with two sums per lane, eight independent chains of additions), and
// blocks of kLaneSumRows rows (a lane's block sum: two sums of at most 8 terms each).
// Measured (bench/sum_bench.cpp, docs/benchmarks.md "Float sums"): blocks of 8 rows in
// one sum were 9% slower than the blocks of 128 before them on rows of 1000 (two
// compensated additions per row instead of one); 32 or 16 lanes were slower than 64 there.
// The lane count does not depend on the host (the same bits everywhere): on AVX2 a value
// is eight ymm registers, and while a block's row additions stay in registers, its
// compensated update (32 ymm live) spills: `llc -mcpu=haswell` of jit(vmap(sum))'s IR
// for f32[3, 20000] puts 24 spills and reloads among the block loop's 217 instructions
// (1024 terms), -mcpu=skylake-avx512 none. Not timed on an AVX2 host.
constexpr std::int64_t kLaneSumBytes = 256;
constexpr std::int64_t kLaneSumRows = 16;

}  // namespace

std::vector<int> KernelBuilder::reduction_identity(const Equation& e) {
  const ScalarOp combine = e.prim->reduction.combine;
  const bool arg = is_arg_reduce(e);
  const DType t = arg ? g_.aval(e.inputs[0]).dtype : g_.aval(e.outputs[0]).dtype;
  const int init = constant(scalar_op_identity(combine, t));  // the ScalarOp table's, exact
  if (!arg) return {init};
  return {init, constant(Scalar::of_int(g_.aval(e.outputs[0]).dtype, 0))};
}

std::vector<int> KernelBuilder::reduction_step(const Equation& e, Scope* s,
                                               const std::vector<int>& state, int v, int i,
                                               bool tie_by_index) {
  if (!is_arg_reduce(e)) {
    const DType od = g_.aval(e.outputs[0]).dtype;
    return {scalar(s, e.prim->reduction.combine, od, {state[0], v})};
  }
  const bool is_max = e.prim->reduction.combine == ScalarOp::Max;
  const DType vd = g_.aval(e.inputs[0]).dtype;
  const DType id = g_.aval(e.outputs[0]).dtype;
  const DType b = DType::Bool;
  int take = scalar(s, is_max ? ScalarOp::Gt : ScalarOp::Lt, b, {v, state[0]});
  int earlier = -1;
  if (tie_by_index) {
    earlier = scalar(s, ScalarOp::Lt, b, {i, state[1]});
    int tie = scalar(s, ScalarOp::Eq, b, {v, state[0]});
    take = scalar(s, ScalarOp::Or, b, {take, scalar(s, ScalarOp::And, b, {tie, earlier})});
  }
  if (is_float(vd)) {
    // NaN wins over numbers (the first NaN is the result), as in JAX.
    int v_nan = scalar(s, ScalarOp::Ne, b, {v, v});
    int best_nan = scalar(s, ScalarOp::Ne, b, {state[0], state[0]});
    int best_num = scalar(s, ScalarOp::Not, b, {best_nan});
    take = scalar(s, ScalarOp::Or, b, {take, scalar(s, ScalarOp::And, b, {v_nan, best_num})});
    if (tie_by_index) {
      int both = scalar(s, ScalarOp::And, b, {v_nan, best_nan});
      take = scalar(s, ScalarOp::Or, b, {take, scalar(s, ScalarOp::And, b, {both, earlier})});
    }
  }
  return {scalar(s, ScalarOp::Select, vd, {take, v, state[0]}),
          scalar(s, ScalarOp::Select, id, {take, i, state[1]})};
}

bool KernelBuilder::is_float_sum(const Equation& e) const {
  return !is_arg_reduce(e) && e.prim->reduction.combine == ScalarOp::Add &&
         is_float(g_.aval(e.outputs[0]).dtype);
}

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
                            const TermFn& term, bool reassociable, bool contiguous) {
  const std::size_t n = trips.size();
  std::int64_t total = 1;  // the number of terms (saturated: see runtime/saturating.h)
  for (std::int64_t k : trips) total = saturating_mul(total, k);
  // A plain fold, from `from`, of the terms over the nest `level_trips` (the outer levels'
  // indices fixed by `prefix`; the first level's index offset by `first_base`).
  auto fold = [&](Scope* in, const std::vector<std::int64_t>& level_trips,
                  const std::vector<AffineIndex>& prefix, const AffineIndex* first_base, int from) {
    return emit_loop_nest(
        in, level_trips, {t}, {from},
        [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& st) {
          std::vector<AffineIndex> idx = prefix;
          for (std::size_t k = 0; k < vars.size(); ++k) {
            AffineIndex x = affine_var(vars[k]);
            if (k == 0 && first_base) x = scaled_add(x, 1, *first_base);
            idx.push_back(x);
          }
          return std::vector<int>{scalar(inner, ScalarOp::Add, t, {st[0], term(inner, idx)})};
        },
        reassociable)[0];
  };
  if (total <= kSumBlock) return fold(s, trips, {}, nullptr, init);
  if (contiguous && trips.back() > kSumBlock) {
    return emit_lane_sum(s, {trips.begin(), trips.end() - 1}, trips.back(), t, init, term);
  }
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
  std::vector<int> state = emit_loop_nest(
      s, outer, {t, t}, {init, zero},
      [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& st) {
        std::vector<AffineIndex> prefix;
        for (int v : vars) prefix.push_back(affine_var(v));
        std::vector<int> r = emit_loop_nest(
            in, {blocks}, {t, t}, st,
            [&](Scope* bin, const std::vector<int>& g, const std::vector<int>& bst) {
              const AffineIndex base = affine_var(g[0], b);
              return kahan_add(bin, t, bst, fold(bin, block_trips, prefix, &base, zero));
            });
        if (tail > 0) {
          const AffineIndex base = affine_const(blocks * b);
          r = kahan_add(in, t, r, fold(in, tail_trips, prefix, &base, zero));
        }
        return r;
      });
  return scalar(s, ScalarOp::Sub, t, {state[0], state[1]});
}

int KernelBuilder::emit_lane_sum(Scope* s, const std::vector<std::int64_t>& outer,
                                 std::int64_t count, DType t, int init, const TermFn& term) {
  const std::int64_t k = kLaneSumBytes / static_cast<std::int64_t>(dtype_size(t));
  const std::int64_t m = kLaneSumRows;
  LANES_CHECK(count >= k, "lower: a lane sum of " + std::to_string(count) + " terms in " +
                              std::to_string(k) + " lanes");
  const std::int64_t rows = count / k, rest = count % k;
  const std::int64_t blocks = rows / m, tail = rows % m;
  std::int64_t outer_terms = 1;
  for (std::int64_t n : outer) outer_terms = saturating_mul(outer_terms, n);
  const int zero = constant(Scalar::of_double(t, 0));
  const std::vector<int> lane_sum = emit_loop_nest(
      s, {k}, {t}, {zero}, [&](Scope* ls, const std::vector<int>& lane, const std::vector<int>& p) {
        const AffineIndex q = affine_var(lane[0]);
        // This lane's term in row `row` (an affine index of rows; the outer levels'
        // indices in `prefix`).
        auto lane_term = [&](Scope* in, const std::vector<AffineIndex>& prefix,
                             const AffineIndex& row) {
          std::vector<AffineIndex> idx = prefix;
          idx.push_back(scaled_add(row, k, q));
          return term(in, idx);
        };
        // The sum of this lane's terms in the n <= m rows from row `first`, and of `extra`
        // (a value, or -1): two sums from 0, in order, one of the even rows and the last
        // of an odd n, one of the odd rows and `extra`; then their sum.
        auto rows_sum = [&](Scope* in, std::int64_t n, const std::vector<AffineIndex>& prefix,
                            const AffineIndex& first, int extra) {
          std::vector<int> ab{zero, zero};
          if (n >= 2) {
            ab = emit_loop_nest(
                in, {n / 2}, {t, t}, ab,
                [&](Scope* body, const std::vector<int>& j, const std::vector<int>& st) {
                  const AffineIndex even = scaled_add(affine_var(j[0], 2), 1, first);
                  const AffineIndex odd = scaled_add(even, 1, affine_const(1));
                  return std::vector<int>{
                      scalar(body, ScalarOp::Add, t, {st[0], lane_term(body, prefix, even)}),
                      scalar(body, ScalarOp::Add, t, {st[1], lane_term(body, prefix, odd)})};
                });
          }
          if (n % 2 != 0) {
            const AffineIndex last = scaled_add(first, 1, affine_const(n - 1));
            ab[0] = scalar(in, ScalarOp::Add, t, {ab[0], lane_term(in, prefix, last)});
          }
          if (extra >= 0) ab[1] = scalar(in, ScalarOp::Add, t, {ab[1], extra});
          return scalar(in, ScalarOp::Add, t, {ab[0], ab[1]});
        };
        // The sum of the rows after the blocks (and of the rest).
        auto tail_sum = [&](Scope* in, const std::vector<AffineIndex>& prefix) {
          int extra = -1;
          if (rest > 0) {
            // The last `rest` lanes also take one of the last `rest` terms: count - k + q.
            std::vector<AffineIndex> idx = prefix;
            idx.push_back(scaled_add(affine_const(count - k), 1, q));
            const int take = scalar(
                in, ScalarOp::Ge, DType::Bool,
                {index_value(q, DType::I64), constant(Scalar::of_int(DType::I64, k - rest))});
            extra = scalar(in, ScalarOp::Select, t, {take, term(in, idx), zero});
          }
          return rows_sum(in, tail, prefix, affine_const(blocks * m), extra);
        };
        if (blocks == 0 && outer_terms == 1) {  // one part: no compensation needed
          return std::vector<int>{
              tail_sum(ls, std::vector<AffineIndex>(outer.size(), affine_const(0)))};
        }
        const std::vector<int> st = emit_loop_nest(
            ls, outer, {t, t}, {p[0], zero},
            [&](Scope* in, const std::vector<int>& vars, const std::vector<int>& st0) {
              std::vector<AffineIndex> prefix;
              for (int v : vars) prefix.push_back(affine_var(v));
              std::vector<int> r = st0;
              if (blocks > 0) {
                r = emit_loop_nest(
                    in, {blocks}, {t, t}, r,
                    [&](Scope* bin, const std::vector<int>& g, const std::vector<int>& bst) {
                      return kahan_add(bin, t, bst,
                                       rows_sum(bin, m, prefix, affine_var(g[0], m), -1));
                    });
              }
              if (tail == 0 && rest == 0) return r;
              return kahan_add(in, t, r, tail_sum(in, prefix));
            });
        return std::vector<int>{scalar(ls, ScalarOp::Sub, t, {st[0], st[1]})};
      });
  // Mark the Loop that emit_loop_nest made (lane_sum[0] reads it) as a lane loop.
  Op& lanes = s->block.ops[loop_index(s->block, lane_sum[0])];
  lanes.lanes = true;
  lanes.sop = ScalarOp::Add;
  return scalar(s, ScalarOp::Add, t, {init, lane_sum[0]});
}

std::vector<int> KernelBuilder::reduction_loop(const Equation& e, const Coords& coords, Scope* s,
                                               const std::vector<int>& init,
                                               const ReduceRange* range) {
  const Atom& a = e.inputs[0];
  const AbstractValue ia = g_.aval(a);
  const bool arg = is_arg_reduce(e);
  const DType od = g_.aval(e.outputs[0]).dtype;
  std::vector<std::int64_t> axes;
  if (arg) {
    axes = {e.params.get_int("axis")};
  } else {
    axes = e.params.get_ints("axes");
  }
  for (auto& ax : axes) {
    if (ax < 0) ax += ia.rank();
  }
  std::sort(axes.begin(), axes.end());
  std::vector<std::int64_t> trips;
  for (auto ax : axes) {
    trips.push_back(range && range->axis == ax ? range->trips
                                               : ia.shape[static_cast<std::size_t>(ax)]);
  }
  // The operand at reduced indices idx (one per axis); `along` receives the coordinate
  // along the (single) axis of argmax/argmin.
  auto element = [&](const std::vector<AffineIndex>& idx, AffineIndex* along) {
    Coords c;
    std::size_t k = 0, j = 0;
    for (int d = 0; d < ia.rank(); ++d) {
      if (j < axes.size() && axes[j] == d) {
        AffineIndex x = idx[j++];
        if (range && range->axis == d) x = scaled_add(x, range->step, range->base);
        if (along) *along = x;
        c.push_back(x);
      } else {
        c.push_back(coords.at(k++));
      }
    }
    return emit(a, c);
  };
  // argmax/argmin keep the first of equal values, and the partials of a split
  // reduction promise one summation order at every vector width.
  const bool reassociable = !arg && range == nullptr;
  if (is_float_sum(e)) {
    return {emit_sum(
        s, trips, od, init.at(0),
        [&](Scope* inner, const std::vector<AffineIndex>& idx) {
          return convert(inner, element(idx, nullptr), ia.dtype, od);
        },
        reassociable, range == nullptr && axes.back() == ia.rank() - 1)};
  }
  std::vector<DType> dtypes{arg ? ia.dtype : od};
  if (arg) dtypes.push_back(od);
  return emit_loop_nest(
      s, trips, dtypes, init,
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
        std::vector<AffineIndex> idx;
        for (int v : vars) idx.push_back(affine_var(v));
        AffineIndex along;
        int v = element(idx, &along);
        if (!arg)
          return reduction_step(e, inner, state, convert(inner, v, ia.dtype, od), -1, false);
        return reduction_step(e, inner, state, v, index_value(along, od), false);
      },
      reassociable);
}

int KernelBuilder::expand_reduce(const Equation& e, const Coords& coords, Scope* s) {
  std::vector<int> r = reduction_loop(e, coords, s, reduction_identity(e), nullptr);
  return r.back();  // the accumulator, or argmax/argmin's index
}

std::vector<int> KernelBuilder::emit_reduction(const Equation& e, const Coords& coords,
                                               const std::vector<int>& init,
                                               const ReduceRange* range, bool apart) {
  Coords where = coords;
  if (range) where.push_back(range->base);
  if (apart && is_float_sum(e)) {
    const DType od = g_.aval(e.outputs[0]).dtype;
    Scope* s = target(where);
    const int part = reduction_loop(e, coords, s, reduction_identity(e), range)[0];
    return {scalar(s, ScalarOp::Add, od, {init.at(0), part})};
  }
  return reduction_loop(e, coords, target(where), init, range);
}

std::vector<int> KernelBuilder::fold_state_buffers(const Equation& e, const std::vector<int>& bufs,
                                                   std::int64_t count, std::int64_t stride,
                                                   const std::vector<int>& init, bool compensated) {
  const bool arg = is_arg_reduce(e);
  const DType od = g_.aval(e.outputs[0]).dtype;
  std::vector<DType> dtypes{arg ? g_.aval(e.inputs[0]).dtype : od};
  if (arg) dtypes.push_back(od);
  LANES_CHECK(bufs.size() == dtypes.size() && init.size() == dtypes.size(),
              "lower: " + e.prim->name + " folds " + std::to_string(bufs.size()) +
                  " state buffers into " + std::to_string(init.size()) + " values");
  // Element p * stride (+ the lane, the kernel's index variable 0, when stride > 1).
  auto load = [&](Scope* inner, std::size_t k, int p) {
    Op op;
    op.kind = OpKind::Load;
    op.dtype = dtypes[k];
    op.buffer = bufs[k];
    op.index = stride == 1 ? affine_var(p) : scaled_add(affine_var(p), stride, affine_var(0));
    return append(inner, std::move(op));
  };
  if (compensated) {  // a float sum: each partial joins the compensated total
    std::vector<int> st = emit_loop_nest(
        root_.get(), {count}, {od, od}, {init.at(0), constant(Scalar::of_double(od, 0))},
        [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
          return kahan_add(inner, od, state, load(inner, 0, vars[0]));
        });
    return {scalar(root_.get(), ScalarOp::Sub, od, {st[0], st[1]})};
  }
  return emit_loop_nest(
      root_.get(), {count}, dtypes, init,
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
        std::vector<int> part;
        for (std::size_t k = 0; k < bufs.size(); ++k) part.push_back(load(inner, k, vars[0]));
        return reduction_step(e, inner, state, part[0], arg ? part[1] : -1, /*tie_by_index=*/true);
      });
}

std::vector<int> KernelBuilder::emit_fold_partials(const Equation& e, const std::vector<int>& bufs,
                                                   std::int64_t count,
                                                   const std::vector<int>& init) {
  std::vector<int> state = fold_state_buffers(e, bufs, count, 1, init, /*compensated=*/false);
  // Tell backends which Loop this is (loop::PartialsFold): its results read it.
  kernel_.fold = {root_->block.ids[loop_index(root_->block, state[0])], bufs};
  return state;
}

std::vector<int> KernelBuilder::emit_fold_lanes(const Equation& e, const std::vector<int>& bufs,
                                                std::int64_t groups, const std::vector<int>& init) {
  return fold_state_buffers(e, bufs, groups, kSplitLanes, init, is_float_sum(e));
}

}  // namespace lanes::internal::lower
