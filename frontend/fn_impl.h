// FnImpl: what every lanes::Fn is underneath — a map from abstract signatures to graphs
// (traced once per signature and cached), plus how to call it on arrays and on Values.
// Transformations (jit, vmap, grad, pmap, ...) are FnImpls wrapping another Fn.
#pragma once

#include "engine/ir/graph.h"

#include <lanes/fn.h>

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace lanes::internal {

using Signature = std::vector<AbstractValue>;

// The signature of call arguments without materializing it: the key of heterogeneous
// lookups on the dispatch path (no Signature vector is built for a cached call).
struct ArgsSignature {
  std::span<const ArgRef> args;
};
Signature signature_of(std::span<const ArgRef> args);

// Transparent hash and equality: Signature and ArgsSignature hash alike.
struct SignatureHash {
  using is_transparent = void;
  std::size_t operator()(const Signature& s) const;
  std::size_t operator()(const ArgsSignature& s) const;
};
struct SignatureEq {
  using is_transparent = void;
  bool operator()(const Signature& a, const Signature& b) const { return a == b; }
  bool operator()(const ArgsSignature& a, const Signature& b) const;
  bool operator()(const Signature& a, const ArgsSignature& b) const { return (*this)(b, a); }
};

class Executable;

class FnImpl {
 public:
  FnImpl(std::string name, int arity) : name_(std::move(name)), arity_(arity) {}
  virtual ~FnImpl() = default;

  // The graph for a signature: traced on first use, verified, cached.
  GraphRef graph_for(const Signature& sig);
  // Calls on arrays: runs compiled code when the function is compiled (jit, or a
  // transformation of a jitted function, as in JAX where vmap(jit(f)) runs compiled),
  // else interprets the graph.
  virtual std::vector<Array> call(std::span<const Array> args, const Signature& sig);
  // Calls on arrays from Fn::call. The default copies the arrays, builds the Signature
  // and calls call(); jit overrides it with an allocation-free cached path.
  virtual std::vector<Array> call_args(std::span<const ArgRef> args);
  // Calls on Values inside an active trace (default: inline the graph).
  virtual std::vector<Value> call_traced(std::span<const Value> args);
  // The compiled code for a signature, as text; only jitted functions have any.
  enum class CodeText { LlvmIr, Assembly };
  virtual std::string compiled_text(const Signature& sig, CodeText what);

  const std::string& name() const { return name_; }
  int arity() const { return arity_; }
  // ArgumentError unless `n` arguments fit this function.
  void check_arity(std::size_t n) const;

  // Compile options when calls on arrays run compiled code; null when interpreted.
  const JitOptions* compiled_options() const { return compiled_ ? &*compiled_ : nullptr; }
  // Makes calls on arrays run compiled code (jit sets this; a transformation of a
  // jitted Fn calls inherit_compiled(inner) in its constructor).
  void set_compiled(const JitOptions& options) { compiled_ = options; }
  void inherit_compiled(const Fn& inner) {
    if (const JitOptions* o = inner.impl()->compiled_options()) compiled_ = *o;
  }

 protected:
  virtual GraphRef make_graph(const Signature& sig) = 0;
  // The executable for a signature: compiled once (first callers that race compile once),
  // then read under a shared lock.
  const Executable& executable_for(const Signature& sig);
  // The executable for these arguments if one is compiled and ready, else nullptr: a
  // read of the cache under a shared lock, without building a Signature.
  const Executable* ready_executable(std::span<const ArgRef> args);

 private:
  struct CompiledEntry;

  std::string name_;
  int arity_;
  std::shared_mutex mu_;
  std::unordered_map<Signature, GraphRef, SignatureHash, SignatureEq> graphs_;
  std::optional<JitOptions> compiled_;
  std::shared_mutex exe_mu_;
  std::unordered_map<Signature, std::shared_ptr<CompiledEntry>, SignatureHash, SignatureEq>
      executables_;
};


}  // namespace lanes::internal
