// Dtype promotion and broadcasting for the DSL (see promotion.h for the rules).
#include "engine/ops/promotion.h"

#include <lanes/ops.h>

#include <algorithm>

#include "engine/trace.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {
int category(DType t) {
  if (t == DType::Bool) return 0;
  if (is_int(t)) return 1;
  return 2;
}

DType default_of_category(int c) { return c == 0 ? DType::Bool : c == 1 ? DType::I64 : DType::F64; }

AbstractValue join(const AbstractValue& a, const AbstractValue& b) {
  AbstractValue r;
  if (a.weak == b.weak) {
    r.dtype = static_cast<DType>(std::max(static_cast<int>(a.dtype), static_cast<int>(b.dtype)));
    r.weak = a.weak;
    return r;
  }
  const AbstractValue& weak = a.weak ? a : b;
  const AbstractValue& strong = a.weak ? b : a;
  if (category(weak.dtype) <= category(strong.dtype)) {
    r.dtype = strong.dtype;
    r.weak = false;
  } else {
    r.dtype = default_of_category(category(weak.dtype));
    r.weak = true;
  }
  return r;
}
}  // namespace

AbstractValue promote_types(std::span<const AbstractValue> operands) {
  if (operands.empty()) LANES_FAIL("promote_types of no operands");
  AbstractValue r{operands[0].dtype, {}, operands[0].weak};
  for (std::size_t i = 1; i < operands.size(); ++i) r = join(r, operands[i]);
  return r;
}

Shape broadcast_shapes(const char* op, std::span<const Shape> shapes) {
  std::size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    for (std::size_t k = 0; k < s.size(); ++k) {
      std::int64_t d = s[s.size() - 1 - k];
      std::int64_t& o = out[rank - 1 - k];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string all;
      for (const Shape& t : shapes) all += (all.empty() ? "" : ", ") + shape_to_string(t);
      throw ShapeError(std::string(op) + ": operand shapes " + all +
                       " cannot be broadcast together (axis " +
                       std::to_string(static_cast<std::int64_t>(rank - 1 - k)) + ": " +
                       std::to_string(o) + " vs " + std::to_string(d) + ")");
    }
  }
  return out;
}

Value cast_to(const Value& v, DType dtype, bool weak) {
  if (v.is_literal()) return Value::from_literal(convert_literal(v.literal(), dtype, weak));
  AbstractValue a = aval_of(v);
  if (a.dtype == dtype && a.weak == weak) return v;
  return bind1("convert", {v}, Params{{"dtype", dtype}, {"weak", weak}});
}

Value broadcast_value(const Value& v, const Shape& shape, bool keep_scalars) {
  Shape s = v.shape();
  if (s == shape || (keep_scalars && s.empty())) return v;
  return broadcast_to(v, shape);
}

std::vector<Value> prepare_elementwise(const char* op, std::vector<Value> operands,
                                       std::span<const bool> skip_promotion) {
  std::vector<AbstractValue> avals;
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    AbstractValue a = aval_of(operands[i]);
    shapes.push_back(a.shape);
    if (i < skip_promotion.size() && skip_promotion[i]) continue;
    avals.push_back(a);
  }
  AbstractValue target = promote_types(avals);
  Shape shape = broadcast_shapes(op, shapes);
  for (std::size_t i = 0; i < operands.size(); ++i) {
    // An operand that differs from the target only in weakness needs no convert: the
    // primitive's result is weak only if all its operands are.
    if (!(i < skip_promotion.size() && skip_promotion[i]) &&
        (operands[i].is_literal() || operands[i].dtype() != target.dtype)) {
      operands[i] = cast_to(operands[i], target.dtype, target.weak);
    }
    operands[i] = broadcast_value(operands[i], shape, /*keep_scalars=*/true);
  }
  return operands;
}

}  // namespace lanes::internal
