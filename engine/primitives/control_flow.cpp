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
#include <algorithm>
#include <cstring>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/primitives/families.h"

namespace lanes::internal {

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
    throw InternalError(prim + ": " + what + " has " + std::to_string(have) + ", expected " +
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
  if (!g) throw InternalError("control flow: param " + name + " is a null graph");
  return *g;
}

std::size_t count_param(const Params& params, const std::string& name) {
  std::int64_t n = params.get_int(name);
  if (n < 0) throw InternalError("control flow: param " + name + " is negative");
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
      throw InternalError("control flow: expected an integer scalar, got a float");
  }
}

// --- cond -------------------------------------------------------------------------

AvalList cond_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  if (in.empty()) throw InternalError("cond: no index operand");
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
    if (!branches[k]) throw InternalError("cond: null branch graph");
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
  if (in.size() < cn + bn) throw InternalError("while_loop: fewer operands than consts");
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
  if (in.size() < 2 + nc) throw InternalError("fori_loop: fewer operands than lo, hi, consts");
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
  if (in.size() < nc + ncarry) throw InternalError("scan: fewer operands than consts, carries");
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
  if (outs.size() < ncarry) throw InternalError("scan: body_graph has fewer outputs than carries");
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

void define(const char* name, AbstractEvalFn eval, ImplFn impl) {
  Primitive p;
  p.name = name;
  p.family = "control_flow";
  p.abstract_eval = std::move(eval);
  p.impl = std::move(impl);
  p.batch = Rule<BatchFn>::unsupported("comes with the transformations issue");
  p.jvp = Rule<JvpFn>::unsupported("comes with the transformations issue");
  p.vjp = Rule<VjpFn>::unsupported("comes with the transformations issue");
  p.lowering = LoweringKind::ControlFlow;
  register_primitive(std::move(p));
}

}  // namespace

void register_control_flow() {
  define("cond", cond_abstract_eval, cond_impl);
  define("while_loop", while_abstract_eval, while_impl);
  define("fori_loop", fori_abstract_eval, fori_impl);
  define("scan", scan_abstract_eval, scan_impl);
}

}  // namespace lanes::internal
