// lanes::jit: a Fn whose calls on arrays run compiled code, one executable per signature.
//
// Dispatch of a cached call takes a shared (reader) lock on the signature map and runs the
// executable; first calls that race on the same signature compile it once.
#include "engine/compile_cache.h"
#include "frontend/fn_impl.h"

#include <lanes/fn.h>

#include <mutex>

namespace lanes {

namespace internal {
namespace {

class JitFn final : public FnImpl {
 public:
  JitFn(Fn inner, JitOptions options)
      : FnImpl("jit(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        options_(options) {}

  std::vector<Array> call(std::span<const Array> args, const Signature& sig) override {
    return executable_for(sig).run(args);
  }

  std::string compiled_text(const Signature& sig, CodeText what) override {
    const Executable& exe = executable_for(sig);
    return what == CodeText::LlvmIr ? exe.llvm_ir() : exe.assembly();
  }

  // Inside another trace a jitted function is inlined (the outer jit compiles it all).
  std::vector<Value> call_traced(std::span<const Value> args) override {
    return inner_.impl()->call_traced(args);
  }

 protected:
  GraphRef make_graph(const Signature& sig) override { return inner_.impl()->graph_for(sig); }

 private:
  struct Entry {
    std::once_flag once;
    std::shared_ptr<Executable> exe;
  };

  const Executable& executable_for(const Signature& sig) {
    std::shared_ptr<Entry> entry;
    {
      std::shared_lock lock(mu_);
      auto it = cache_.find(sig);
      if (it != cache_.end()) entry = it->second;
    }
    if (!entry) {
      std::unique_lock lock(mu_);
      auto& slot = cache_[sig];
      if (!slot) slot = std::make_shared<Entry>();
      entry = slot;
    }
    if (!entry->exe) {
      // A compile error propagates to this caller; call_once lets the next caller retry.
      std::call_once(entry->once, [&] { entry->exe = compile_cached(*graph_for(sig), options_); });
    }
    return *entry->exe;
  }

  Fn inner_;
  JitOptions options_;
  std::shared_mutex mu_;
  std::unordered_map<Signature, std::shared_ptr<Entry>, SignatureHash> cache_;
};

}  // namespace
}  // namespace internal

Fn jit(const Fn& f, JitOptions options) {
  if (!f.impl()) throw ArgumentError("jit of an empty lanes::Fn");
  return Fn(std::make_shared<internal::JitFn>(f, options));
}

}  // namespace lanes
