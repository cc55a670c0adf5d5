// Builtins: shape operations and linear algebra (lanes/ops.h).
#include <lanes/ops.h>

#include "frontend/repl/builtins.h"
#include "frontend/repl/errors.h"

namespace lanes::repl {

namespace {
std::vector<Value> value_list(const CallArgs& a, std::size_t i) {
  std::vector<Value> out;
  const RVal& v = a.need(i);
  const auto* items = v.items();
  if (!items) a.fail(i, "must be a tuple of arrays, got " + type_name(v));
  for (std::size_t k = 0; k < items->size(); ++k) {
    out.push_back(to_value((*items)[k], a.fname + "() element " + std::to_string(k), a.loc));
  }
  return out;
}
}  // namespace

void register_shape_builtins(Registry& reg) {
  reg.op("reshape(x, shape)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::reshape(a.value(0), a.int_list(1)));
  });
  reg.op("transpose(x, axes=)", [](Evaluator&, const CallArgs& a) {
    if (!a.has(1) || a.slots[1]->is_none()) return RVal(lanes::transpose(a.value(0)));
    return RVal(lanes::transpose(a.value(0), a.int_list(1)));
  });
  reg.op("broadcast_to(x, shape)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::broadcast_to(a.value(0), a.shape(1)));
  });
  reg.op("broadcast_in_dim(x, shape, broadcast_dimensions)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::broadcast_in_dim(a.value(0), a.shape(1), a.int_list(2)));
  });
  reg.op("slice(x, start, limit, strides=)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::slice(a.value(0), a.int_list(1), a.int_list(2), a.axes(3)));
  });
  reg.op(
      "rev(x, dimensions)",
      [](Evaluator&, const CallArgs& a) { return RVal(lanes::rev(a.value(0), a.int_list(1))); },
      "reverse along each axis listed");
  reg.op("concatenate(xs, axis=)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::concatenate(value_list(a, 0), a.integer_or(1, 0)));
  });
  reg.op(
      "stack(xs, axis=)",
      [](Evaluator&, const CallArgs& a) {
        std::int64_t axis = a.integer_or(1, 0);
        std::vector<Value> xs = value_list(a, 0);
        if (xs.empty()) a.fail(0, "must not be empty");
        for (Value& x : xs) x = lanes::expand_dims(x, axis);
        return RVal(lanes::concatenate(xs, axis));
      },
      "join arrays along a new axis");
  reg.op("expand_dims(x, axis)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::expand_dims(a.value(0), a.integer(1)));
  });
  reg.op("squeeze(x, axis)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::squeeze(a.value(0), a.int_list(1)));
  });
  reg.op("iota(dtype, shape, dimension=)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::iota(a.dtype_or(0, DType::I64), a.shape(1), a.integer_or(2, 0)));
  });
  reg.op("full(shape, value, dtype=)", [](Evaluator&, const CallArgs& a) {
    return RVal(lanes::full(a.dtype_or(2, DType::F64), a.shape(0), a.scalar(1)));
  });
  reg.op("dot_general(lhs, rhs, lhs_contracting, rhs_contracting, lhs_batch=, rhs_batch=)",
         [](Evaluator&, const CallArgs& a) {
           return RVal(lanes::dot_general(a.value(0), a.value(1), a.int_list(2), a.int_list(3),
                                          a.axes(4), a.axes(5)));
         });
  reg.op("dot(x, y)",
         [](Evaluator&, const CallArgs& a) { return RVal(lanes::dot(a.value(0), a.value(1))); });
  reg.op("matmul(x, y)",
         [](Evaluator&, const CallArgs& a) { return RVal(lanes::matmul(a.value(0), a.value(1))); });
  reg.op("outer(x, y)",
         [](Evaluator&, const CallArgs& a) { return RVal(lanes::outer(a.value(0), a.value(1))); });
}

}  // namespace lanes::repl
