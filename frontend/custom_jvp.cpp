// lanes::custom_jvp and lanes::stop_gradient: Fns and ops that bind the autodiff
// primitives of engine/primitives/autodiff_prims.cpp.
#include <lanes/autodiff.h>

#include "engine/trace.h"
#include "frontend/fn_impl.h"

namespace lanes {

namespace internal {
namespace {

// One custom_jvp equation holding f's graph and the rule's graph for the signature.
class CustomJvpFn final : public FnImpl {
 public:
  CustomJvpFn(Fn f, Fn rule)
      : FnImpl("custom_jvp(" + f.impl()->name() + ")", f.impl()->arity()),
        f_(std::move(f)),
        rule_(std::move(rule)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    GraphRef fun = f_.impl()->graph_for(sig);
    Signature rule_sig = sig;
    for (AbstractValue a : sig) {
      a.weak = false;
      rule_sig.push_back(a);
    }
    GraphRef jvp = rule_.impl()->graph_for(rule_sig);
    check_rule(*fun, *jvp);
    Params params{{"fun", fun}, {"jvp", jvp}};
    return trace_graph(sig,
                       [&](std::span<const Value> ins) {
                         return internal::bind(primitive("custom_jvp"), ins, params);
                       })
        .graph;
  }

 private:
  void check_rule(const Graph& fun, const Graph& jvp) const {
    AvalList outs = fun.output_avals(), rule_outs = jvp.output_avals();
    const std::size_t n = outs.size();
    if (rule_outs.size() != 2 * n) {
      throw ArgumentError(name() + ": the JVP rule returns " + std::to_string(rule_outs.size()) +
                          " values; it must return the " + std::to_string(n) +
                          " outputs followed by one tangent per output (" + std::to_string(2 * n) +
                          " values)");
    }
    for (std::size_t k = 0; k < 2 * n; ++k) {
      const AbstractValue& want = outs[k % n];
      const AbstractValue& have = rule_outs[k];
      std::string what =
          k < n ? "output " + std::to_string(k) : "tangent of output " + std::to_string(k - n);
      std::string msg = name() + ": the JVP rule's " + what + " is " + have.to_string() +
                        " but output " + std::to_string(k % n) + " of the function is " +
                        want.to_string();
      if (have.dtype != want.dtype) throw DTypeError(msg);
      if (have.shape != want.shape) throw ShapeError(msg);
    }
  }

  Fn f_;
  Fn rule_;
};

}  // namespace
}  // namespace internal

Fn custom_jvp(const Fn& f, const Fn& rule) {
  if (!f.impl() || !rule.impl()) throw ArgumentError("custom_jvp of an empty lanes::Fn");
  return Fn(std::make_shared<internal::CustomJvpFn>(f, rule));
}

Value stop_gradient(const Value& x) {
  if (x.is_literal()) return x;  // a constant: nothing flows through it anyway
  return internal::bind1("stop_gradient", {x});
}

}  // namespace lanes
