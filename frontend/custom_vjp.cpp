// lanes::custom_vjp: a Fn that binds the custom_vjp primitive of
// engine/primitives/autodiff_prims.cpp, holding the graphs of f, fwd and bwd for the call's
// signature, after checking that the user's fwd and bwd fit f (clear errors here, where
// the user's names are known, rather than internal ones in the primitive).
#include <lanes/autodiff.h>

#include "engine/trace.h"
#include "frontend/fn_impl.h"

namespace lanes {

namespace internal {
namespace {

AbstractValue strong(AbstractValue a) {
  a.weak = false;
  return a;
}

class CustomVjpFn final : public FnImpl {
 public:
  CustomVjpFn(Fn f, Fn fwd, Fn bwd)
      : FnImpl("custom_vjp(" + f.impl()->name() + ")", f.impl()->arity()),
        f_(std::move(f)),
        fwd_(std::move(fwd)),
        bwd_(std::move(bwd)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    GraphRef fun = f_.impl()->graph_for(sig);
    GraphRef fwd = fwd_.impl()->graph_for(sig);
    check_fwd(*fun, *fwd);
    // bwd's signature: the residuals, then one cotangent per output of f.
    AvalList fwd_outs = fwd->output_avals();
    const std::size_t n = fun->outputs.size();
    Signature bwd_sig;
    for (std::size_t k = n; k < fwd_outs.size(); ++k) bwd_sig.push_back(strong(fwd_outs[k]));
    for (const AbstractValue& a : fun->output_avals()) bwd_sig.push_back(strong(a));
    GraphRef bwd = bwd_.impl()->graph_for(bwd_sig);
    check_bwd(sig, *bwd);
    Params params{{"fun", fun}, {"fwd", fwd}, {"bwd", bwd}, {"name", name()}};
    return trace_graph(sig,
                       [&](std::span<const Value> ins) {
                         return internal::bind(primitive("custom_vjp"), ins, params);
                       })
        .graph;
  }

 private:
  // fwd returns f's outputs first (same dtypes and shapes), then the residuals.
  void check_fwd(const Graph& fun, const Graph& fwd) const {
    AvalList outs = fun.output_avals(), fwd_outs = fwd.output_avals();
    if (fwd_outs.size() < outs.size()) {
      throw ArgumentError(name() + ": fwd returns " + std::to_string(fwd_outs.size()) +
                          " values; it must return the " + std::to_string(outs.size()) +
                          " outputs of the function followed by its residuals");
    }
    for (std::size_t k = 0; k < outs.size(); ++k) {
      std::string msg = name() + ": fwd's output " + std::to_string(k) + " is " +
                        fwd_outs[k].to_string() + " but output " + std::to_string(k) +
                        " of the function is " + outs[k].to_string();
      if (fwd_outs[k].dtype != outs[k].dtype) throw DTypeError(msg);
      if (fwd_outs[k].shape != outs[k].shape) throw ShapeError(msg);
    }
  }

  // bwd returns one cotangent per argument; a float argument's has its dtype and shape.
  void check_bwd(const Signature& sig, const Graph& bwd) const {
    AvalList cts = bwd.output_avals();
    if (cts.size() != sig.size()) {
      throw ArgumentError(name() + ": bwd returns " + std::to_string(cts.size()) +
                          " cotangents; it must return one per argument of the function (" +
                          std::to_string(sig.size()) + ")");
    }
    for (std::size_t i = 0; i < sig.size(); ++i) {
      if (!is_float(sig[i].dtype)) continue;  // no cotangent flows to it: any value will do
      std::string msg = name() + ": bwd's cotangent for argument " + std::to_string(i) + " is " +
                        cts[i].to_string() + " but the argument is " + sig[i].to_string();
      if (cts[i].dtype != sig[i].dtype) throw DTypeError(msg);
      if (cts[i].shape != sig[i].shape) throw ShapeError(msg);
    }
  }

  Fn f_;
  Fn fwd_;
  Fn bwd_;
};

}  // namespace
}  // namespace internal

Fn custom_vjp(const Fn& f, const Fn& fwd, const Fn& bwd) {
  if (!f.impl() || !fwd.impl() || !bwd.impl()) {
    throw ArgumentError("custom_vjp of an empty lanes::Fn");
  }
  return Fn(std::make_shared<internal::CustomVjpFn>(f, fwd, bwd));
}

}  // namespace lanes
