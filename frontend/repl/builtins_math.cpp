// Builtins: elementwise math, comparisons, where/astype and reductions (lanes/ops.h).
#include <lanes/autodiff.h>
#include <lanes/ops.h>

#include "frontend/repl/builtins.h"

namespace lanes::repl {

namespace {
using Unary = Value (*)(const Value&);
using Binary = Value (*)(const Value&, const Value&);

Value true_divide(const Value& a, const Value& b) {
  // Python's '/' on integers gives a float, as jnp.true_divide.
  if (!is_float(a.dtype()) && !is_float(b.dtype())) {
    return lanes::div(lanes::astype(a, DType::F64), lanes::astype(b, DType::F64));
  }
  return lanes::div(a, b);
}

Value floor_divide(const Value& a, const Value& b) {
  if (is_float(a.dtype()) || is_float(b.dtype())) return lanes::floor(lanes::div(a, b));
  // Integers: C++ truncates; Python floors (the quotient is one less when the remainder
  // is non-zero and has the other sign than the divisor).
  Value q = lanes::div(a, b), r = lanes::rem(a, b);
  Value adjust = lanes::logical_and(lanes::ne(r, 0), lanes::ne(lanes::lt(r, 0), lanes::lt(b, 0)));
  return lanes::where(adjust, lanes::sub(q, 1), q);
}

Value python_mod(const Value& a, const Value& b) {
  // Python's '%' (jnp.remainder): the result has the sign of the divisor.
  Value r = lanes::rem(a, b);
  Value adjust = lanes::logical_and(lanes::ne(r, 0), lanes::ne(lanes::lt(r, 0), lanes::lt(b, 0)));
  return lanes::where(adjust, lanes::add(r, b), r);
}
}  // namespace

void register_math_builtins(Registry& reg) {
  // The DSL's elementwise functions by name, and the few other one-operand builtins.
  std::vector<std::pair<const char*, Unary>> unary;
  for (const NamedUnary& f : lanes::elementwise_unary_functions()) unary.emplace_back(f.name, f.fn);
  unary.insert(unary.end(), {{"zeros_like", lanes::zeros_like},
                             {"ones_like", lanes::ones_like},
                             {"stop_gradient", lanes::stop_gradient}});
  for (const auto& [name, f] : unary) {
    reg.op(std::string(name) + "(x)",
           [f](Evaluator&, const CallArgs& a) { return RVal(f(a.value(0))); });
  }
  const std::pair<const char*, Binary> binary[] = {{"add", lanes::add},
                                                   {"sub", lanes::sub},
                                                   {"mul", lanes::mul},
                                                   {"div", lanes::div},
                                                   {"rem", lanes::rem},
                                                   {"pow", lanes::pow},
                                                   {"atan2", lanes::atan2},
                                                   {"minimum", lanes::minimum},
                                                   {"maximum", lanes::maximum},
                                                   {"lt", lanes::lt},
                                                   {"le", lanes::le},
                                                   {"gt", lanes::gt},
                                                   {"ge", lanes::ge},
                                                   {"eq", lanes::eq},
                                                   {"ne", lanes::ne},
                                                   {"logical_and", lanes::logical_and},
                                                   {"logical_or", lanes::logical_or},
                                                   {"logical_xor", lanes::logical_xor},
                                                   {"true_divide", true_divide},
                                                   {"floor_divide", floor_divide},
                                                   {"mod", python_mod}};
  for (const auto& [name, f] : binary) {
    reg.op(std::string(name) + "(x, y)",
           [f](Evaluator&, const CallArgs& a) { return RVal(f(a.value(0), a.value(1))); });
  }
  reg.op(
      "where(condition, x, y)",
      [](Evaluator&, const CallArgs& a) {
        return RVal(lanes::where(a.value(0), a.value(1), a.value(2)));
      },
      "condition ? x : y elementwise");
  reg.op("astype(x, dtype)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::astype(a.value(0), a.dtype_or(1, DType::F64)));
  });
  using Reduce = Value (*)(const Value&, const Axes&);
  using ReduceAll = Value (*)(const Value&);
  const std::tuple<const char*, Reduce, ReduceAll> reductions[] = {
      {"sum", lanes::sum, lanes::sum},
      {"prod", lanes::prod, lanes::prod},
      {"max", lanes::max, lanes::max},
      {"min", lanes::min, lanes::min},
      {"mean", lanes::mean, lanes::mean}};
  for (const auto& [name, f, all] : reductions) {
    reg.op(
        std::string(name) + "(x, axis=)",
        [f, all](Evaluator&, const CallArgs& a) {
          if (!a.has(1) || a.slots[1]->is_none()) return RVal(all(a.value(0)));
          return RVal(f(a.value(0), a.axes(1)));
        },
        "reduce over axis (an int or a tuple; all axes by default)");
  }
  reg.op("argmax(x, axis)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::argmax(a.value(0), a.integer(1)));
  });
  reg.op("argmin(x, axis)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::argmin(a.value(0), a.integer(1)));
  });
}

}  // namespace lanes::repl
