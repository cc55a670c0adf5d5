// lanes::jit: a Fn whose calls on arrays run compiled code, one executable per signature
// (FnImpl keeps the executables; see FnImpl::executable_for).
#include <lanes/fn.h>

#include <string>

#include "codegen/backend.h"
#include "frontend/fn_impl.h"
#include "frontend/jit_options_check.h"
#include "runtime/small_vector.h"

namespace lanes {

namespace internal {
namespace {

class JitFn final : public FnImpl {
 public:
  JitFn(Fn inner, JitOptions options)
      : FnImpl("jit(" + inner.impl()->name() + ")", inner.impl()->arity()), inner_(std::move(inner)) {
    set_compiled(options);
  }

  // The dispatch path of a cached call: no Signature is built and no Array copied;
  // nothing is allocated but the outputs (Executable::run keeps its tables on the stack).
  std::vector<Array> call_args(std::span<const ArgRef> args) override {
    if (const Executable* exe = ready_executable(args)) {
      SmallVector<const Array*, 8> inputs;
      for (const ArgRef& a : args) inputs.push_back(a.array);
      return exe->run_indirect(inputs);
    }
    return FnImpl::call_args(args);
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

// Widths above 64 lanes would only make huge registers LLVM splits again (the widest
// the backend picks itself is 4 registers of the host's width); a power of two keeps
// chunk starts and reduction partials aligned to whole vectors.
void check_jit_options(const JitOptions& options, std::string_view who) {
  if (options.opt_level < 0 || options.opt_level > 2) {
    throw ArgumentError(std::string(who) + ": opt_level " + std::to_string(options.opt_level) +
                        " is not 0, 1 or 2");
  }
  const int w = options.vector_width;
  if (w != 0 && (w < 1 || w > kMaxVectorWidth || (w & (w - 1)) != 0)) {
    throw ArgumentError(std::string(who) + ": vector_width " + std::to_string(w) +
                        " is not 0 (the host's width) or a power of two from 1 to " +
                        std::to_string(kMaxVectorWidth));
  }
}

}  // namespace internal

Fn jit(const Fn& f, JitOptions options) {
  if (!f.impl()) throw ArgumentError("jit of an empty lanes::Fn");
  internal::check_jit_options(options, "jit");
  return Fn(std::make_shared<internal::JitFn>(f, options));
}

}  // namespace lanes
