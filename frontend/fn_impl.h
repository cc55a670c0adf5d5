// FnImpl: what every lanes::Fn is underneath — a map from abstract signatures to graphs
// (traced once per signature and cached), plus how to call it on arrays and on Values.
// Transformations (jit now; vmap, grad, ... later) are FnImpls wrapping another Fn.
#pragma once

#include "engine/ir/graph.h"

#include <lanes/fn.h>

#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace lanes::internal {

using Signature = std::vector<AbstractValue>;

struct SignatureHash {
  std::size_t operator()(const Signature& s) const;
};

class FnImpl {
 public:
  FnImpl(std::string name, int arity) : name_(std::move(name)), arity_(arity) {}
  virtual ~FnImpl() = default;

  // The graph for a signature: traced on first use, verified, cached.
  GraphRef graph_for(const Signature& sig);
  // Calls on arrays (default: interpret the graph).
  virtual std::vector<Array> call(std::span<const Array> args, const Signature& sig);
  // Calls on Values inside an active trace (default: inline the graph).
  virtual std::vector<Value> call_traced(std::span<const Value> args);
  // The compiled code for a signature, as text; only jitted functions have any.
  enum class CodeText { LlvmIr, Assembly };
  virtual std::string compiled_text(const Signature& sig, CodeText what);

  const std::string& name() const { return name_; }
  int arity() const { return arity_; }
  // ArgumentError unless `n` arguments fit this function.
  void check_arity(std::size_t n) const;

 protected:
  virtual GraphRef make_graph(const Signature& sig) = 0;

 private:
  std::string name_;
  int arity_;
  std::shared_mutex mu_;
  std::unordered_map<Signature, GraphRef, SignatureHash> graphs_;
};

}  // namespace lanes::internal
