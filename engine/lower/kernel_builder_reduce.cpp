// KernelBuilder's reductions (see kernel_builder.h): reduce_sum/prod/max/min and
// argmax/argmin as counted loop nests carrying their state, over the whole reduced range
// (a reduction inlined into its consumer) or over a part of it, and the folds of partial
// states that split_reduction.h uses to finish a reduction computed in parts. Float sums
// take their order from kernel_builder_sum.cpp; bounds in docs/precision.md.
#include <algorithm>

#include "engine/lower/kernel_builder.h"
#include "engine/lower/split_reduction.h"
#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal::lower {

using loop::affine_const;
using loop::affine_var;
using loop::AffineIndex;
using loop::Op;
using loop::OpKind;

namespace {

bool is_arg_reduce(const Equation& e) { return e.prim->reduction.arg; }

}  // namespace

std::size_t loop_position(const loop::Block& block, int result) {
  int loop_id = -1;
  for (std::size_t i = 0; i < block.ids.size(); ++i) {
    if (block.ids[i] == result) loop_id = block.ops[i].args.at(0);
  }
  for (std::size_t i = 0; i < block.ids.size(); ++i) {
    if (block.ids[i] == loop_id) return i;
  }
  LANES_FAIL("lower: no Loop in the block for result %" + std::to_string(result));
}

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
        range == nullptr, range == nullptr && axes.back() == ia.rank() - 1)};
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
                                               const ReduceRange* range) {
  Coords where = coords;
  if (range) where.push_back(range->base);
  return reduction_loop(e, coords, target(where), init, range);
}

std::vector<int> KernelBuilder::fold_state_buffers(const Equation& e, const std::vector<int>& bufs,
                                                   std::int64_t count, std::int64_t stride,
                                                   const std::vector<int>& init,
                                                   const ReduceRange* rest, bool mark) {
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
  Scope* root = root_.get();
  if (is_float_sum(e)) {  // each partial joins the compensated total, then the rest's sum
    std::vector<int> st = emit_loop_nest(
        root, {count}, {od, od}, {init.at(0), constant(Scalar::of_double(od, 0))},
        [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
          return kahan_add(inner, od, state, load(inner, 0, vars[0]));
        });
    if (rest) st = kahan_add(root, od, st, emit_reduction(e, {}, reduction_identity(e), rest)[0]);
    return {scalar(root, ScalarOp::Sub, od, {st[0], st[1]})};
  }
  std::vector<int> state = emit_loop_nest(
      root, {count}, dtypes, init,
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& st) {
        std::vector<int> part;
        for (std::size_t k = 0; k < bufs.size(); ++k) part.push_back(load(inner, k, vars[0]));
        return reduction_step(e, inner, st, part[0], arg ? part[1] : -1, /*tie_by_index=*/true);
      });
  // Tell backends which Loops these are (loop::PartialsFold): the results read them.
  if (mark) kernel_.fold = {root->block.ids[loop_position(root->block, state[0])], bufs};
  if (rest) {
    state = emit_reduction(e, {}, state, rest);
    if (mark) kernel_.fold.rest_loop = root->block.ids[loop_position(root->block, state[0])];
  }
  return state;
}

std::vector<int> KernelBuilder::emit_fold_partials(const Equation& e, const std::vector<int>& bufs,
                                                   std::int64_t count, const std::vector<int>& init,
                                                   const ReduceRange* rest) {
  return fold_state_buffers(e, bufs, count, 1, init, rest, /*mark=*/true);
}

std::vector<int> KernelBuilder::emit_fold_lanes(const Equation& e, const std::vector<int>& bufs,
                                                std::int64_t groups, const std::vector<int>& init,
                                                const ReduceRange* rows) {
  return fold_state_buffers(e, bufs, groups, kSplitLanes, init, rows, /*mark=*/false);
}

}  // namespace lanes::internal::lower
