// The builtin registry and the argument accessors builtins use.
#include "frontend/repl/builtins.h"

#include <cmath>

#include "frontend/repl/errors.h"

namespace lanes::repl {

const RVal& CallArgs::need(std::size_t i) const {
  if (!has(i)) type_error(fname + "() missing argument '" + names.at(i) + "'", loc);
  return *slots[i];
}

void CallArgs::fail(std::size_t i, const std::string& msg) const {
  type_error(fname + "() argument '" + (i < names.size() ? names[i] : "?") + "' " + msg, loc);
}

Value CallArgs::value(std::size_t i) const {
  return to_value(need(i), fname + "() argument '" + names.at(i) + "'", loc);
}

std::optional<Value> CallArgs::value_or_none(std::size_t i) const {
  if (!has(i) || slots[i]->is_none()) return std::nullopt;
  return value(i);
}

std::int64_t CallArgs::integer(std::size_t i) const {
  const RVal& v = need(i);
  if (const Num* n = v.num(); n && n->is_integral()) return n->as_int();
  if (const Array* a = v.array(); a && a->size() == 1 && !is_float(a->dtype())) {
    return a->element(0).as_int64();
  }
  fail(i, "must be a Python int, got " + type_name(v));
}

std::int64_t CallArgs::integer_or(std::size_t i, std::int64_t fallback) const {
  return has(i) && !slots[i]->is_none() ? integer(i) : fallback;
}

Scalar CallArgs::scalar(std::size_t i) const {
  const RVal& v = need(i);
  if (const Num* n = v.num()) return n->s;
  if (const Array* a = v.array(); a && a->size() == 1) return a->element(0);
  fail(i, "must be a Python number, got " + type_name(v));
}

double CallArgs::number(std::size_t i) const { return scalar(i).as_double(); }

double CallArgs::number_or(std::size_t i, double fallback) const {
  return has(i) && !slots[i]->is_none() ? number(i) : fallback;
}

bool CallArgs::boolean_or(std::size_t i, bool fallback) const {
  return has(i) && !slots[i]->is_none() ? number(i) != 0 : fallback;
}

std::string CallArgs::string_or(std::size_t i, const std::string& fallback) const {
  if (!has(i) || slots[i]->is_none()) return fallback;
  if (const std::string* s = slots[i]->str()) return *s;
  fail(i, "must be a string, got " + type_name(*slots[i]));
}

std::vector<std::int64_t> CallArgs::int_list(std::size_t i) const {
  const RVal& v = need(i);
  std::vector<std::int64_t> out;
  if (const auto* items = v.items()) {
    for (const RVal& x : *items) {
      const Num* n = x.num();
      if (!n || !n->is_integral()) fail(i, "must be an int or a tuple of ints");
      out.push_back(n->as_int());
    }
    return out;
  }
  out.push_back(integer(i));
  return out;
}

Shape CallArgs::shape(std::size_t i) const {
  Shape s = int_list(i);
  std::int64_t total = 1;
  for (std::int64_t d : s) {
    if (d < 0) fail(i, "has a negative extent: " + shape_to_string(s));
    if (d > 0 && total > max_elements / d) {
      throw ReplError("RuntimeError",
                      fname + "(): shape " + shape_to_string(s) + " has more than " +
                          std::to_string(max_elements) + " elements (the REPL's limit)",
                      loc);
    }
    total *= d;
  }
  return s;
}

Axes CallArgs::axes(std::size_t i) const {
  if (!has(i) || slots[i]->is_none()) return {};
  return int_list(i);
}

DType CallArgs::dtype_or(std::size_t i, DType fallback) const {
  if (!has(i) || slots[i]->is_none()) return fallback;
  if (const DType* t = slots[i]->dtype()) return *t;
  fail(i, "must be a dtype (f32, f64, i32, i64, bool), got " + type_name(*slots[i]));
}

const Callable& CallArgs::function(std::size_t i) const {
  const Callable* c = need(i).callable();
  if (!c) fail(i, "must be a function, got " + type_name(*slots[i]));
  return *c;
}

void Registry::op(const std::string& signature, BuiltinImpl impl, std::string doc) {
  add(signature, BuiltinSpec::Mode::Op, std::move(impl), std::move(doc));
}
void Registry::host(const std::string& signature, BuiltinImpl impl, std::string doc) {
  add(signature, BuiltinSpec::Mode::Host, std::move(impl), std::move(doc));
}

void Registry::add(const std::string& signature, BuiltinSpec::Mode mode, BuiltinImpl impl,
                   std::string doc) {
  std::size_t open = signature.find('(');
  std::string name = signature.substr(0, open);
  std::vector<std::string> params;
  std::size_t required = 0;
  bool variadic = false, optional = false;
  std::string cur;
  auto flush = [&] {
    std::size_t a = cur.find_first_not_of(' '), b = cur.find_last_not_of(' ');
    std::string p = a == std::string::npos ? "" : cur.substr(a, b - a + 1);
    cur.clear();
    if (p.empty()) return;
    if (p[0] == '*') {
      variadic = true;
      return;
    }
    if (p.back() == '=') {
      optional = true;
      p.pop_back();
    }
    params.push_back(p);
    if (!optional) ++required;
  };
  for (std::size_t k = open + 1; k < signature.size() && signature[k] != ')'; ++k) {
    if (signature[k] == ',')
      flush();
    else
      cur += signature[k];
  }
  flush();
  if (doc.empty())
    doc = signature;
  else
    doc = signature + ": " + doc;
  functions_[name] = std::make_shared<BuiltinSpec>(name, mode, std::move(params), required,
                                                   variadic, std::move(impl), std::move(doc));
}

const Registry& builtins() {
  static const Registry reg = [] {
    Registry r;
    register_math_builtins(r);
    register_shape_builtins(r);
    register_array_builtins(r);
    register_transform_builtins(r);
    register_control_builtins(r);
    register_parallel_builtins(r);
    r.constant("True", RVal(Num::of_bool(true)));
    r.constant("False", RVal(Num::of_bool(false)));
    r.constant("None", RVal());
    r.constant("pi", RVal(Num::of_float(M_PI)));
    r.constant("e", RVal(Num::of_float(M_E)));
    r.constant("inf", RVal(Num::of_float(HUGE_VAL)));
    r.constant("nan", RVal(Num::of_float(std::nan(""))));
    for (DType t : kAllDTypes) r.constant(std::string(dtype_name(t)), RVal(t));
    r.constant("float32", RVal(DType::F32));
    r.constant("float64", RVal(DType::F64));
    r.constant("int32", RVal(DType::I32));
    r.constant("int64", RVal(DType::I64));
    r.constant("random", RVal(Module{"random"}));
    return r;
  }();
  return reg;
}

}  // namespace lanes::repl
