// The autodiff primitives: stop_gradient, custom_jvp and custom_vjp.
//
//   stop_gradient  operands (x)           identity; zero tangent, zero cotangent.
//   custom_jvp     operands (args...)     params fun: (args...) -> (outs...)
//                                                jvp: (args..., tangents...) -> (outs..., touts...)
//                  Evaluates fun; forward mode uses the user's jvp graph instead of
//                  differentiating fun (and differentiates the jvp graph for higher orders).
//   custom_vjp     operands (args...)     params fun: (args...) -> (outs...)
//                                                fwd: (args...) -> (outs..., residuals...)
//                                                bwd: (residuals..., cts...) -> (arg cts...)
//                                                name: the user's function, for errors
//                  Evaluates fun; reverse mode runs fwd and bwd instead of differentiating
//                  fun; forward mode is an error, as in JAX.
//
// All three are composites: jit expands them before lowering into what they evaluate to
// (engine/passes/expand_composites.h), so fused code sees straight through; a graph
// lowered without that pass runs them as host steps.
#include <lanes/ops.h>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "runtime/check.h"
#include "runtime/owned_array.h"

namespace lanes::internal {

namespace {

void register_stop_gradient() {
  Primitive p;
  p.name = "stop_gradient";
  p.family = "autodiff";
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params&) -> AvalList {
    if (in.size() != 1) {
      LANES_FAIL("stop_gradient takes 1 operand, got " + std::to_string(in.size()));
    }
    return {in[0]};
  };
  p.impl = [](std::span<const Array> in, const Params&) -> std::vector<Array> {
    return {owned(in[0])};  // never aliases the caller's memory (runtime/owned_array.h)
  };
  p.batch = Rule<BatchFn>::defined([](std::span<const Value> in, std::span<const std::int64_t> dims,
                                      std::int64_t, const Params&) {
    return BatchResult{{bind1("stop_gradient", {in[0]})}, {dims[0]}};
  });
  p.jvp = zero_jvp_rule("stop_gradient");
  // No cotangent flows back through stop_gradient (a symbolic zero).
  p.vjp = Rule<VjpFn>::defined([](std::span<const Value>, std::span<const Value>,
                                  std::span<const Cotangent>,
                                  const Params&) { return std::vector<Cotangent>{std::nullopt}; });
  p.lowering = LoweringKind::Composite;
  p.expand = [](std::span<const Value> in, const Params&) { return std::vector<Value>{in[0]}; };
  register_primitive(std::move(p));
}

// custom_jvp and custom_vjp evaluate to their primal graph.
std::vector<Value> expand_to_fun(std::span<const Value> in, const Params& params) {
  return inline_graph(*params.get_graph("fun"), in);
}

bool same_type(const AbstractValue& a, const AbstractValue& b) {
  return a.dtype == b.dtype && a.shape == b.shape;
}

AvalList custom_jvp_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  const Graph& fun = *params.get_graph("fun");
  const Graph& jvp = *params.get_graph("jvp");
  AvalList fin = fun.input_avals(), fout = fun.output_avals();
  AvalList jin = jvp.input_avals(), jout = jvp.output_avals();
  bool ok =
      fin.size() == in.size() && jin.size() == 2 * in.size() && jout.size() == 2 * fout.size();
  for (std::size_t i = 0; ok && i < in.size(); ++i) {
    ok = same_type(fin[i], in[i]) && same_type(jin[i], in[i]) &&
         same_type(jin[in.size() + i], in[i]);
  }
  for (std::size_t k = 0; ok && k < fout.size(); ++k) {
    ok = same_type(jout[k], fout[k]) && same_type(jout[fout.size() + k], fout[k]);
  }
  if (!ok) {
    LANES_FAIL("custom_jvp: the fun and jvp graphs do not fit the operands " + [&] {
      std::string s;
      for (const AbstractValue& a : in) s += a.to_string() + " ";
      return s;
    }());
  }
  return fout;
}

// vmap: both graphs are batched, every output at axis 0 (tangents batched like primals).
BatchResult custom_jvp_batch(std::span<const Value> in, std::span<const std::int64_t> dims,
                             std::int64_t batch_size, const Params& params) {
  const Graph& fun = *params.get_graph("fun");
  const Graph& jvp = *params.get_graph("jvp");
  std::vector<std::int64_t> out_dims(fun.outputs.size(), 0);
  std::vector<std::int64_t> jvp_in(dims.begin(), dims.end());
  jvp_in.insert(jvp_in.end(), dims.begin(), dims.end());
  std::vector<std::int64_t> jvp_out(2 * fun.outputs.size(), 0);
  Params p{{"fun", std::make_shared<const Graph>(vmap_graph(fun, dims, batch_size, out_dims))},
           {"jvp", std::make_shared<const Graph>(vmap_graph(jvp, jvp_in, batch_size, jvp_out))}};
  return {internal::bind(primitive("custom_jvp"), in, std::move(p)), out_dims};
}

// The user's rule, with every tangent materialized (it is a plain function of them).
JvpResult custom_jvp_jvp(std::span<const Value> in, std::span<const Tangent> t,
                         const Params& params) {
  std::vector<Value> args(in.begin(), in.end());
  for (std::size_t i = 0; i < in.size(); ++i) args.push_back(instantiate(t[i], in[i]));
  std::vector<Value> outs = inline_graph(*params.get_graph("jvp"), args);
  const std::size_t n = outs.size() / 2;
  JvpResult r;
  r.outputs.assign(outs.begin(), outs.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t k = n; k < outs.size(); ++k) r.tangents.emplace_back(outs[k]);
  return r;
}

// Reverse mode through the user's rule: its tangent outputs are linear in the tangents,
// so pulling the output cotangents back to the tangent inputs (at zero tangents) is the
// transpose of the rule — what JAX gets by linearize + transpose.
std::vector<Cotangent> custom_jvp_vjp(std::span<const Value> in, std::span<const Value>,
                                      std::span<const Cotangent> ct, const Params& params) {
  const Graph& rule = *params.get_graph("jvp");
  const std::size_t n = in.size();
  std::vector<Value> args(in.begin(), in.end());
  for (std::size_t i = 0; i < n; ++i) args.push_back(zeros_of(aval_of(in[i])));
  std::vector<Cotangent> out_cts(ct.size(), std::nullopt);  // no cotangent for the primals
  out_cts.insert(out_cts.end(), ct.begin(), ct.end());      // ... but for the tangents
  std::vector<bool> wants(n, false);
  for (std::size_t i = 0; i < n; ++i) wants.push_back(is_float(aval_of(in[i]).dtype));
  VjpValues r = vjp_inline(rule, args, out_cts, wants);
  return {r.input_cts.begin() + static_cast<std::ptrdiff_t>(n), r.input_cts.end()};
}

void register_custom_jvp() {
  Primitive p;
  p.name = "custom_jvp";
  p.family = "autodiff";
  p.abstract_eval = custom_jvp_abstract_eval;
  p.impl = [](std::span<const Array> in, const Params& params) {
    return interpret(*params.get_graph("fun"), in);
  };
  p.batch = Rule<BatchFn>::defined(custom_jvp_batch);
  p.jvp = Rule<JvpFn>::defined(custom_jvp_jvp);
  p.vjp = Rule<VjpFn>::defined(custom_jvp_vjp);
  p.lowering = LoweringKind::Composite;
  p.expand = expand_to_fun;
  register_primitive(std::move(p));
}

// --- custom_vjp -----------------------------------------------------------------------------

struct CustomVjpGraphs {
  const Graph& fun;
  const Graph& fwd;
  const Graph& bwd;
  std::size_t num_outs() const { return fun.outputs.size(); }
  std::size_t num_res() const { return fwd.outputs.size() - fun.outputs.size(); }
};

CustomVjpGraphs custom_vjp_graphs(const Params& params) {
  return {*params.get_graph("fun"), *params.get_graph("fwd"), *params.get_graph("bwd")};
}

// The frontend (frontend/custom_vjp.cpp) checks the user's functions with clear errors;
// graphs that do not fit here are a bug in Lanes.
AvalList custom_vjp_abstract_eval(std::span<const AbstractValue> in, const Params& params) {
  CustomVjpGraphs g = custom_vjp_graphs(params);
  AvalList fin = g.fun.input_avals(), fout = g.fun.output_avals();
  AvalList win = g.fwd.input_avals(), wout = g.fwd.output_avals();
  AvalList bin = g.bwd.input_avals(), bout = g.bwd.output_avals();
  bool ok = fin.size() == in.size() && win.size() == in.size() && wout.size() >= fout.size() &&
            bin.size() == wout.size() && bout.size() == in.size();
  for (std::size_t i = 0; ok && i < in.size(); ++i) {
    ok = same_type(fin[i], in[i]) && same_type(win[i], in[i]) &&
         (!is_float(in[i].dtype) || same_type(bout[i], in[i]));
  }
  const std::size_t n = fout.size(), r = ok ? wout.size() - n : 0;
  for (std::size_t k = 0; ok && k < n; ++k) {
    ok = same_type(wout[k], fout[k]) && same_type(bin[r + k], fout[k]);
  }
  for (std::size_t k = 0; ok && k < r; ++k) ok = same_type(bin[k], wout[n + k]);
  if (!ok) {
    std::string s;
    for (const AbstractValue& a : in) s += a.to_string() + " ";
    LANES_FAIL("custom_vjp: the fun, fwd and bwd graphs do not fit the operands " + s);
  }
  return fout;
}

// vmap: fun and fwd are batched with every output (residuals too) at axis 0, so bwd sees
// every input batched at 0. Its cotangents then go back to each operand's own batch
// axis; an unbatched operand's cotangent is summed over the batch (each batch element
// used the same operand), as JAX does for unmapped arguments of a custom_vjp.
BatchResult custom_vjp_batch(std::span<const Value> in, std::span<const std::int64_t> dims,
                             std::int64_t batch_size, const Params& params) {
  CustomVjpGraphs g = custom_vjp_graphs(params);
  const std::size_t n = g.num_outs();
  std::vector<std::int64_t> out_dims(n, 0);
  std::vector<std::int64_t> fwd_out(g.fwd.outputs.size(), 0);
  std::vector<std::int64_t> bwd_in(g.bwd.inputs.size(), 0);
  std::vector<std::int64_t> bwd_out(g.bwd.outputs.size(), 0);
  auto fun = std::make_shared<const Graph>(vmap_graph(g.fun, dims, batch_size, out_dims));
  auto fwd = std::make_shared<const Graph>(vmap_graph(g.fwd, dims, batch_size, fwd_out));
  Graph bwd0 = vmap_graph(g.bwd, bwd_in, batch_size, bwd_out);
  AvalList operand_avals;
  for (const Value& v : in) operand_avals.push_back(aval_of(v));
  TracedGraph bwd = trace_graph(bwd0.input_avals(), [&](std::span<const Value> ins) {
    std::vector<Value> cts = inline_graph(bwd0, ins);
    for (std::size_t i = 0; i < cts.size(); ++i) {
      if (!is_float(operand_avals[i].dtype)) {
        cts[i] = zeros_of(operand_avals[i]);  // no cotangent: any value of the right type
      } else if (dims[i] < 0) {
        cts[i] = lanes::sum(cts[i], Axes{0});
      } else {
        cts[i] = move_batch_axis(cts[i], 0, dims[i]);
      }
    }
    return cts;
  });
  if (!bwd.captures.empty()) LANES_FAIL("custom_vjp: the batched bwd captured values");
  Params p{
      {"fun", fun}, {"fwd", fwd}, {"bwd", bwd.graph}, {"name", params.get<std::string>("name")}};
  return {internal::bind(primitive("custom_vjp"), in, std::move(p)), out_dims};
}

// JAX refuses forward mode through a custom_vjp function (its rule only knows how to pull
// cotangents back); so do we, naming the function.
JvpResult custom_vjp_jvp(std::span<const Value>, std::span<const Tangent>, const Params& params) {
  throw UnsupportedError("jvp: can't apply forward-mode autodiff (jvp) to a custom_vjp function (" +
                         params.get<std::string>("name") +
                         "); use custom_jvp for a function that needs forward mode");
}

// Reverse mode: the residuals come from fwd, and bwd maps the output cotangents (zeros
// where none flows) to one cotangent per operand. fwd recomputes what the forward
// re-binding of this equation (fun) computed; jit's CSE merges the two where they share
// code, as a softplus whose fwd is (fun(x), x) does.
std::vector<Cotangent> custom_vjp_vjp(std::span<const Value> in, std::span<const Value>,
                                      std::span<const Cotangent> ct, const Params& params) {
  CustomVjpGraphs g = custom_vjp_graphs(params);
  const std::size_t n = g.num_outs();
  std::vector<Value> fwd_outs = inline_graph(g.fwd, in);
  std::vector<Value> args(fwd_outs.begin() + static_cast<std::ptrdiff_t>(n), fwd_outs.end());
  AvalList outs = g.fun.output_avals();
  for (std::size_t k = 0; k < n; ++k) args.push_back(ct[k] ? *ct[k] : zeros_of(outs[k]));
  std::vector<Value> r = inline_graph(g.bwd, args);
  std::vector<Cotangent> result;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (is_float(aval_of(in[i]).dtype)) {
      result.emplace_back(r[i]);
    } else {
      result.emplace_back(std::nullopt);
    }
  }
  return result;
}

void register_custom_vjp() {
  Primitive p;
  p.name = "custom_vjp";
  p.family = "autodiff";
  p.abstract_eval = custom_vjp_abstract_eval;
  p.impl = [](std::span<const Array> in, const Params& params) {
    return interpret(*params.get_graph("fun"), in);
  };
  p.batch = Rule<BatchFn>::defined(custom_vjp_batch);
  p.jvp = Rule<JvpFn>::defined(custom_vjp_jvp);
  p.vjp = Rule<VjpFn>::defined(custom_vjp_vjp);
  p.lowering = LoweringKind::Composite;
  p.expand = expand_to_fun;
  register_primitive(std::move(p));
}

}  // namespace

void register_autodiff_prims() {
  register_stop_gradient();
  register_custom_jvp();
  register_custom_vjp();
}

}  // namespace lanes::internal
