// The reference interpreter.
#include "engine/interpreter.h"

#include <optional>

#include "engine/primitive.h"
#include "runtime/cancel.h"
#include "runtime/check.h"
#include "runtime/nesting_guard.h"

namespace lanes::internal {

Array literal_array(const Literal& l) { return Array::full(l.dtype(), {}, l.value); }

std::vector<Array> interpret(const Graph& g, std::span<const Array> inputs) {
  NestingGuard guard("interpret");  // control flow runs its sub-graphs through here
  if (inputs.size() != g.inputs.size()) {
    throw ArgumentError("interpret: the graph takes " + std::to_string(g.inputs.size()) +
                        " inputs, got " + std::to_string(inputs.size()));
  }
  std::vector<std::optional<Array>> env(g.vars.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const AbstractValue& want = g.aval(g.inputs[i]);
    if (inputs[i].dtype() != want.dtype || inputs[i].shape() != want.shape) {
      throw ArgumentError("interpret: input " + std::to_string(i) + " is " +
                          std::string(dtype_name(inputs[i].dtype())) +
                          shape_to_string(inputs[i].shape()) + ", the graph expects " +
                          want.to_string());
    }
    env[static_cast<std::size_t>(g.inputs[i])] = inputs[i];
  }
  auto read = [&](const Atom& a) -> Array {
    if (a.is_literal()) return literal_array(a.literal);
    return *env[static_cast<std::size_t>(a.var)];
  };
  std::vector<Array> args;
  throw_if_cancelled();
  for (const Equation& e : g.eqns) {
    // Between equations: a long eager program, or the body of a loop, stops here.
    throw_if_cancelled();
    args.clear();
    for (const Atom& a : e.inputs) args.push_back(read(a));
    std::vector<Array> outs = e.prim->impl(args, e.params);
    if (outs.size() != e.outputs.size()) {
      LANES_FAIL(e.prim->name + ": implementation returned " + std::to_string(outs.size()) +
                 " outputs, expected " + std::to_string(e.outputs.size()));
    }
    for (std::size_t k = 0; k < outs.size(); ++k) {
      env[static_cast<std::size_t>(e.outputs[k])] = std::move(outs[k]);
    }
  }
  std::vector<Array> result;
  for (const Atom& a : g.outputs) result.push_back(read(a));
  return result;
}

}  // namespace lanes::internal
