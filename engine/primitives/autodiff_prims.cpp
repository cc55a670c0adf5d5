// The autodiff primitives: stop_gradient and custom_jvp.
//
//   stop_gradient  operands (x)           identity; zero tangent, zero cotangent.
//   custom_jvp     operands (args...)     params fun: (args...) -> (outs...)
//                                                jvp: (args..., tangents...) -> (outs..., touts...)
//                  Evaluates fun; forward mode uses the user's jvp graph instead of
//                  differentiating fun (and differentiates the jvp graph for higher orders).
//
// Neither has a kernel lowering of its own: jit removes them before lowering
// (engine/passes/inline_autodiff.h), so fused code sees straight through; the Host lowering
// is the fallback of a graph lowered without that pass.
#include <lanes/ops.h>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/primitives/jvp_rules.h"
#include "engine/trace.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"

namespace lanes::internal {

namespace {

void register_stop_gradient() {
  Primitive p;
  p.name = "stop_gradient";
  p.family = "autodiff";
  p.abstract_eval = [](std::span<const AbstractValue> in, const Params&) -> AvalList {
    if (in.size() != 1) {
      throw InternalError("stop_gradient takes 1 operand, got " + std::to_string(in.size()));
    }
    return {in[0]};
  };
  p.impl = [](std::span<const Array> in, const Params&) -> std::vector<Array> {
    return {in[0].copy()};  // a copy: results never alias a caller-owned input buffer
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
  p.lowering = LoweringKind::Host;
  register_primitive(std::move(p));
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
    throw InternalError("custom_jvp: the fun and jvp graphs do not fit the operands " + [&] {
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
  p.lowering = LoweringKind::Host;
  register_primitive(std::move(p));
}

}  // namespace

void register_autodiff_prims() {
  register_stop_gradient();
  register_custom_jvp();
}

}  // namespace lanes::internal
