// Printing, describing and flattening REPL values.
#include "frontend/repl/rvalue.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "frontend/repl/errors.h"
#include "runtime/check.h"

namespace lanes::repl {

namespace {
std::string num_text(const Num& n) {
  if (n.is_integral()) return n.s.to_string();  // exact, True/False for bool
  const double f = n.as_double();
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);  // shortest round trip, as Python's repr
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}
}  // namespace

RVal RVal::tuple(std::vector<RVal> items) {
  int nesting = 0;
  for (const RVal& x : items) nesting = std::max(nesting, x.nesting_);
  if (nesting >= kMaxTupleNesting) {
    throw ReplError("RecursionError",
                    "tuples nested more than " + std::to_string(kMaxTupleNesting) + " deep", Loc{},
                    /*located=*/false);
  }
  RVal r;
  r.v = std::make_shared<const std::vector<RVal>>(std::move(items));
  r.nesting_ = nesting + 1;
  return r;
}

std::string describe_type(const RVal& v) {
  if (const Num* n = v.num()) return std::string(dtype_name(n->dtype())) + " number";
  if (const Array* a = v.array())
    return std::string(dtype_name(a->dtype())) + shape_text(a->shape());
  if (const Value* x = v.traced())
    return std::string(dtype_name(x->dtype())) + shape_text(x->shape());
  if (const Callable* c = v.callable()) return "function " + c->signature();
  return type_name(v);
}

std::string type_name(const RVal& v) {
  if (v.is_none()) return "None";
  if (v.num()) return "number";
  if (const Array* a = v.array()) return describe_type(RVal(*a)) + " array";
  if (const Value* x = v.traced()) return "traced " + describe_type(RVal(*x));
  if (v.items()) return "tuple";
  if (v.callable()) return "function";
  if (v.dtype()) return "dtype";
  if (v.str()) return "string";
  if (v.module()) return "module";
  return "value";
}

std::string to_display(const RVal& v) {
  if (v.is_none()) return "None";
  if (const Num* n = v.num()) return num_text(*n);
  if (const Array* a = v.array()) {
    std::string s = a->to_string();
    if (a->rank() == 0) {  // "array(X, dtype=T)" -> "X", as numpy prints scalars
      std::size_t open = s.find('('), comma = s.rfind(", dtype=");
      if (open != std::string::npos && comma != std::string::npos && comma > open) {
        return s.substr(open + 1, comma - open - 1);
      }
    }
    return s;
  }
  if (const Value* x = v.traced()) return "Traced<" + describe_type(RVal(*x)) + ">";
  if (const auto* items = v.items()) {
    std::string s = "(";
    for (std::size_t i = 0; i < items->size(); ++i) {
      s += (i ? ", " : "") + to_display((*items)[i]);
    }
    return s + (items->size() == 1 ? ",)" : ")");
  }
  if (const Callable* c = v.callable()) return "<function " + c->name + ">";
  if (const DType* t = v.dtype()) return std::string(dtype_name(*t));
  if (const std::string* s = v.str()) return "'" + *s + "'";
  if (const Module* m = v.module()) return "<module " + m->name + ">";
  return "?";
}

Value to_value(const RVal& v, const std::string& what, Loc loc) {
  if (const Num* n = v.num()) {
    if (n->dtype() == DType::F64) return Value(n->as_double());
    if (n->dtype() == DType::I64) return Value(n->as_int());
    return Value(n->as_int() != 0);
  }
  if (const Array* a = v.array()) return Value(*a);
  if (const Value* x = v.traced()) return *x;
  type_error(what + " must be an array or a number, got " + type_name(v), loc);
}

Tree flatten(const RVal& v, std::vector<Value>& out, const std::string& what, Loc loc) {
  if (const auto* items = v.items()) {
    Tree t;
    t.leaf = false;
    for (const RVal& item : *items) t.children.push_back(flatten(item, out, what, loc));
    return t;
  }
  out.push_back(to_value(v, what, loc));
  return Tree{};
}

RVal unflatten_values(const Tree& t, const std::vector<Value>& vals, std::size_t& pos) {
  if (t.leaf) {
    if (pos >= vals.size()) LANES_FAIL("repl: unflatten ran out of values");
    return RVal(vals[pos++]);
  }
  std::vector<RVal> items;
  for (const Tree& c : t.children) items.push_back(unflatten_values(c, vals, pos));
  return RVal::tuple(std::move(items));
}

RVal unflatten_arrays(const Tree& t, const std::vector<Array>& vals, std::size_t& pos) {
  if (t.leaf) {
    if (pos >= vals.size()) LANES_FAIL("repl: unflatten ran out of arrays");
    return RVal(vals[pos++]);
  }
  std::vector<RVal> items;
  for (const Tree& c : t.children) items.push_back(unflatten_arrays(c, vals, pos));
  return RVal::tuple(std::move(items));
}

}  // namespace lanes::repl
