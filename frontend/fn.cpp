// lanes::Fn and lanes::fn: tracing C++ callables into graphs, cached per signature.
#include <lanes/fn.h>

#include <atomic>
#include <mutex>

#include "engine/compile_cache.h"
#include "engine/debug.h"
#include "engine/interpreter.h"
#include "engine/trace.h"
#include "frontend/fn_impl.h"
#include "runtime/check.h"
#include "runtime/owned_array.h"
#include "runtime/small_vector.h"

namespace lanes {

namespace internal {

namespace {
// FNV-1a over (dtype, weak, rank, dims) of each argument; the same for both key forms.
class SignatureHasher {
 public:
  void add(DType dtype, bool weak, const Shape& shape) {
    mix(static_cast<std::size_t>(dtype) * 2 + (weak ? 1 : 0));
    mix(shape.size());
    for (std::int64_t d : shape) mix(static_cast<std::size_t>(d));
  }
  std::size_t value() const { return h_; }

 private:
  void mix(std::size_t v) { h_ = (h_ ^ v) * 0x100000001b3ull; }
  std::size_t h_ = 0xcbf29ce484222325ull;
};
}  // namespace

std::size_t SignatureHash::operator()(const Signature& s) const {
  SignatureHasher h;
  for (const AbstractValue& a : s) h.add(a.dtype, a.weak, a.shape);
  return h.value();
}

std::size_t SignatureHash::operator()(const ArgsSignature& s) const {
  SignatureHasher h;
  for (const ArgRef& a : s.args) h.add(a.array->dtype(), a.weak, a.array->shape());
  return h.value();
}

bool SignatureEq::operator()(const ArgsSignature& a, const Signature& b) const {
  if (a.args.size() != b.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const ArgRef& x = a.args[i];
    if (x.array->dtype() != b[i].dtype || x.weak != b[i].weak || x.array->shape() != b[i].shape) {
      return false;
    }
  }
  return true;
}

Signature signature_of(std::span<const ArgRef> args) {
  Signature sig;
  sig.reserve(args.size());
  for (const ArgRef& a : args) sig.push_back({a.array->dtype(), a.array->shape(), a.weak});
  return sig;
}

void FnImpl::check_arity(std::size_t n) const {
  if (arity_ >= 0 && static_cast<std::size_t>(arity_) != n) {
    throw ArgumentError(name_ + ": expects " + std::to_string(arity_) + " argument" +
                        (arity_ == 1 ? "" : "s") + ", got " + std::to_string(n));
  }
}

GraphRef FnImpl::graph_for(const Signature& sig) {
  {
    std::shared_lock lock(mu_);
    auto it = graphs_.find(sig);
    if (it != graphs_.end()) return it->second;
  }
  check_arity(sig.size());
  GraphRef g = make_graph(sig);
  verify(*g);
  debug_print_graph(name_ + " (traced)", *g);
  std::unique_lock lock(mu_);
  return graphs_.emplace(sig, std::move(g)).first->second;
}

// One signature's executable. Not std::call_once: a compile that throws must leave the
// entry retryable, and call_once over pthread_once does not survive an exception under
// ThreadSanitizer (its interceptor leaves the once "in progress" and the retry hangs).
struct FnImpl::CompiledEntry {
  std::mutex mu;                                  // held by the one thread that compiles
  std::shared_ptr<Executable> exe;                // written once, under mu
  std::atomic<const Executable*> ready{nullptr};  // set after exe: the lock-free fast path
};

const Executable& FnImpl::executable_for(const Signature& sig) {
  if (!compiled_) LANES_FAIL(name_ + ": executable_for on a function that is not compiled");
  std::shared_ptr<CompiledEntry> entry;
  {
    std::shared_lock lock(exe_mu_);
    auto it = executables_.find(sig);
    if (it != executables_.end()) entry = it->second;
  }
  if (!entry) {
    std::unique_lock lock(exe_mu_);
    auto& slot = executables_[sig];
    if (!slot) slot = std::make_shared<CompiledEntry>();
    entry = slot;
  }
  if (const Executable* exe = entry->ready.load(std::memory_order_acquire)) return *exe;
  // First callers race here: one compiles, the others wait on mu and find it done. A
  // compile error propagates to its caller and the next caller retries.
  std::lock_guard lock(entry->mu);
  if (!entry->exe) {
    entry->exe = compile_cached(*graph_for(sig), *compiled_);
    entry->ready.store(entry->exe.get(), std::memory_order_release);
  }
  return *entry->exe;
}

const Executable* FnImpl::ready_executable(std::span<const ArgRef> args) {
  if (!compiled_) return nullptr;
  std::shared_lock lock(exe_mu_);
  auto it = executables_.find(ArgsSignature{args});
  if (it == executables_.end()) return nullptr;
  // Entries are never removed and their executable is written once: the pointer stays
  // valid while this FnImpl lives (the caller's Fn holds it).
  return it->second->ready.load(std::memory_order_acquire);
}

std::vector<Array> FnImpl::call_args(std::span<const ArgRef> args) {
  std::vector<Array> arrays;
  arrays.reserve(args.size());
  for (const ArgRef& a : args) arrays.push_back(*a.array);
  return call(arrays, signature_of(args));
}

std::vector<Array> FnImpl::call(std::span<const Array> args, const Signature& sig) {
  if (compiled_) return executable_for(sig).run(args);
  return interpret(*graph_for(sig), args);
}

std::vector<Value> FnImpl::call_traced(std::span<const Value> args) {
  Signature sig;
  for (const Value& v : args) sig.push_back(aval_of(v));
  return inline_graph(*graph_for(sig), args);
}

std::string FnImpl::compiled_text(const Signature& sig, CodeText what) {
  if (!compiled_) {
    throw ArgumentError(name_ + " is not jitted: only lanes::jit(f) has compiled code to show");
  }
  const Executable& exe = executable_for(sig);
  return what == CodeText::LlvmIr ? exe.llvm_ir() : exe.assembly();
}

namespace {
// A Fn made from a C++ callable of Values.
class CallableFn final : public FnImpl {
 public:
  CallableFn(FnCallableAdapter adapter, std::string name)
      : FnImpl(std::move(name), adapter.arity), adapter_(std::move(adapter)) {}

  std::vector<Value> call_traced(std::span<const Value> args) override {
    check_arity(args.size());
    // Calling the callable directly inlines it into the active trace.
    return adapter_.call(std::vector<Value>(args.begin(), args.end()));
  }

 protected:
  GraphRef make_graph(const Signature& sig) override {
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> ins) {
      return adapter_.call(std::vector<Value>(ins.begin(), ins.end()));
    });
    if (!t.captures.empty()) {
      throw TraceError(name() +
                       ": the function uses a lanes::Value from an enclosing trace; "
                       "pass it as an argument instead (a top-level Fn cannot capture values "
                       "of another trace)");
    }
    return t.graph;
  }

 private:
  FnCallableAdapter adapter_;
};
}  // namespace

Fn make_fn(FnCallableAdapter adapter, std::string name) {
  return Fn(std::make_shared<CallableFn>(std::move(adapter), std::move(name)));
}

}  // namespace internal

const Array& Outputs::operator[](std::size_t i) const {
  if (i >= arrays_.size()) {
    throw ArgumentError("Outputs: index " + std::to_string(i) + " out of range for " +
                        std::to_string(arrays_.size()) + " outputs");
  }
  return arrays_[i];
}

Outputs::operator Array() const {
  if (arrays_.size() != 1) {
    throw ArgumentError("Outputs: the function has " + std::to_string(arrays_.size()) +
                        " outputs; index them instead of converting to one Array");
  }
  return arrays_[0];
}

const Value& Values::operator[](std::size_t i) const {
  if (i >= values_.size()) {
    throw ArgumentError("Values: index " + std::to_string(i) + " out of range for " +
                        std::to_string(values_.size()) + " outputs");
  }
  return values_[i];
}

Values::operator Value() const {
  if (values_.size() != 1) {
    throw ArgumentError("Values: the function has " + std::to_string(values_.size()) +
                        " outputs; index them instead of converting to one Value");
  }
  return values_[0];
}

namespace {
internal::Signature signature_of_args(const std::vector<Arg>& args) {
  std::vector<internal::ArgRef> refs;
  refs.reserve(args.size());
  for (const Arg& a : args) refs.push_back(internal::arg_ref(a));
  return internal::signature_of(refs);
}
}  // namespace

Outputs Fn::call(std::span<const internal::ArgRef> args) const {
  if (!impl_) throw ArgumentError("call of an empty lanes::Fn");
  impl_->check_arity(args.size());
  std::vector<Array> out = impl_->call_args(args);
  // The one place every call on arrays returns through: an output that is a view of the
  // caller's memory (a view argument passed through) is copied (see lanes::Outputs).
  for (Array& a : out) {
    if (a.is_view()) a = internal::owned(a);
  }
  return Outputs(std::move(out));
}

Outputs Fn::call(std::span<const Arg> args) const {
  internal::SmallVector<internal::ArgRef, 8> refs;
  for (const Arg& a : args) refs.push_back(internal::arg_ref(a));
  return call(std::span<const internal::ArgRef>(refs.data(), refs.size()));
}

Values Fn::call_traced(const std::vector<Value>& args) const {
  if (!impl_) throw ArgumentError("call of an empty lanes::Fn");
  return Values(impl_->call_traced(args));
}

int Fn::arity() const { return impl_ ? impl_->arity() : 0; }

std::string Fn::ir(const std::vector<Arg>& args) const {
  if (!impl_) throw ArgumentError("ir of an empty lanes::Fn");
  return impl_->graph_for(signature_of_args(args))->to_string();
}

std::string Fn::llvm_ir(const std::vector<Arg>& args) const {
  if (!impl_) throw ArgumentError("llvm_ir of an empty lanes::Fn");
  return impl_->compiled_text(signature_of_args(args), internal::FnImpl::CodeText::LlvmIr);
}

std::string Fn::assembly(const std::vector<Arg>& args) const {
  if (!impl_) throw ArgumentError("assembly of an empty lanes::Fn");
  return impl_->compiled_text(signature_of_args(args), internal::FnImpl::CodeText::Assembly);
}

void set_debug_ir(bool on) { internal::set_debug_ir(on); }

Fn fn_variadic(std::function<std::vector<Value>(const std::vector<Value>&)> callable,
               std::string name) {
  internal::FnCallableAdapter a;
  a.call = std::move(callable);
  a.arity = -1;
  return internal::make_fn(std::move(a), std::move(name));
}

}  // namespace lanes
