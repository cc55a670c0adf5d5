// lanes::jit: a Fn whose calls on arrays run compiled code, one executable per signature
// (FnImpl keeps the executables; see FnImpl::executable_for).
#include <lanes/fn.h>

#include <string>

#include "frontend/fn_impl.h"

namespace lanes {

namespace internal {
namespace {

class JitFn final : public FnImpl {
 public:
  JitFn(Fn inner, JitOptions options)
      : FnImpl("jit(" + inner.impl()->name() + ")", inner.impl()->arity()), inner_(std::move(inner)) {
    set_compiled(options);
  }

  // Inside another trace a jitted function is inlined (the outer jit compiles it all).
  std::vector<Value> call_traced(std::span<const Value> args) override {
    return inner_.impl()->call_traced(args);
  }

 protected:
  GraphRef make_graph(const Signature& sig) override { return inner_.impl()->graph_for(sig); }

 private:
  Fn inner_;
};

}  // namespace
}  // namespace internal

Fn jit(const Fn& f, JitOptions options) {
  if (!f.impl()) throw ArgumentError("jit of an empty lanes::Fn");
  if (options.opt_level < 0 || options.opt_level > 2) {
    throw ArgumentError("jit: opt_level " + std::to_string(options.opt_level) +
                        " is not 0, 1 or 2");
  }
  return Fn(std::make_shared<internal::JitFn>(f, options));
}

}  // namespace lanes
