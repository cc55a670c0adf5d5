// lanes::grad, value_and_grad, vjp, jacrev, hessian: Fns whose graph for a signature is
// the reverse-mode pass (engine/transforms/vjp.h) applied to the wrapped Fn's graph for
// the same signature. Called on Values inside a trace they inline that graph (FnImpl's
// default), so pmean(grad(loss)(w, x), "i") and vmap(grad(f)) work.
#include <lanes/autodiff.h>
#include <lanes/ops.h>

#include <algorithm>

#include "engine/primitives/batching.h"
#include "engine/trace.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "frontend/fn_impl.h"
#include "runtime/owned_array.h"

namespace lanes {

namespace internal {
namespace {

// argnums checked against a call's signature; `what` names the transformation.
std::vector<std::size_t> checked_argnums(const std::string& what, const Argnums& argnums,
                                         const Signature& sig, bool need_float) {
  const std::vector<int>& idx = argnums.indices();
  if (idx.empty()) throw ArgumentError(what + ": argnums is empty");
  std::vector<std::size_t> r;
  for (int i : idx) {
    if (i < 0 || static_cast<std::size_t>(i) >= sig.size()) {
      throw ArgumentError(what + ": argnums entry " + std::to_string(i) +
                          " is out of range for a function called with " +
                          std::to_string(sig.size()) + " argument" + (sig.size() == 1 ? "" : "s"));
    }
    auto u = static_cast<std::size_t>(i);
    if (std::find(r.begin(), r.end(), u) != r.end()) {
      throw ArgumentError(what + ": argnums lists argument " + std::to_string(i) + " twice");
    }
    if (need_float && !is_float(sig[u].dtype)) {
      throw DTypeError(what + ": argument " + std::to_string(i) + " is " + sig[u].to_string() +
                       "; only float arguments can be differentiated (as in JAX)");
    }
    r.push_back(u);
  }
  return r;
}

std::vector<bool> wants_mask(const std::vector<std::size_t>& argnums, std::size_t n) {
  std::vector<bool> w(n, false);
  for (std::size_t i : argnums) w[i] = true;
  return w;
}

// grad and value_and_grad.
class GradFn final : public FnImpl {
 public:
  GradFn(Fn inner, Argnums argnums, bool with_value)
      : FnImpl(std::string(with_value ? "value_and_grad(" : "grad(") + inner.impl()->name() + ")",
               inner.impl()->arity()),
        inner_(std::move(inner)),
        argnums_(std::move(argnums)),
        with_value_(with_value) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    std::string what = with_value_ ? "value_and_grad" : "grad";
    std::vector<std::size_t> args = checked_argnums(what, argnums_, sig, true);
    GraphRef inner = inner_.impl()->graph_for(sig);
    AvalList outs = inner->output_avals();
    if (outs.size() != 1) {
      throw ArgumentError(what + ": the function must return one real scalar, it returns " +
                          std::to_string(outs.size()) + " values");
    }
    if (!is_float(outs[0].dtype) || !outs[0].shape.empty()) {
      throw ArgumentError(what + ": the function must return a real scalar, it returns " +
                          std::string(dtype_name(outs[0].dtype)) + shape_to_string(outs[0].shape) +
                          (outs[0].shape.empty() ? " (not a float)"
                                                 : " (not a scalar; sum it, "
                                                   "or use jacrev or vjp)"));
    }
    std::vector<bool> wants = wants_mask(args, sig.size());
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> ins) {
      Cotangent seed = lanes::full(outs[0].dtype, {}, 1.0);
      VjpValues r = vjp_inline(*inner, ins, std::span<const Cotangent>(&seed, 1), wants);
      std::vector<Value> result;
      if (with_value_) result.push_back(r.outputs[0]);
      for (std::size_t i : args) {
        AbstractValue a = sig[i];
        result.push_back(r.input_cts[i] ? *r.input_cts[i] : zeros_of(a));
      }
      return result;
    });
    return t.graph;
  }

 private:
  Fn inner_;
  Argnums argnums_;
  bool with_value_;
};

// jacrev: for each output, the pullback of that output alone, vmapped over its basis.
class JacrevFn final : public FnImpl {
 public:
  JacrevFn(Fn inner, Argnums argnums)
      : FnImpl("jacrev(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        argnums_(std::move(argnums)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    std::vector<std::size_t> args = checked_argnums("jacrev", argnums_, sig, true);
    GraphRef inner = inner_.impl()->graph_for(sig);
    AvalList outs = inner->output_avals();
    for (std::size_t k = 0; k < outs.size(); ++k) {
      if (!is_float(outs[k].dtype)) {
        throw ArgumentError("jacrev: output " + std::to_string(k) + " is " +
                            std::string(dtype_name(outs[k].dtype)) +
                            shape_to_string(outs[k].shape) +
                            "; only float outputs have a Jacobian");
      }
    }
    std::vector<bool> wants = wants_mask(args, sig.size());
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> ins) {
      std::vector<Value> result;
      for (std::size_t k = 0; k < outs.size(); ++k) {
        Graph gk = *inner;
        gk.outputs = {inner->outputs[k]};
        Graph pull = vjp_graph(gk, wants, /*with_primal_outputs=*/false);
        const std::int64_t n = outs[k].size();
        // The basis of output k: eye(n) as n cotangents of output k's shape.
        Value eye = lanes::astype(
            lanes::eq(lanes::iota(DType::I64, {n, n}, 0), lanes::iota(DType::I64, {n, n}, 1)),
            outs[k].dtype);
        Shape basis_shape{n};
        basis_shape.insert(basis_shape.end(), outs[k].shape.begin(), outs[k].shape.end());
        std::vector<Value> pin(ins.begin(), ins.end());
        pin.push_back(lanes::reshape(eye, basis_shape));
        std::vector<std::int64_t> dims(ins.size(), -1);
        dims.push_back(0);
        BatchedValues r = batch_inline(pull, pin, dims, n);
        // pull's outputs are the wanted inputs' cotangents, in input order.
        std::vector<std::size_t> order(args);
        std::sort(order.begin(), order.end());
        for (std::size_t j : args) {
          auto pos =
              static_cast<std::size_t>(std::find(order.begin(), order.end(), j) - order.begin());
          Value v = batch_at(r.values[pos], r.dims[pos], n, 0);
          Shape shape = outs[k].shape;
          shape.insert(shape.end(), sig[j].shape.begin(), sig[j].shape.end());
          result.push_back(lanes::reshape(v, shape));
        }
      }
      return result;
    });
    return t.graph;
  }

 private:
  Fn inner_;
  Argnums argnums_;
};

// The pullback of lanes::vjp: the primals are baked in as constants.
class PullbackFn final : public FnImpl {
 public:
  PullbackFn(Fn inner, std::vector<Array> primals, Signature primal_sig)
      : FnImpl("vjp(" + inner.impl()->name() + ").pullback", -1),
        inner_(std::move(inner)),
        primals_(std::move(primals)),
        primal_sig_(std::move(primal_sig)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    GraphRef inner = inner_.impl()->graph_for(primal_sig_);
    AvalList outs = inner->output_avals();
    if (sig.size() != outs.size()) {
      throw ArgumentError(name() + ": takes one cotangent per output of the function (" +
                          std::to_string(outs.size()) + "), got " + std::to_string(sig.size()));
    }
    for (std::size_t k = 0; k < outs.size(); ++k) {
      if (sig[k].dtype != outs[k].dtype || sig[k].shape != outs[k].shape) {
        throw ArgumentError(name() + ": cotangent " + std::to_string(k) + " is " +
                            sig[k].to_string() + " but output " + std::to_string(k) + " is " +
                            outs[k].to_string() + " (they must have one dtype and shape)");
      }
    }
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> cts) {
      std::vector<Value> xs;
      for (const Array& a : primals_) xs.push_back(lanes::constant(a));
      std::vector<Cotangent> c(cts.begin(), cts.end());
      VjpValues r = vjp_inline(*inner, xs, c);
      std::vector<Value> result;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        result.push_back(r.input_cts[i] ? *r.input_cts[i] : zeros_of(primal_sig_[i]));
      }
      return result;
    });
    return t.graph;
  }

 private:
  Fn inner_;
  std::vector<Array> primals_;
  Signature primal_sig_;
};

void check_fn(const Fn& f, const char* what) {
  if (!f.impl()) throw ArgumentError(std::string(what) + " of an empty lanes::Fn");
}

}  // namespace
}  // namespace internal

VjpResult vjp(const Fn& f, const std::vector<Arg>& primals) {
  internal::check_fn(f, "vjp");
  Outputs outs = f.call(primals);
  std::vector<Array> arrays;
  internal::Signature sig;
  for (const Arg& a : primals) {
    arrays.push_back(internal::owned(a.array()));
    sig.push_back({a.array().dtype(), a.array().shape(), a.weak()});
  }
  return {outs, Fn(std::make_shared<internal::PullbackFn>(f, std::move(arrays), std::move(sig)))};
}

Fn grad(const Fn& f, Argnums argnums) {
  internal::check_fn(f, "grad");
  return Fn(std::make_shared<internal::GradFn>(f, std::move(argnums), false));
}

Fn value_and_grad(const Fn& f, Argnums argnums) {
  internal::check_fn(f, "value_and_grad");
  return Fn(std::make_shared<internal::GradFn>(f, std::move(argnums), true));
}

Fn jacrev(const Fn& f, Argnums argnums) {
  internal::check_fn(f, "jacrev");
  return Fn(std::make_shared<internal::JacrevFn>(f, std::move(argnums)));
}

Fn hessian(const Fn& f, Argnums argnums) {
  internal::check_fn(f, "hessian");
  return jacrev(jacrev(f, argnums), argnums);
}

}  // namespace lanes
