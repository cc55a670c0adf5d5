// KernelBuilder's reductions (see kernel_builder.h): reduce_sum/prod/max/min and
// argmax/argmin as counted loop nests carrying their state, over the whole reduced range
// (a reduction inlined into its consumer) or over a part of it, and the sequential fold
// of partial states that split_reduction.h uses to finish a reduction computed in parts.
#include <algorithm>

#include "engine/lower/kernel_builder.h"
#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal::lower {

using loop::affine_var;
using loop::AffineIndex;
using loop::Op;
using loop::OpKind;

namespace {

bool is_arg_reduce(const Equation& e) { return e.prim->reduction.arg; }

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
  std::vector<DType> dtypes{arg ? ia.dtype : od};
  if (arg) dtypes.push_back(od);
  return emit_loop_nest(
      s, trips, dtypes, init,
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
        Coords c;
        AffineIndex along;  // the coordinate along the (single) axis of argmax/argmin
        std::size_t k = 0, j = 0;
        for (int d = 0; d < ia.rank(); ++d) {
          if (j < axes.size() && axes[j] == d) {
            AffineIndex x = affine_var(vars[j++]);
            if (range && range->axis == d) {
              x = affine_var(vars[j - 1], range->step);
              x.terms.insert(x.terms.end(), range->base.terms.begin(), range->base.terms.end());
              x.offset = range->base.offset;
            }
            along = x;
            c.push_back(x);
          } else {
            c.push_back(coords.at(k++));
          }
        }
        int v = emit(a, c);
        if (!arg)
          return reduction_step(e, inner, state, convert(inner, v, ia.dtype, od), -1, false);
        return reduction_step(e, inner, state, v, index_value(along, od), false);
      },
      // argmax/argmin keep the first of equal values, and the partials of a split
      // reduction promise one summation order at every vector width.
      /*reassociable=*/!arg && range == nullptr);
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

std::vector<int> KernelBuilder::emit_fold_partials(const Equation& e, const std::vector<int>& bufs,
                                                   std::int64_t count,
                                                   const std::vector<int>& init) {
  const bool arg = is_arg_reduce(e);
  const DType od = g_.aval(e.outputs[0]).dtype;
  std::vector<DType> dtypes{arg ? g_.aval(e.inputs[0]).dtype : od};
  if (arg) dtypes.push_back(od);
  if (bufs.size() != dtypes.size() || init.size() != dtypes.size()) {
    LANES_FAIL("lower: " + e.prim->name + " folds " + std::to_string(bufs.size()) +
               " partial buffers into " + std::to_string(init.size()) + " values");
  }
  std::vector<int> state = emit_loop_nest(
      root_.get(), {count}, dtypes, init,
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& state) {
        std::vector<int> part;
        for (std::size_t k = 0; k < bufs.size(); ++k) {
          Op op;
          op.kind = OpKind::Load;
          op.dtype = dtypes[k];
          op.buffer = bufs[k];
          op.index = affine_var(vars[0]);
          part.push_back(append(inner, std::move(op)));
        }
        return reduction_step(e, inner, state, part[0], arg ? part[1] : -1, /*tie_by_index=*/true);
      });
  // Tell backends which Loop this is (loop::PartialsFold): its results read it.
  const loop::Block& root = root_->block;
  for (std::size_t i = 0; i < root.ids.size(); ++i) {
    if (root.ids[i] == state[0]) kernel_.fold = {root.ops[i].args.at(0), bufs};
  }
  return state;
}

}  // namespace lanes::internal::lower
