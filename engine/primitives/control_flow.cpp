// The control_flow primitive family: cond, while_loop, fori_loop, scan.
//
// Each primitive carries its callables as sub-graphs (GraphRef params). Values that a
// sub-graph captured from the enclosing trace ("consts") are explicit operands, and the
// sub-graph takes them as trailing inputs, which is the order the Tracer appends them in.
// Operand and sub-graph layouts:
//
//   cond        operands  (index, ops...)            index: bool (2 branches) or integer
//               params    branches: vector<GraphRef>, each (ops...) -> (outs...)
//               For a bool index branch 0 is the false branch; an integer index is
//               clamped to [0, n-1] (lax.switch). `ops` already include the union of the
//               branches' captures at its end (every branch takes all of them).
//   while_loop  operands  (cond_consts..., body_consts..., carries...)
//               params    cond_graph: (carries..., cond_consts...) -> (bool[])
//                         body_graph: (carries..., body_consts...) -> (carries...)
//                         cond_nconsts, body_nconsts, max_iterations (-1: unbounded)
//   fori_loop   operands  (lo, hi, consts..., carries...)   lo, hi: integer scalars
//               params    body_graph: (i, carries..., consts...) -> (carries...)
//                         num_consts
//   scan        operands  (consts..., carries..., xs...)    xs stacked along axis 0
//               params    body_graph: (carries..., x slices..., consts...)
//                                       -> (carries..., y slices...)
//                         length, reverse, num_carry, num_consts
//               outputs   (carries..., ys...)  ys stacked along a new axis 0
//
// The shape rules re-check every sub-graph signature against the operands (dtype and
// shape; weak types may differ, since the interpreter's arrays do not carry them). The
// reference implementations run the sub-graphs with the interpreter.
#include <lanes/ops.h>

#include <algorithm>
#include <cstring>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/trace.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "runtime/check.h"

namespace lanes::internal {

// The JVP rule of each kind of control flow (control_flow_jvp.cpp).
JvpFn control_flow_jvp(ControlFlowKind kind);

namespace {

bool same_type(const AbstractValue& a, const AbstractValue& b) {
  return a.dtype == b.dtype && a.shape == b.shape;
}

// Throws ShapeError (shape differs) or DTypeError (dtype differs) unless a and b agree.
void expect_type(const std::string& prim, const std::string& what, const AbstractValue& have,
                 const AbstractValue& want) {
  if (same_type(have, want)) return;
  std::string msg =
      prim + ": " + what + " is " + have.to_string() + ", expected " + want.to_string();
  if (have.shape != want.shape) throw ShapeError(msg);
  throw DTypeError(msg);
}

void expect_count(const std::string& prim, const std::string& what, std::size_t have,
                  std::size_t want) {
  if (have != want) {
    LANES_FAIL(prim + ": " + what + " has " + std::to_string(have) + ", expected " +
               std::to_string(want));
  }
}

// Checks that `g` takes exactly `avals` as inputs.
void expect_inputs(const std::string& prim, const std::string& graph_name, const Graph& g,
                   std::span<const AbstractValue> avals) {
  expect_count(prim, graph_name + " inputs", g.inputs.size(), avals.size());
  for (std::size_t i = 0; i < avals.size(); ++i) {
    expect_type(prim, graph_name + " input " + std::to_string(i), g.aval(g.inputs[i]), avals[i]);
  }
}

void expect_outputs(const std::string& prim, const std::string& graph_name, const Graph& g,
                    std::span<const AbstractValue> avals) {
  AvalList outs = g.output_avals();
  expect_count(prim, graph_name + " outputs", outs.size(), avals.size());
  for (std::size_t i = 0; i < avals.size(); ++i) {
    expect_type(prim, graph_name + " output " + std::to_string(i), outs[i], avals[i]);
  }
}

const Graph& graph_param(const Params& params, const std::string& name) {
  const GraphRef& g = params.get_graph(name);
  if (!g) LANES_FAIL("control flow: param " + name + " is a null graph");
  return *g;
}

std::size_t count_param(const Params& params, const std::string& name) {
  std::int64_t n = params.get_int(name);
  if (n < 0) LANES_FAIL("control flow: param " + name + " is negative");
  return static_cast<std::size_t>(n);
}

template <class T>
std::vector<T> concat(std::span<const T> a, std::span<const T> b) {
  std::vector<T> r(a.begin(), a.end());
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

bool scalar_true(const Array& a) { return a.element_as_double(0) != 0; }

// An integer or bool scalar, read exactly (a double cannot hold every i64).
std::int64_t scalar_int(const Array& a) {
  switch (a.dtype()) {
    case DType::I64:
      return a.data<std::int64_t>()[0];
    case DType::I32:
      return a.data<std::int32_t>()[0];
    case DType::Bool:
      return a.data<bool>()[0] ? 1 : 0;
    default:
      LANES_FAIL("control flow: expected an integer scalar, got a float");
  }
}

// --- cond -------------------------------------------------------------------------

AvalList cond_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  if (in.empty()) LANES_FAIL("cond: no index operand");
  const AbstractValue& index = in[0];
  const auto& branches = params.get<std::vector<GraphRef>>("branches");
  if (branches.empty()) throw ArgumentError("cond: no branches");
  if (!index.shape.empty()) {
    throw ShapeError("cond: the predicate must be a scalar, got " + index.to_string());
  }
  if (is_float(index.dtype)) {
    throw DTypeError("cond: the predicate must be bool (or an integer branch index), got " +
                     index.to_string());
  }
  if (index.dtype == DType::Bool && branches.size() != 2) {
    throw ArgumentError("cond: a bool predicate selects between 2 branches, got " +
                        std::to_string(branches.size()));
  }
  std::span<const AbstractValue> ops = in.subspan(1);
  AvalList outs;
  for (std::size_t k = 0; k < branches.size(); ++k) {
    if (!branches[k]) LANES_FAIL("cond: null branch graph");
    std::string name = "branch " + std::to_string(k);
    expect_inputs("cond", name, *branches[k], ops);
    if (k == 0) {
      outs = branches[0]->output_avals();
      continue;
    }
    expect_outputs("cond", name, *branches[k], outs);
    // The output is weak only where every branch's is.
    AvalList mine = branches[k]->output_avals();
    for (std::size_t i = 0; i < outs.size(); ++i) outs[i].weak = outs[i].weak && mine[i].weak;
  }
  return outs;
}

std::vector<Array> cond_impl(std::span<const Array> in, const Params& params) {
  const auto& branches = params.get<std::vector<GraphRef>>("branches");
  std::int64_t n = static_cast<std::int64_t>(branches.size());
  std::int64_t k = std::clamp<std::int64_t>(scalar_int(in[0]), 0, n - 1);
  return interpret(*branches[static_cast<std::size_t>(k)], in.subspan(1));
}

// --- while_loop ---------------------------------------------------------------------

AvalList while_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  std::size_t cn = count_param(params, "cond_nconsts");
  std::size_t bn = count_param(params, "body_nconsts");
  if (in.size() < cn + bn) LANES_FAIL("while_loop: fewer operands than consts");
  std::span<const AbstractValue> carries = in.subspan(cn + bn);
  const Graph& cg = graph_param(params, "cond_graph");
  const Graph& bg = graph_param(params, "body_graph");
  expect_inputs("while_loop", "cond_graph", cg, concat(carries, in.subspan(0, cn)));
  expect_outputs("while_loop", "cond_graph", cg, AvalList{{DType::Bool, {}, false}});
  expect_inputs("while_loop", "body_graph", bg, concat(carries, in.subspan(cn, bn)));
  expect_outputs("while_loop", "body_graph", bg, carries);
  AvalList ins = bg.input_avals();
  return AvalList(ins.begin(), ins.begin() + static_cast<std::ptrdiff_t>(carries.size()));
}

std::vector<Array> while_impl(std::span<const Array> in, const Params& params) {
  std::size_t cn = count_param(params, "cond_nconsts");
  std::size_t bn = count_param(params, "body_nconsts");
  std::int64_t max_iterations = params.get_int("max_iterations");
  const Graph& cg = graph_param(params, "cond_graph");
  const Graph& bg = graph_param(params, "body_graph");
  std::span<const Array> cond_consts = in.subspan(0, cn);
  std::span<const Array> body_consts = in.subspan(cn, bn);
  std::vector<Array> carries(in.begin() + static_cast<std::ptrdiff_t>(cn + bn), in.end());
  for (std::int64_t iteration = 0;; ++iteration) {
    std::vector<Array> c_args = concat<Array>(carries, cond_consts);
    if (!scalar_true(interpret(cg, c_args)[0])) break;
    if (max_iterations >= 0 && iteration >= max_iterations) {
      throw RuntimeError("while_loop: the loop exceeded max_iterations=" +
                         std::to_string(max_iterations));
    }
    carries = interpret(bg, concat<Array>(carries, body_consts));
  }
  return carries;
}

// --- fori_loop ----------------------------------------------------------------------

void check_bound(const char* which, const AbstractValue& a) {
  if (!a.shape.empty()) {
    throw ShapeError(std::string("fori_loop: ") + which + " must be a scalar, got " +
                     a.to_string());
  }
  if (!is_int(a.dtype)) {
    throw DTypeError(std::string("fori_loop: ") + which + " must be an integer, got " +
                     a.to_string());
  }
}

AvalList fori_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  std::size_t nc = count_param(params, "num_consts");
  if (in.size() < 2 + nc) LANES_FAIL("fori_loop: fewer operands than lo, hi, consts");
  check_bound("lo", in[0]);
  check_bound("hi", in[1]);
  if (in[0].dtype != in[1].dtype) {
    throw DTypeError("fori_loop: lo and hi have different dtypes, " + in[0].to_string() + " and " +
                     in[1].to_string());
  }
  std::span<const AbstractValue> consts = in.subspan(2, nc);
  std::span<const AbstractValue> carries = in.subspan(2 + nc);
  const Graph& bg = graph_param(params, "body_graph");
  AvalList want{{in[0].dtype, {}, false}};
  want.insert(want.end(), carries.begin(), carries.end());
  want.insert(want.end(), consts.begin(), consts.end());
  expect_inputs("fori_loop", "body_graph", bg, want);
  expect_outputs("fori_loop", "body_graph", bg, carries);
  AvalList ins = bg.input_avals();
  return AvalList(ins.begin() + 1, ins.begin() + 1 + static_cast<std::ptrdiff_t>(carries.size()));
}

std::vector<Array> fori_impl(std::span<const Array> in, const Params& params) {
  std::size_t nc = count_param(params, "num_consts");
  const Graph& bg = graph_param(params, "body_graph");
  std::int64_t lo = scalar_int(in[0]);
  std::int64_t hi = scalar_int(in[1]);
  std::span<const Array> consts = in.subspan(2, nc);
  std::vector<Array> carries(in.begin() + static_cast<std::ptrdiff_t>(2 + nc), in.end());
  DType index_dtype = in[0].dtype();
  for (std::int64_t i = lo; i < hi; ++i) {
    Array index = Array::empty(index_dtype, {});
    if (index_dtype == DType::I32) {
      index.mutable_data<std::int32_t>()[0] = static_cast<std::int32_t>(i);
    } else {
      index.mutable_data<std::int64_t>()[0] = i;
    }
    std::vector<Array> args{index};
    args.insert(args.end(), carries.begin(), carries.end());
    args.insert(args.end(), consts.begin(), consts.end());
    carries = interpret(bg, args);
  }
  return carries;
}

// --- scan ---------------------------------------------------------------------------

AbstractValue slice_aval(const AbstractValue& a) {
  return {a.dtype, Shape(a.shape.begin() + 1, a.shape.end()), a.weak};
}

AvalList scan_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  std::size_t nc = count_param(params, "num_consts");
  std::size_t ncarry = count_param(params, "num_carry");
  std::int64_t length = params.get_int("length");
  if (length < 0) throw ShapeError("scan: negative length " + std::to_string(length));
  if (in.size() < nc + ncarry) LANES_FAIL("scan: fewer operands than consts, carries");
  std::span<const AbstractValue> consts = in.subspan(0, nc);
  std::span<const AbstractValue> carries = in.subspan(nc, ncarry);
  std::span<const AbstractValue> xs = in.subspan(nc + ncarry);
  AvalList want(carries.begin(), carries.end());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape.empty() || xs[i].shape[0] != length) {
      throw ShapeError("scan: xs " + std::to_string(i) + " is " + xs[i].to_string() +
                       ", expected a leading extent of " + std::to_string(length));
    }
    want.push_back(slice_aval(xs[i]));
  }
  want.insert(want.end(), consts.begin(), consts.end());
  const Graph& bg = graph_param(params, "body_graph");
  expect_inputs("scan", "body_graph", bg, want);
  AvalList outs = bg.output_avals();
  if (outs.size() < ncarry) LANES_FAIL("scan: body_graph has fewer outputs than carries");
  expect_outputs("scan", "body_graph", bg,
                 concat(carries, std::span<const AbstractValue>(outs).subspan(ncarry)));
  AvalList ins = bg.input_avals();
  AvalList result(ins.begin(), ins.begin() + static_cast<std::ptrdiff_t>(ncarry));
  for (std::size_t i = ncarry; i < outs.size(); ++i) {
    AbstractValue y = outs[i];
    y.shape.insert(y.shape.begin(), length);
    result.push_back(y);
  }
  return result;
}

// Slice i along axis 0 (row-major: a contiguous block).
Array take_slice(const Array& a, std::int64_t i) {
  Array r = Array::empty(a.dtype(), Shape(a.shape().begin() + 1, a.shape().end()));
  std::size_t nb = r.nbytes();
  if (nb)
    std::memcpy(r.raw(), static_cast<const char*>(a.raw()) + nb * static_cast<std::size_t>(i), nb);
  return r;
}

void put_slice(Array& dst, std::int64_t i, const Array& src) {
  std::size_t nb = src.nbytes();
  if (nb)
    std::memcpy(static_cast<char*>(dst.raw()) + nb * static_cast<std::size_t>(i), src.raw(), nb);
}

std::vector<Array> scan_impl(std::span<const Array> in, const Params& params) {
  std::size_t nc = count_param(params, "num_consts");
  std::size_t ncarry = count_param(params, "num_carry");
  std::int64_t length = params.get_int("length");
  bool reverse = params.get<bool>("reverse");
  const Graph& bg = graph_param(params, "body_graph");
  std::span<const Array> consts = in.subspan(0, nc);
  std::vector<Array> carries(in.begin() + static_cast<std::ptrdiff_t>(nc),
                             in.begin() + static_cast<std::ptrdiff_t>(nc + ncarry));
  std::span<const Array> xs = in.subspan(nc + ncarry);
  AvalList outs = bg.output_avals();
  std::vector<Array> ys;
  for (std::size_t k = ncarry; k < outs.size(); ++k) {
    Shape s = outs[k].shape;
    s.insert(s.begin(), length);
    ys.push_back(Array::empty(outs[k].dtype, s));
  }
  for (std::int64_t step = 0; step < length; ++step) {
    std::int64_t i = reverse ? length - 1 - step : step;
    std::vector<Array> args = carries;
    for (const Array& x : xs) args.push_back(take_slice(x, i));
    args.insert(args.end(), consts.begin(), consts.end());
    std::vector<Array> r = interpret(bg, args);
    for (std::size_t k = 0; k < ys.size(); ++k) put_slice(ys[k], i, r[ncarry + k]);
    r.resize(ncarry);
    carries = std::move(r);
  }
  carries.insert(carries.end(), ys.begin(), ys.end());
  return carries;
}

// --- batching rules (vmap) ----------------------------------------------------------
//
// Sub-graphs are batched with vmap_graph. Loop carries are batched as a fixed point: a
// carry is batched if its init is, or if the body makes it batched from batched inputs
// (then its init is broadcast). A batched predicate turns cond into "evaluate every
// branch and select", and while_loop into "run until every lane is done, updating only
// the lanes still active", as JAX does.

using Dims = std::vector<std::int64_t>;
using BatchIn = std::span<const Value>;
using BatchDims = std::span<const std::int64_t>;

Dims dims_of(const std::vector<bool>& batched, std::int64_t at = 0) {
  Dims d;
  for (bool b : batched) d.push_back(b ? at : -1);
  return d;
}

Dims cat_dims(std::initializer_list<std::span<const std::int64_t>> parts) {
  Dims r;
  for (auto p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

std::vector<Value> cat_values(std::initializer_list<std::span<const Value>> parts) {
  std::vector<Value> r;
  for (auto p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

// Marks carries batched until the body (inputs: prefix, carries, suffix) keeps them so.
std::vector<bool> carry_fixed_point(const Graph& body, std::size_t first_carry,
                                    std::vector<bool> carry, BatchDims prefix, BatchDims suffix,
                                    std::int64_t batch_size) {
  for (;;) {
    Dims carry_dims = dims_of(carry);
    Dims in = cat_dims({prefix, carry_dims, suffix});
    std::vector<bool> out = batched_outputs(body, in, batch_size);
    bool changed = false;
    for (std::size_t k = 0; k < carry.size(); ++k) {
      if (out[first_carry + k] && !carry[k]) carry[k] = changed = true;
    }
    if (!changed) return carry;
  }
}

// The carries with batch axis 0 where `batched`, as they are otherwise.
std::vector<Value> carries_at0(BatchIn carries, BatchDims dims, const std::vector<bool>& batched,
                               std::int64_t batch_size) {
  std::vector<Value> r;
  for (std::size_t k = 0; k < carries.size(); ++k) {
    r.push_back(batched[k] ? batch_at(carries[k], dims[k], batch_size, 0) : carries[k]);
  }
  return r;
}

// select(pred, a, b) with pred: bool[B] and a, b batched at 0.
Value select_lanes(const Value& pred, const Value& a, const Value& b) {
  Value p = a.rank() > 1 ? lanes::broadcast_in_dim(pred, a.shape(), {0}) : pred;
  return bind1("select", {p, a, b});
}

BatchResult cond_batch(BatchIn in, BatchDims dims, std::int64_t batch_size, const Params& params) {
  const auto& branches = params.get<std::vector<GraphRef>>("branches");
  BatchIn ops = in.subspan(1);
  BatchDims op_dims = dims.subspan(1);
  std::size_t nout = branches[0]->outputs.size();
  if (dims[0] < 0) {
    // One branch runs for the whole batch: batch each branch with the same output axes.
    std::vector<bool> batched(nout, false);
    for (const GraphRef& b : branches) {
      std::vector<bool> o = batched_outputs(*b, op_dims, batch_size);
      for (std::size_t k = 0; k < nout; ++k) batched[k] = batched[k] || o[k];
    }
    Dims out_dims = dims_of(batched);
    std::vector<GraphRef> graphs;
    for (const GraphRef& b : branches) {
      graphs.push_back(
          std::make_shared<const Graph>(vmap_graph(*b, op_dims, batch_size, out_dims)));
    }
    return {internal::bind(primitive("cond"), in, Params{{"branches", std::move(graphs)}}),
            out_dims};
  }
  // A predicate per lane: evaluate every branch, then pick per lane.
  // Each branch is batched straight into this trace (not through vmap_graph, whose
  // result would hold the flattened nested branches once per level: quadratic).
  std::vector<std::vector<Value>> outs;
  for (const GraphRef& b : branches) {
    BatchedValues r = batch_inline(*b, ops, op_dims, batch_size);
    std::vector<Value> v;
    for (std::size_t k = 0; k < nout; ++k) {
      v.push_back(batch_at(r.values[k], r.dims[k], batch_size, 0));
    }
    outs.push_back(std::move(v));
  }
  Value index = in[0];  // rank 0 per element, so the batch axis is axis 0
  std::vector<Value> result = outs[0];
  if (index.dtype() == DType::Bool) {
    for (std::size_t k = 0; k < nout; ++k) result[k] = select_lanes(index, outs[1][k], outs[0][k]);
  } else {
    auto last = static_cast<std::int64_t>(branches.size()) - 1;
    for (std::size_t j = 1; j < branches.size(); ++j) {
      // lax.switch clamps the index: the last branch also takes every index above it.
      Value take = j == branches.size() - 1 ? lanes::ge(index, Value(last))
                                            : lanes::eq(index, Value(static_cast<std::int64_t>(j)));
      for (std::size_t k = 0; k < nout; ++k) result[k] = select_lanes(take, outs[j][k], result[k]);
    }
  }
  return {result, Dims(nout, 0)};
}

BatchResult while_batch(BatchIn in, BatchDims dims, std::int64_t batch_size, const Params& params) {
  std::size_t cn = count_param(params, "cond_nconsts");
  std::size_t bn = count_param(params, "body_nconsts");
  const Graph& cg = graph_param(params, "cond_graph");
  const Graph& bg = graph_param(params, "body_graph");
  BatchIn cconsts = in.subspan(0, cn), bconsts = in.subspan(cn, bn), carries = in.subspan(cn + bn);
  BatchDims cdims = dims.subspan(0, cn), bdims = dims.subspan(cn, bn);
  BatchDims carry_in_dims = dims.subspan(cn + bn);
  std::vector<bool> batched;
  for (std::int64_t d : carry_in_dims) batched.push_back(d >= 0);
  batched = carry_fixed_point(bg, 0, batched, {}, bdims, batch_size);
  bool pred_batched = batched_outputs(cg, cat_dims({dims_of(batched), cdims}), batch_size).at(0);
  if (pred_batched) batched.assign(batched.size(), true);
  std::vector<Value> c0 = carries_at0(carries, carry_in_dims, batched, batch_size);
  Dims carry_dims = dims_of(batched);
  Dims cond_in = cat_dims({carry_dims, cdims});
  Dims body_in = cat_dims({carry_dims, bdims});
  if (!pred_batched) {
    Dims none{-1};
    Params p = params;
    p.set("cond_graph", std::make_shared<const Graph>(vmap_graph(cg, cond_in, batch_size, none)));
    p.set("body_graph",
          std::make_shared<const Graph>(vmap_graph(bg, body_in, batch_size, carry_dims)));
    return {
        internal::bind(primitive("while_loop"), cat_values({cconsts, bconsts, c0}), std::move(p)),
        carry_dims};
  }
  // Per-lane predicate: loop while any lane is active; the body updates active lanes only.
  std::vector<AbstractValue> carry_avals, cc_avals, bc_avals;
  for (const Value& v : c0) carry_avals.push_back(aval_of(v));
  for (const Value& v : cconsts) cc_avals.push_back(aval_of(v));
  for (const Value& v : bconsts) bc_avals.push_back(aval_of(v));
  const std::size_t nc = c0.size();
  // The condition and body are batched once each by vmap_graph (remembered for nested
  // rules, vmap.cpp) and inlined where they are used.
  const Graph batched_cond = vmap_graph(cg, cond_in, batch_size, Dims{0});
  auto lane_pred = [&](std::span<const Value> cs, std::span<const Value> consts) {
    return inline_graph(batched_cond, cat_values({cs, consts}))[0];  // bool[B]
  };
  std::vector<AbstractValue> cond_avals = carry_avals;
  cond_avals.insert(cond_avals.end(), cc_avals.begin(), cc_avals.end());
  TracedGraph new_cond = trace_graph(cond_avals, [&](std::span<const Value> ins) {
    return std::vector<Value>{lanes::max(lane_pred(ins.subspan(0, nc), ins.subspan(nc)), {0})};
  });
  std::vector<AbstractValue> body_avals = cond_avals;
  body_avals.insert(body_avals.end(), bc_avals.begin(), bc_avals.end());
  TracedGraph new_body = trace_graph(body_avals, [&](std::span<const Value> ins) {
    std::span<const Value> cs = ins.subspan(0, nc);
    Value active = lane_pred(cs, ins.subspan(nc, cn));
    std::vector<Value> next = inline_graph(vmap_graph(bg, body_in, batch_size, Dims(nc, 0)),
                                           cat_values({cs, ins.subspan(nc + cn)}));
    std::vector<Value> outs;
    for (std::size_t k = 0; k < nc; ++k) outs.push_back(select_lanes(active, next[k], cs[k]));
    return outs;
  });
  Params p = params;
  p.set("cond_graph", new_cond.graph);
  p.set("body_graph", new_body.graph);
  p.set("body_nconsts", static_cast<std::int64_t>(cn + bn));
  return {internal::bind(primitive("while_loop"), cat_values({cconsts, cconsts, bconsts, c0}),
                         std::move(p)),
          carry_dims};
}

BatchResult fori_batch(BatchIn in, BatchDims dims, std::int64_t batch_size, const Params& params) {
  std::size_t nconsts = count_param(params, "num_consts");
  const Graph& bg = graph_param(params, "body_graph");
  BatchIn consts = in.subspan(2, nconsts), carries = in.subspan(2 + nconsts);
  BatchDims const_dims = dims.subspan(2, nconsts), carry_in_dims = dims.subspan(2 + nconsts);
  if (dims[0] >= 0 || dims[1] >= 0) {
    // Per-lane bounds: the loop is a while_loop over (i, carries...) with hi as its const.
    AbstractValue index{in[0].dtype(), {}, false};
    std::vector<AbstractValue> carry_avals{index};
    for (std::size_t k = 0; k < carries.size(); ++k)
      carry_avals.push_back(bg.aval(bg.inputs[1 + k]));
    std::vector<AbstractValue> cond_avals = carry_avals;
    cond_avals.push_back(index);
    TracedGraph cond = trace_graph(cond_avals, [&](std::span<const Value> ins) {
      return std::vector<Value>{lanes::lt(ins[0], ins.back())};
    });
    std::vector<AbstractValue> body_avals = carry_avals;
    for (std::size_t k = 0; k < nconsts; ++k)
      body_avals.push_back(bg.aval(bg.inputs[1 + carries.size() + k]));
    TracedGraph body = trace_graph(body_avals, [&](std::span<const Value> ins) {
      std::vector<Value> next{lanes::add(ins[0], Value(1))};
      for (const Value& v : inline_graph(bg, ins)) next.push_back(v);
      return next;
    });
    Params p{{"cond_graph", cond.graph},
             {"body_graph", body.graph},
             {"cond_nconsts", std::int64_t{1}},
             {"body_nconsts", static_cast<std::int64_t>(nconsts)},
             {"max_iterations", std::int64_t{-1}}};
    std::vector<Value> ops = cat_values({in.subspan(1, 1), consts, in.subspan(0, 1), carries});
    Dims op_dims = cat_dims({dims.subspan(1, 1), const_dims, dims.subspan(0, 1), carry_in_dims});
    BatchResult r = while_batch(ops, op_dims, batch_size, p);
    r.outputs.erase(r.outputs.begin());
    r.out_batch_dims.erase(r.out_batch_dims.begin());
    return r;
  }
  std::vector<bool> batched;
  for (std::int64_t d : carry_in_dims) batched.push_back(d >= 0);
  Dims index_dim{-1};
  batched = carry_fixed_point(bg, 0, batched, index_dim, const_dims, batch_size);
  Dims carry_dims = dims_of(batched);
  Dims body_in = cat_dims({index_dim, carry_dims, const_dims});
  Params p = params;
  p.set("body_graph",
        std::make_shared<const Graph>(vmap_graph(bg, body_in, batch_size, carry_dims)));
  std::vector<Value> c0 = carries_at0(carries, carry_in_dims, batched, batch_size);
  return {internal::bind(primitive("fori_loop"), cat_values({in.subspan(0, 2 + nconsts), c0}),
                         std::move(p)),
          carry_dims};
}

BatchResult scan_batch(BatchIn in, BatchDims dims, std::int64_t batch_size, const Params& params) {
  std::size_t nconsts = count_param(params, "num_consts");
  std::size_t ncarry = count_param(params, "num_carry");
  const Graph& bg = graph_param(params, "body_graph");
  BatchIn consts = in.subspan(0, nconsts), carries = in.subspan(nconsts, ncarry);
  BatchIn xs = in.subspan(nconsts + ncarry);
  BatchDims const_dims = dims.subspan(0, nconsts), carry_in_dims = dims.subspan(nconsts, ncarry);
  BatchDims x_dims = dims.subspan(nconsts + ncarry);
  // xs keep the scanned axis first: a batched x gets its batch axis at 1, so each slice
  // has it at 0.
  std::vector<Value> xs1;
  Dims slice_dims;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xs1.push_back(x_dims[i] >= 0 ? move_batch_axis(xs[i], x_dims[i], 1) : xs[i]);
    slice_dims.push_back(x_dims[i] >= 0 ? 0 : -1);
  }
  std::vector<bool> batched;
  for (std::int64_t d : carry_in_dims) batched.push_back(d >= 0);
  batched = carry_fixed_point(bg, 0, batched, {}, cat_dims({slice_dims, const_dims}), batch_size);
  Dims carry_dims = dims_of(batched);
  Dims body_in = cat_dims({carry_dims, slice_dims, const_dims});
  std::vector<bool> outs = batched_outputs(bg, body_in, batch_size);
  Dims body_out = carry_dims, result_dims = carry_dims;
  for (std::size_t k = ncarry; k < outs.size(); ++k) {
    body_out.push_back(outs[k] ? 0 : -1);
    result_dims.push_back(outs[k] ? 1 : -1);
  }
  Params p = params;
  p.set("body_graph", std::make_shared<const Graph>(vmap_graph(bg, body_in, batch_size, body_out)));
  std::vector<Value> c0 = carries_at0(carries, carry_in_dims, batched, batch_size);
  return {internal::bind(primitive("scan"), cat_values({consts, c0, xs1}), std::move(p)),
          result_dims};
}

void define(const char* name, ControlFlowKind kind, AbstractEvalFn eval, ImplFn impl, BatchFn batch,
            VjpFn vjp) {
  Primitive p;
  p.name = name;
  p.family = "control_flow";
  p.abstract_eval = std::move(eval);
  p.impl = std::move(impl);
  p.batch = Rule<BatchFn>::defined(std::move(batch));
  p.jvp = Rule<JvpFn>::defined(control_flow_jvp(kind));
  p.vjp = Rule<VjpFn>::defined(std::move(vjp));
  p.lowering = LoweringKind::ControlFlow;
  p.control_flow = kind;
  register_primitive(std::move(p));
}

// --- VJP rules ---
//
// Reverse mode recomputes rather than stores the residuals of sub-graphs: the backward
// sub-graphs are vjp graphs (engine/transforms/vjp.h) that re-run the forward equations
// they need. Only float operands get cotangents.
//   cond        a cond over the same index whose branch k is the vjp of branch k, so only
//               the taken branch is differentiated.
//   scan        a forward scan that also stacks the carry before each step (the carry
//               trajectory), then a scan in the opposite direction over (trajectory, xs,
//               ct_ys) whose body is the vjp of the body; its carries are the carries'
//               cotangents and the consts' accumulated cotangents, its ys the xs'.
//   fori_loop   with static bounds (C++ integers): the scan of length hi - lo whose
//               carries are (i, carries...). Traced bounds: UnsupportedError.
//   while_loop  with max_iterations M >= 0: the scan of length M whose step runs the body
//               under a cond on the loop predicate (identity once the loop is done), so
//               the trajectory buffer has M entries. Without a bound: UnsupportedError.

std::vector<AbstractValue> avals_of_values(std::span<const Value> vs) {
  std::vector<AbstractValue> r;
  for (const Value& v : vs) r.push_back(aval_of(v));
  return r;
}

Value zeros_for(const Value& like) { return lanes::full(like.dtype(), like.shape(), 0.0); }

// The cotangents of a scan's operands (consts, init carries, xs), nullopt where zero or
// not float. `body` is (carries..., x slices..., consts...) -> (carries..., y slices...).
std::vector<Cotangent> scan_vjp_core(const GraphRef& body, std::int64_t length, bool reverse,
                                     std::span<const Value> consts, std::span<const Value> init,
                                     std::span<const Value> xs,
                                     std::span<const Cotangent> ct_carries,
                                     std::span<const Cotangent> ct_ys) {
  const std::size_t nk = consts.size(), nc = init.size(), nx = xs.size(), ny = ct_ys.size();
  // 1. The carry trajectory: a scan whose extra ys are the carries entering each step.
  std::vector<AbstractValue> fwd_in = body->input_avals();
  TracedGraph traj = trace_graph(fwd_in, [&](std::span<const Value> ins) {
    std::vector<Value> outs = inline_graph(*body, ins);
    outs.insert(outs.end(), ins.begin(), ins.begin() + static_cast<std::ptrdiff_t>(nc));
    return outs;
  });
  Params fp{{"body_graph", traj.graph},
            {"length", length},
            {"reverse", reverse},
            {"num_carry", static_cast<std::int64_t>(nc)},
            {"num_consts", static_cast<std::int64_t>(nk)}};
  std::vector<Value> fwd =
      internal::bind(primitive("scan"), cat_values({consts, init, xs}), std::move(fp));
  std::vector<Value> stacked(fwd.end() - static_cast<std::ptrdiff_t>(nc), fwd.end());

  // 2. The backward scan. Which operands carry cotangents:
  auto floats = [](std::span<const Value> vs) {
    std::vector<std::size_t> r;
    for (std::size_t i = 0; i < vs.size(); ++i) {
      if (is_float(vs[i].dtype())) r.push_back(i);
    }
    return r;
  };
  std::vector<std::size_t> fc = floats(init), fk = floats(consts), fx = floats(xs);
  std::vector<std::size_t> present_y;
  for (std::size_t j = 0; j < ny; ++j) {
    if (ct_ys[j]) present_y.push_back(j);
  }
  std::vector<Value> b_carry, b_xs;
  for (std::size_t k : fc) b_carry.push_back(ct_carries[k] ? *ct_carries[k] : zeros_for(init[k]));
  for (std::size_t k : fk) b_carry.push_back(zeros_for(consts[k]));
  b_xs = stacked;
  b_xs.insert(b_xs.end(), xs.begin(), xs.end());
  for (std::size_t j : present_y) b_xs.push_back(*ct_ys[j]);
  std::vector<AbstractValue> b_in = avals_of_values(b_carry);
  for (AbstractValue& a : b_in) a.weak = false;
  for (const Value& v : b_xs) b_in.push_back(slice_aval(aval_of(v)));
  for (const Value& v : consts) b_in.push_back(aval_of(v));
  const std::size_t nbc = b_carry.size();
  TracedGraph back = trace_graph(b_in, [&](std::span<const Value> ins) {
    std::span<const Value> ct_c = ins.subspan(0, fc.size());
    std::span<const Value> acc = ins.subspan(fc.size(), fk.size());
    std::span<const Value> c_i = ins.subspan(nbc, nc);
    std::span<const Value> x_i = ins.subspan(nbc + nc, nx);
    std::span<const Value> cty_i = ins.subspan(nbc + nc + nx, present_y.size());
    std::span<const Value> ks = ins.subspan(nbc + nc + nx + present_y.size());
    std::vector<Value> primals = cat_values({c_i, x_i, ks});
    std::vector<Cotangent> out_cts(nc + ny);
    for (std::size_t j = 0; j < fc.size(); ++j) out_cts[fc[j]] = ct_c[j];
    for (std::size_t j = 0; j < present_y.size(); ++j) out_cts[nc + present_y[j]] = cty_i[j];
    VjpValues r = vjp_inline(*body, primals, out_cts);
    std::vector<Value> outs;
    for (std::size_t k : fc) outs.push_back(r.input_cts[k] ? *r.input_cts[k] : zeros_for(c_i[k]));
    for (std::size_t j = 0; j < fk.size(); ++j) {
      const Cotangent& c = r.input_cts[nc + nx + fk[j]];
      outs.push_back(c ? lanes::add(acc[j], *c) : acc[j]);
    }
    for (std::size_t k : fx) {
      const Cotangent& c = r.input_cts[nc + k];
      outs.push_back(c ? *c : zeros_for(x_i[k]));
    }
    return outs;
  });
  Params bp{{"body_graph", back.graph},
            {"length", length},
            {"reverse", !reverse},
            {"num_carry", static_cast<std::int64_t>(nbc)},
            {"num_consts", static_cast<std::int64_t>(consts.size())}};
  if (!back.captures.empty()) LANES_FAIL("scan vjp: the backward body captured values");
  std::vector<Value> res =
      internal::bind(primitive("scan"), cat_values({consts, b_carry, b_xs}), std::move(bp));
  std::vector<Cotangent> out(nk + nc + nx);
  for (std::size_t j = 0; j < fc.size(); ++j) out[nk + fc[j]] = res[j];
  for (std::size_t j = 0; j < fk.size(); ++j) out[fk[j]] = res[fc.size() + j];
  for (std::size_t j = 0; j < fx.size(); ++j) out[nk + nc + fx[j]] = res[nbc + j];
  return out;
}

std::vector<Cotangent> scan_vjp(std::span<const Value> in, std::span<const Value>,
                                std::span<const Cotangent> ct, const Params& params) {
  std::size_t nk = count_param(params, "num_consts");
  std::size_t nc = count_param(params, "num_carry");
  return scan_vjp_core(params.get_graph("body_graph"), params.get_int("length"),
                       params.get<bool>("reverse"), in.subspan(0, nk), in.subspan(nk, nc),
                       in.subspan(nk + nc), ct.subspan(0, nc), ct.subspan(nc));
}

std::vector<Cotangent> cond_vjp(std::span<const Value> in, std::span<const Value> out,
                                std::span<const Cotangent> ct, const Params& params) {
  const auto& branches = params.get<std::vector<GraphRef>>("branches");
  std::span<const Value> ops = in.subspan(1);
  std::vector<std::size_t> fo, fi;  // float outputs and operands
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (is_float(out[k].dtype())) fo.push_back(k);
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (is_float(ops[i].dtype())) fi.push_back(i);
  }
  std::vector<Value> cts;
  for (std::size_t k : fo) cts.push_back(ct[k] ? *ct[k] : zeros_for(out[k]));
  std::vector<AbstractValue> avals = avals_of_values(ops);
  for (const Value& c : cts) avals.push_back(aval_of(c));
  std::vector<GraphRef> graphs;
  for (const GraphRef& b : branches) {
    TracedGraph t = trace_graph(avals, [&](std::span<const Value> ins) {
      std::vector<Cotangent> out_cts(out.size());
      for (std::size_t j = 0; j < fo.size(); ++j) out_cts[fo[j]] = ins[ops.size() + j];
      VjpValues r = vjp_inline(*b, ins.subspan(0, ops.size()), out_cts);
      std::vector<Value> outs;
      for (std::size_t i : fi) outs.push_back(r.input_cts[i] ? *r.input_cts[i] : zeros_for(ins[i]));
      return outs;
    });
    if (!t.captures.empty()) LANES_FAIL("cond vjp: a branch captured values");
    graphs.push_back(t.graph);
  }
  std::vector<Value> args{in[0]};
  args.insert(args.end(), ops.begin(), ops.end());
  args.insert(args.end(), cts.begin(), cts.end());
  std::vector<Value> r =
      internal::bind(primitive("cond"), args, Params{{"branches", std::move(graphs)}});
  std::vector<Cotangent> result(in.size());
  for (std::size_t j = 0; j < fi.size(); ++j) result[1 + fi[j]] = r[j];
  return result;
}

std::vector<Cotangent> fori_vjp(std::span<const Value> in, std::span<const Value>,
                                std::span<const Cotangent> ct, const Params& params) {
  if (!in[0].is_literal() || !in[1].is_literal()) {
    throw UnsupportedError(
        "grad: fori_loop with traced bounds (lo " + aval_of(in[0]).to_string() + ", hi " +
        aval_of(in[1]).to_string() +
        ") cannot be differentiated in reverse mode; give lo and hi as C++ integers (a static "
        "trip count) or use scan");
  }
  std::size_t nk = count_param(params, "num_consts");
  const GraphRef& bg = params.get_graph("body_graph");
  std::int64_t lo = in[0].literal().value.as_int64(), hi = in[1].literal().value.as_int64();
  std::span<const Value> consts = in.subspan(2, nk), carries = in.subspan(2 + nk);
  // (i, carries..., consts...) -> (i + 1, body(i, carries..., consts...)...)
  TracedGraph step = trace_graph(bg->input_avals(), [&](std::span<const Value> ins) {
    std::vector<Value> outs{lanes::add(ins[0], Value(1))};
    for (const Value& v : inline_graph(*bg, ins)) outs.push_back(v);
    return outs;
  });
  AbstractValue index = bg->aval(bg->inputs[0]);
  std::vector<Value> init{lanes::full(index.dtype, {}, Scalar::of(lo))};
  init.insert(init.end(), carries.begin(), carries.end());
  std::vector<Cotangent> ct_c{std::nullopt};
  ct_c.insert(ct_c.end(), ct.begin(), ct.end());
  std::vector<Cotangent> r = scan_vjp_core(step.graph, std::max<std::int64_t>(0, hi - lo), false,
                                           consts, init, {}, ct_c, {});
  std::vector<Cotangent> result{std::nullopt, std::nullopt};
  result.insert(result.end(), r.begin(), r.begin() + static_cast<std::ptrdiff_t>(nk));
  result.insert(result.end(), r.begin() + static_cast<std::ptrdiff_t>(nk + 1), r.end());
  return result;
}

std::vector<Cotangent> while_vjp(std::span<const Value> in, std::span<const Value>,
                                 std::span<const Cotangent> ct, const Params& params) {
  std::int64_t max_iterations = params.get_int("max_iterations");
  if (max_iterations < 0) {
    throw UnsupportedError(
        "grad: while_loop cannot be differentiated in reverse mode without a bound on its "
        "trip count; pass WhileOptions{.max_iterations = N} to lanes::while_loop (the "
        "carries of up to N iterations are stored for the backward pass)");
  }
  std::size_t cn = count_param(params, "cond_nconsts");
  std::size_t bn = count_param(params, "body_nconsts");
  const GraphRef& cg = params.get_graph("cond_graph");
  const GraphRef& bg = params.get_graph("body_graph");
  std::span<const Value> consts = in.subspan(0, cn + bn), carries = in.subspan(cn + bn);
  const std::size_t nc = carries.size();
  // The identity branch: (carries..., body_consts...) -> carries.
  std::vector<AbstractValue> branch_in = bg->input_avals();
  TracedGraph identity = trace_graph(branch_in, [&](std::span<const Value> ins) {
    return std::vector<Value>(ins.begin(), ins.begin() + static_cast<std::ptrdiff_t>(nc));
  });
  std::vector<GraphRef> branches{identity.graph, bg};
  // The step: (carries..., cond_consts..., body_consts...) -> carries'.
  std::vector<AbstractValue> step_in(branch_in.begin(),
                                     branch_in.begin() + static_cast<std::ptrdiff_t>(nc));
  for (const Value& c : consts) step_in.push_back(aval_of(c));
  TracedGraph step = trace_graph(step_in, [&](std::span<const Value> ins) {
    std::span<const Value> cs = ins.subspan(0, nc);
    Value active = inline_graph(*cg, cat_values({cs, ins.subspan(nc, cn)}))[0];
    std::vector<Value> args{active};
    args.insert(args.end(), cs.begin(), cs.end());
    for (const Value& v : ins.subspan(nc + cn)) args.push_back(v);
    return internal::bind(primitive("cond"), args, Params{{"branches", branches}});
  });
  std::vector<Cotangent> r =
      scan_vjp_core(step.graph, max_iterations, false, consts, carries, {}, ct, {});
  return r;  // (consts..., carries...) is the while_loop's operand order
}

}  // namespace

void register_control_flow() {
  define("cond", ControlFlowKind::Cond, cond_abstract_eval, cond_impl, cond_batch, cond_vjp);
  define("while_loop", ControlFlowKind::WhileLoop, while_abstract_eval, while_impl, while_batch,
         while_vjp);
  define("fori_loop", ControlFlowKind::ForiLoop, fori_abstract_eval, fori_impl, fori_batch,
         fori_vjp);
  define("scan", ControlFlowKind::Scan, scan_abstract_eval, scan_impl, scan_batch, scan_vjp);
}

}  // namespace lanes::internal
