// The DSL side of control flow: traces the user's callables into sub-graphs (closure
// conversion: values they capture from enclosing traces become explicit operands), checks
// their signatures with user-facing errors, and binds the control-flow primitives.
// The primitives and their operand layouts are in engine/primitives/control_flow.cpp.
#include <lanes/control_flow.h>

#include <memory>
#include <string>

#include "engine/ops/promotion.h"
#include "engine/trace.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {

bool same_type(const AbstractValue& a, const AbstractValue& b) {
  return a.dtype == b.dtype && a.shape == b.shape;
}

bool same_value(const Value& a, const Value& b) {
  return !a.is_literal() && !b.is_literal() && a.tracer_id() == b.tracer_id() && a.var() == b.var();
}

AvalList avals_of(const std::vector<Value>& vs) {
  AvalList r;
  r.reserve(vs.size());
  for (const Value& v : vs) r.push_back(aval_of(v));
  return r;
}

template <class T>
std::vector<T> cat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TracedGraph trace(const AvalList& ins, const BodyFn& fn) {
  return trace_graph(ins, [&](std::span<const Value> args) {
    return fn(std::vector<Value>(args.begin(), args.end()));
  });
}

std::string plural(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Throws ShapeError if the shapes of `have` and `want` differ, DTypeError otherwise.
[[noreturn]] void type_error(const std::string& msg, const AbstractValue& have,
                             const AbstractValue& want) {
  if (have.shape != want.shape) throw ShapeError(msg);
  throw DTypeError(msg);
}

// Traces a loop body whose inputs are (prefix..., carries..., suffix...) and whose first
// outputs are the new carries. A weakly typed carry (a C++ literal init) whose output comes
// back with a promoted or strong dtype takes that type and the body is traced again, as
// JAX does; any other change of a carry's dtype or shape is an error. With `exact`, the
// body must return exactly the carries; otherwise (scan) more outputs may follow.
TracedGraph trace_carry_body(const char* fn_name, const char* body_name, const AvalList& prefix,
                             AvalList& carries, const AvalList& suffix, const BodyFn& body,
                             bool exact) {
  for (std::size_t attempt = 0;; ++attempt) {
    TracedGraph t = trace(cat(cat(prefix, carries), suffix), body);
    AvalList outs = t.graph->output_avals();
    if (outs.size() < carries.size() || (exact && outs.size() != carries.size())) {
      throw ArgumentError(std::string(fn_name) + ": " + body_name + " returns " +
                          plural(outs.size(), "value") + " but the carry has " +
                          plural(carries.size(), "value"));
    }
    bool retrace = false;
    for (std::size_t k = 0; k < carries.size(); ++k) {
      AbstractValue& in = carries[k];
      const AbstractValue& out = outs[k];
      if (same_type(in, out)) {
        if (in.weak && !out.weak) {
          in.weak = false;
          retrace = true;
        }
        continue;
      }
      if (in.weak && in.shape == out.shape) {
        AbstractValue both[] = {in, out};
        if (promote_types(both).dtype == out.dtype) {
          in = {out.dtype, in.shape, out.weak};
          retrace = true;
          continue;
        }
      }
      type_error(std::string(fn_name) + ": " + body_name + " changes carry " + std::to_string(k) +
                     " from " + in.to_string() + " to " + out.to_string() +
                     " (a carry keeps its dtype and shape across iterations)",
                 out, in);
    }
    if (!retrace) return t;
    // Each retrace makes a carry strong or widens its dtype, so this ends quickly.
    if (attempt > 4 * carries.size() + 2) {
      LANES_FAIL(std::string(fn_name) + ": carry types did not settle");
    }
  }
}

// The init values converted to the (possibly re-typed) carry avals.
std::vector<Value> cast_inits(std::vector<Value> init, const AvalList& carries) {
  for (std::size_t k = 0; k < init.size(); ++k) {
    AbstractValue a = aval_of(init[k]);
    if (a.dtype != carries[k].dtype || (init[k].is_literal() && a.weak != carries[k].weak)) {
      init[k] = cast_to(init[k], carries[k].dtype, carries[k].weak);
    }
  }
  return init;
}

// A copy of the traced graph whose trailing inputs are `all` (a superset of the graph's own
// captures, in this order); captures the graph does not use become unused inputs.
GraphRef with_captures(const TracedGraph& t, std::size_t num_declared,
                       const std::vector<Value>& all) {
  if (t.captures.size() == all.size()) {
    bool same = true;
    for (std::size_t i = 0; i < all.size(); ++i) same = same && same_value(t.captures[i], all[i]);
    if (same) return t.graph;
  }
  Graph g = *t.graph;
  std::vector<int> inputs(g.inputs.begin(),
                          g.inputs.begin() + static_cast<std::ptrdiff_t>(num_declared));
  for (const Value& c : all) {
    int var = -1;
    for (std::size_t j = 0; j < t.captures.size(); ++j) {
      if (same_value(t.captures[j], c)) var = g.inputs[num_declared + j];
    }
    if (var < 0) var = g.new_var(aval_of(c));
    inputs.push_back(var);
  }
  g.inputs = std::move(inputs);
  return std::make_shared<const Graph>(std::move(g));
}

void check_scalar(const std::string& fn_name, const std::string& what, const Value& v,
                  bool want_bool) {
  AbstractValue a = aval_of(v);
  const char* kind = want_bool ? "a bool scalar" : "an integer scalar";
  if (!a.shape.empty()) {
    throw ShapeError(fn_name + ": " + what + " must be " + kind + ", got " + a.to_string());
  }
  if (want_bool ? a.dtype != DType::Bool : !is_int(a.dtype)) {
    throw DTypeError(fn_name + ": " + what + " must be " + kind + ", got " + a.to_string());
  }
}

}  // namespace

std::vector<Value> cond_values(const Value& index, const std::vector<BodyFn>& branches,
                               const std::vector<std::string>& branch_names,
                               const std::vector<Value>& operands, const char* fn_name) {
  const std::string name = fn_name;
  bool is_cond = name == "cond";
  check_scalar(name, is_cond ? "the predicate" : "the index", index, is_cond);
  if (branches.empty()) throw ArgumentError(name + ": no branches");
  current_tracer(fn_name);  // a TraceError outside a trace, before tracing the branches

  AvalList op_avals = avals_of(operands);
  std::vector<TracedGraph> traced;
  for (const BodyFn& b : branches) traced.push_back(trace(op_avals, b));

  // Every branch returns the types of branch 0, up to weak types; weak outputs of another
  // dtype are promoted (a branch returning 0.0 where the other returns f32 gives f32).
  AvalList first = traced[0].graph->output_avals();
  AvalList target = first;
  auto branch_mismatch = [&](std::size_t k, std::size_t i) {
    AbstractValue have = traced[k].graph->output_avals()[i];
    type_error(name + ": " + branch_names[k] + " output " + std::to_string(i) + " is " +
                   have.to_string() + " but " + branch_names[0] + " output " + std::to_string(i) +
                   " is " + first[i].to_string() +
                   " (branches must return the same dtypes and shapes)",
               have, first[i]);
  };
  for (std::size_t k = 1; k < traced.size(); ++k) {
    AvalList outs = traced[k].graph->output_avals();
    if (outs.size() != first.size()) {
      throw ArgumentError(name + ": " + branch_names[k] + " returns " +
                          plural(outs.size(), "value") + " but " + branch_names[0] + " returns " +
                          std::to_string(first.size()));
    }
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].shape != target[i].shape) branch_mismatch(k, i);
      AbstractValue both[] = {target[i], outs[i]};
      AbstractValue joined = promote_types(both);
      target[i] = {joined.dtype, target[i].shape, joined.weak};
    }
  }
  for (std::size_t k = 0; k < traced.size(); ++k) {
    AvalList outs = traced[k].graph->output_avals();
    bool recast = false;
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].dtype == target[i].dtype) continue;
      if (!outs[i].weak) {
        // Two strong dtypes disagree: some branch differs from branch 0.
        for (std::size_t j = 1; j < traced.size(); ++j) {
          if (traced[j].graph->output_avals()[i].dtype != first[i].dtype) branch_mismatch(j, i);
        }
      }
      recast = true;
    }
    if (!recast) continue;
    const BodyFn& b = branches[k];
    traced[k] = trace(op_avals, [&](const std::vector<Value>& args) {
      std::vector<Value> r = b(args);
      for (std::size_t i = 0; i < r.size(); ++i)
        r[i] = cast_to(r[i], target[i].dtype, target[i].weak);
      return r;
    });
  }

  // Closure conversion: every branch takes the union of all branches' captures.
  std::vector<Value> consts;
  for (const TracedGraph& t : traced) {
    for (const Value& c : t.captures) {
      bool seen = false;
      for (const Value& d : consts) seen = seen || same_value(c, d);
      if (!seen) consts.push_back(c);
    }
  }
  std::vector<GraphRef> graphs;
  for (const TracedGraph& t : traced) graphs.push_back(with_captures(t, operands.size(), consts));
  std::vector<Value> args{index};
  args.insert(args.end(), operands.begin(), operands.end());
  args.insert(args.end(), consts.begin(), consts.end());
  return internal::bind(primitive("cond"), args, Params{{"branches", std::move(graphs)}});
}

std::vector<Value> while_loop_values(const BodyFn& cond_fn, const BodyFn& body_fn,
                                     const std::vector<Value>& init, WhileOptions options) {
  current_tracer("while_loop");
  if (options.max_iterations < -1) {
    throw ArgumentError("while_loop: max_iterations must be >= 0, or -1 for no bound; got " +
                        std::to_string(options.max_iterations));
  }
  AvalList carries = avals_of(init);
  TracedGraph body = trace_carry_body("while_loop", "body_fn", {}, carries, {}, body_fn, true);
  TracedGraph cond = trace(carries, cond_fn);
  AvalList c_out = cond.graph->output_avals();
  if (c_out.size() != 1) {
    throw ArgumentError("while_loop: cond_fn must return one bool scalar, it returns " +
                        plural(c_out.size(), "value"));
  }
  if (!c_out[0].shape.empty() || c_out[0].dtype != DType::Bool) {
    type_error("while_loop: cond_fn must return a bool scalar, got " + c_out[0].to_string(),
               c_out[0], {DType::Bool, {}, false});
  }
  std::vector<Value> args = cat(cond.captures, body.captures);
  args = cat(std::move(args), cast_inits(init, carries));
  return internal::bind(primitive("while_loop"), args,
                        Params{{"cond_graph", cond.graph},
                               {"body_graph", body.graph},
                               {"cond_nconsts", static_cast<std::int64_t>(cond.captures.size())},
                               {"body_nconsts", static_cast<std::int64_t>(body.captures.size())},
                               {"max_iterations", options.max_iterations}});
}

std::vector<Value> fori_loop_values(const Value& lo, const Value& hi, const BodyFn& body_fn,
                                    const std::vector<Value>& init) {
  current_tracer("fori_loop");
  check_scalar("fori_loop", "lo", lo, false);
  check_scalar("fori_loop", "hi", hi, false);
  AbstractValue bounds[] = {aval_of(lo), aval_of(hi)};
  AbstractValue index = promote_types(bounds);
  Value lo_c = cast_to(lo, index.dtype, index.weak);
  Value hi_c = cast_to(hi, index.dtype, index.weak);
  AvalList carries = avals_of(init);
  TracedGraph body = trace_carry_body("fori_loop", "body", {{index.dtype, {}, index.weak}}, carries,
                                      {}, body_fn, true);
  std::vector<Value> args{lo_c, hi_c};
  args = cat(std::move(args), body.captures);
  args = cat(std::move(args), cast_inits(init, carries));
  return internal::bind(primitive("fori_loop"), args,
                        Params{{"body_graph", body.graph},
                               {"num_consts", static_cast<std::int64_t>(body.captures.size())}});
}

std::vector<Value> scan_values(const BodyFn& body_fn, const std::vector<Value>& init,
                               const std::vector<Value>& xs, ScanOptions options) {
  current_tracer("scan");
  std::int64_t length = options.length;
  AvalList x_avals;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    AbstractValue a = aval_of(xs[i]);
    if (a.shape.empty()) {
      throw ShapeError("scan: xs " + std::to_string(i) + " is " + a.to_string() +
                       ", a scalar; xs are scanned along their axis 0");
    }
    if (length >= 0 && a.shape[0] != length) {
      std::string against = i == 0 ? "the length option " + std::to_string(length)
                                   : "xs 0 has " + std::to_string(length);
      throw ShapeError("scan: xs " + std::to_string(i) + " is " + a.to_string() +
                       " with leading extent " + std::to_string(a.shape[0]) + ", but " + against);
    }
    length = a.shape[0];
    x_avals.push_back({a.dtype, Shape(a.shape.begin() + 1, a.shape.end()), a.weak});
  }
  if (length < 0) throw ArgumentError("scan: without xs, the length option is required");
  AvalList carries = avals_of(init);
  TracedGraph body = trace_carry_body("scan", "f", {}, carries, x_avals, body_fn, false);
  std::vector<Value> args = cat(body.captures, cast_inits(init, carries));
  args = cat(std::move(args), xs);
  return internal::bind(primitive("scan"), args,
                        Params{{"body_graph", body.graph},
                               {"length", length},
                               {"reverse", options.reverse},
                               {"num_carry", static_cast<std::int64_t>(init.size())},
                               {"num_consts", static_cast<std::int64_t>(body.captures.size())}});
}

}  // namespace lanes::internal
