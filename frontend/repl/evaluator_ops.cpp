// The evaluator's operators, array literals, indexing and attributes. Operators on
// arrays call the builtins of the same name (add, mul, lt, ...); Python numbers combine
// with Python's rules.
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"

namespace lanes::repl {

using EK = Expr::Kind;

namespace {

const std::map<std::string, std::string>& binary_builtin() {
  static const std::map<std::string, std::string> m = {{"+", "add"},
                                                       {"-", "sub"},
                                                       {"*", "mul"},
                                                       {"/", "true_divide"},
                                                       {"//", "floor_divide"},
                                                       {"%", "mod"},
                                                       {"**", "pow"},
                                                       {"@", "matmul"},
                                                       {"<", "lt"},
                                                       {"<=", "le"},
                                                       {">", "gt"},
                                                       {">=", "ge"},
                                                       {"==", "eq"},
                                                       {"!=", "ne"},
                                                       {"&", "logical_and"},
                                                       {"and", "logical_and"},
                                                       {"|", "logical_or"},
                                                       {"or", "logical_or"},
                                                       {"^", "logical_xor"}};
  return m;
}

void check_overflow(bool overflowed, const Num& a, const std::string& op, const Num& b, Loc loc) {
  if (overflowed) int_overflow(a.s.to_string() + " " + op + " " + b.s.to_string(), loc);
}

// Python compares an int with a float exactly (2**53 + 1 > 2.0**53), not after rounding
// the int to a float. -1, 0, 1; y is not NaN.
int compare_int_float(std::int64_t i, double y) {
  constexpr double k2p63 = 9223372036854775808.0;
  if (y >= k2p63) return -1;
  if (y < -k2p63) return 1;
  const double t = std::trunc(y);  // in [-2^63, 2^63): exact as an i64
  const auto ti = static_cast<std::int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  return y > t ? -1 : y < t ? 1 : 0;
}

RVal builtin(const std::string& name) { return RVal(builtins().functions().at(name)); }

}  // namespace

std::optional<RVal> num_binary(const std::string& op, const Num& a, const Num& b, Loc loc) {
  bool ints = a.is_integral() && b.is_integral();
  double x = a.as_double(), y = b.as_double();
  std::int64_t i = ints ? a.as_int() : 0, j = ints ? b.as_int() : 0;
  // The order of a and b, exact for any mix of ints and floats; nullopt when a NaN makes
  // them unordered.
  auto order = [&]() -> std::optional<int> {
    if (ints) return i < j ? -1 : i > j ? 1 : 0;
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    if (a.is_integral()) return compare_int_float(a.as_int(), y);
    if (b.is_integral()) return -compare_int_float(b.as_int(), x);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  auto cmp = [&](bool r) { return RVal(Num::of_bool(r)); };
  if (op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==" || op == "!=") {
    const std::optional<int> o = order();
    if (!o) return cmp(op == "!=");  // NaN: unordered
    if (op == "<") return cmp(*o < 0);
    if (op == "<=") return cmp(*o <= 0);
    if (op == ">") return cmp(*o > 0);
    if (op == ">=") return cmp(*o >= 0);
    return cmp(op == "==" ? *o == 0 : *o != 0);
  }
  if (op == "and" || op == "or") {
    bool p = x != 0, q = y != 0;
    return a.dtype() == DType::Bool && b.dtype() == DType::Bool ? cmp(op == "and" ? p && q : p || q)
                                                                : RVal((op == "and") == p ? b : a);
  }
  if (op == "/") {
    if (y == 0) throw ReplError("ZeroDivisionError", "division by zero", loc);
    return RVal(Num::of_float(x / y));
  }
  if (ints) {
    if (op == "+" || op == "-" || op == "*") {
      std::int64_t r = 0;
      const bool over = op == "+"   ? __builtin_add_overflow(i, j, &r)
                        : op == "-" ? __builtin_sub_overflow(i, j, &r)
                                    : __builtin_mul_overflow(i, j, &r);
      check_overflow(over, a, op, b, loc);
      return RVal(Num::of_int(r));
    }
    if (op == "//" || op == "%") {
      if (j == 0) throw ReplError("ZeroDivisionError", "integer division by zero", loc);
      if (i == std::numeric_limits<std::int64_t>::min() && j == -1) {
        check_overflow(op == "//", a, op, b, loc);  // 2^63
        return RVal(Num::of_int(0));
      }
      std::int64_t q = i / j, r = i % j;
      if (r != 0 && ((r < 0) != (j < 0))) {
        --q;
        r += j;
      }
      return RVal(Num::of_int(op == "//" ? q : r));
    }
    if (op == "**") {
      if (j < 0) return RVal(Num::of_float(std::pow(x, y)));
      // By squaring; base is squared only while a later bit of the exponent will use it,
      // so an overflow there means the result overflows too.
      std::int64_t p = 1, base = i;
      for (std::int64_t e = j; e > 0;) {
        if (e & 1) check_overflow(__builtin_mul_overflow(p, base, &p), a, op, b, loc);
        e >>= 1;
        if (e > 0) check_overflow(__builtin_mul_overflow(base, base, &base), a, op, b, loc);
      }
      return RVal(Num::of_int(p));
    }
    if (op == "&" || op == "|" || op == "^") {
      std::int64_t r = op == "&" ? (i & j) : op == "|" ? (i | j) : (i ^ j);
      if (a.dtype() == DType::Bool && b.dtype() == DType::Bool) return cmp(r != 0);
      return RVal(Num::of_int(r));
    }
  } else {
    if (op == "+") return RVal(Num::of_float(x + y));
    if (op == "-") return RVal(Num::of_float(x - y));
    if (op == "*") return RVal(Num::of_float(x * y));
    if (op == "**") return RVal(Num::of_float(std::pow(x, y)));
    if (op == "//" || op == "%") {
      if (y == 0) throw ReplError("ZeroDivisionError", "float division by zero", loc);
      double r = std::fmod(x, y);
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return RVal(Num::of_float(op == "%" ? r : std::floor(x / y)));
    }
  }
  return std::nullopt;  // e.g. @ on numbers: let the array op report it
}

// A chain a + b - c ... nests through its left operands: it is walked in a loop, so that
// its length costs no stack (Expr::depth counts only its right operands).
RVal Evaluator::eval_binary(const Expr& e, Frame* frame) {
  std::vector<const Expr*> chain{&e};
  while (chain.back()->items[0]->kind == EK::Binary) chain.push_back(chain.back()->items[0].get());
  RVal acc = eval(*chain.back()->items[0], frame);
  for (std::size_t i = chain.size(); i-- > 0;) {
    const Expr& node = *chain[i];
    RVal b = eval(*node.items[1], frame);
    acc = at_loc(node.loc, [&] { return apply_binary(node, std::move(acc), std::move(b)); });
  }
  return acc;
}

RVal Evaluator::apply_binary(const Expr& e, RVal a, RVal b) {
  const std::string& op = e.name;
  if (a.num() && b.num()) {
    if (auto r = num_binary(op, *a.num(), *b.num(), e.loc)) return *r;
  }
  if (op == "+" && a.items() && b.items()) {  // tuple concatenation
    std::vector<RVal> all = *a.items();
    all.insert(all.end(), b.items()->begin(), b.items()->end());
    return RVal::tuple(std::move(all));
  }
  if (!a.is_tensor() || !b.is_tensor()) {
    type_error("unsupported operand types for " + op + ": " + type_name(a) + " and " + type_name(b),
               e.loc);
  }
  return call(builtin(binary_builtin().at(op)), {a, b}, {}, e.loc);
}

RVal Evaluator::eval_unary(const Expr& e, Frame* frame) {
  if (e.name == "-" && e.items[0]->kind == EK::Number) return parse_number(*e.items[0], true);
  RVal a = eval(*e.items[0], frame);
  const std::string& op = e.name;
  if (const Num* n = a.num()) {
    if (op == "+") return a;
    if (op == "not") return RVal(Num::of_bool(n->as_double() == 0));
    if (op == "-") {
      if (n->dtype() == DType::F64) return RVal(Num::of_float(-n->as_double()));
      if (n->as_int() == std::numeric_limits<std::int64_t>::min()) {
        int_overflow("-(" + n->s.to_string() + ")", e.loc);
      }
      return RVal(Num::of_int(-n->as_int()));
    }
    if (op == "~" && n->dtype() == DType::Bool) return RVal(Num::of_bool(n->as_int() == 0));
    if (op == "~" && n->dtype() == DType::I64) return RVal(Num::of_int(~n->as_int()));
  }
  if (!a.is_tensor()) type_error("bad operand type for unary " + op + ": " + type_name(a), e.loc);
  if (op == "+") return a;
  return call(builtin(op == "-" ? "neg" : "logical_not"), {a}, {}, e.loc);
}

// --- array literals ------------------------------------------------------------------

RVal Evaluator::eval_list(const Expr& e, Frame* frame) {
  std::vector<RVal> items;
  for (const ExprPtr& x : e.items) items.push_back(eval(*x, frame));
  if (items.empty()) return RVal(Array::zeros(DType::F64, {0}));
  bool concrete = true;
  for (const RVal& v : items) {
    if (!v.is_tensor()) {
      type_error("an array literal holds numbers or arrays, got " + type_name(v), e.loc);
    }
    concrete = concrete && !v.traced();
  }
  if (!concrete) return call(builtin("stack"), {RVal::tuple(items)}, {}, e.loc);
  // Host stacking: every item has the shape of the first; the dtype is the widest.
  auto shape_of = [](const RVal& v) { return v.array() ? v.array()->shape() : Shape{}; };
  Shape inner = shape_of(items[0]);
  DType dt = DType::Bool;
  for (const RVal& v : items) {
    if (shape_of(v) != inner) {
      throw ReplError("ShapeError",
                      "array literal: rows of shapes " + shape_to_string(inner) + " and " +
                          shape_to_string(shape_of(v)) + " cannot be stacked",
                      e.loc);
    }
    DType t = v.num() ? v.num()->dtype() : v.array()->dtype();
    if (static_cast<int>(t) > static_cast<int>(dt)) dt = t;
  }
  Shape shape{static_cast<std::int64_t>(items.size())};
  shape.insert(shape.end(), inner.begin(), inner.end());
  Array out = Array::empty(dt, shape);
  std::int64_t k = 0;
  visit_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    std::span<T> d = out.mutable_data<T>();
    for (const RVal& v : items) {
      if (const Num* n = v.num()) {
        d[static_cast<std::size_t>(k++)] = n->s.as<T>();
      } else {
        const Array& a = *v.array();
        for (std::int64_t i = 0; i < a.size(); ++i) {
          d[static_cast<std::size_t>(k++)] = a.element(i).as<T>();
        }
      }
    }
  });
  return RVal(out);
}

// --- indexing --------------------------------------------------------------------------

namespace {
struct IndexSpec {
  bool is_slice = false;
  std::int64_t index = 0;
  std::optional<std::int64_t> start, stop, step;
};

std::int64_t static_int(const RVal& v, const char* what, Loc loc) {
  if (const Num* n = v.num(); n && n->is_integral()) return n->as_int();
  if (const Array* a = v.array(); a && a->size() == 1 && !is_float(a->dtype())) {
    return a->element(0).as_int64();
  }
  type_error(std::string(what) + " must be a Python int (static), got " + type_name(v) +
                 (v.traced() ? "; dynamic indexing of traced values is not supported" : ""),
             loc);
}

Value index_value(const Value& x, const std::vector<IndexSpec>& specs, Loc loc) {
  Shape s = x.shape();
  if (specs.size() > s.size()) {
    throw ReplError("IndexError",
                    "too many indices (" + std::to_string(specs.size()) +
                        ") for an array of shape " + shape_to_string(s),
                    loc);
  }
  Axes start(s.size(), 0), limit(s.begin(), s.end()), strides(s.size(), 1), drop;
  for (std::size_t d = 0; d < specs.size(); ++d) {
    const IndexSpec& sp = specs[d];
    std::int64_t n = s[d];
    if (!sp.is_slice) {
      std::int64_t i = sp.index < 0 ? sp.index + n : sp.index;
      if (i < 0 || i >= n) {
        throw ReplError("IndexError",
                        "index " + std::to_string(sp.index) + " is out of bounds for axis " +
                            std::to_string(d) + " with size " + std::to_string(n),
                        loc);
      }
      start[d] = i;
      limit[d] = i + 1;
      drop.push_back(static_cast<std::int64_t>(d));
      continue;
    }
    std::int64_t step = sp.step.value_or(1);
    if (step <= 0) {
      throw ReplError("IndexError", "slice step must be positive, got " + std::to_string(step),
                      loc);
    }
    auto norm = [n](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + n : v, 0, n); };
    std::int64_t b = sp.start ? norm(*sp.start) : 0;
    std::int64_t e = sp.stop ? norm(*sp.stop) : n;
    if (e < b) e = b;
    start[d] = b;
    limit[d] = e;
    strides[d] = step;
  }
  Value r = lanes::slice(x, start, limit, strides);
  return drop.empty() ? r : lanes::squeeze(r, drop);
}
}  // namespace

RVal Evaluator::eval_index(const Expr& e, Frame* frame) {
  RVal base = eval(*e.items[0], frame);
  std::vector<IndexSpec> specs;
  auto opt = [&](const ExprPtr& x, const char* what) -> std::optional<std::int64_t> {
    if (!x) return std::nullopt;
    RVal v = eval(*x, frame);
    if (v.is_none()) return std::nullopt;
    return static_int(v, what, x->loc);
  };
  for (const Subscript& s : e.subscripts) {
    IndexSpec sp;
    sp.is_slice = s.is_slice;
    if (s.is_slice) {
      sp.start = opt(s.start, "a slice start");
      sp.stop = opt(s.stop, "a slice stop");
      sp.step = opt(s.step, "a slice step");
    } else {
      sp.index = static_int(eval(*s.index, frame), "an index", s.index->loc);
    }
    specs.push_back(sp);
  }
  if (const auto* items = base.items()) {
    if (specs.size() != 1) type_error("a tuple takes one index", e.loc);
    auto n = static_cast<std::int64_t>(items->size());
    const IndexSpec& sp = specs[0];
    if (!sp.is_slice) {
      std::int64_t i = sp.index < 0 ? sp.index + n : sp.index;
      if (i < 0 || i >= n) {
        throw ReplError("IndexError", "tuple index " + std::to_string(sp.index) + " out of range",
                        e.loc);
      }
      return (*items)[static_cast<std::size_t>(i)];
    }
    if (sp.step.value_or(1) <= 0)
      throw ReplError("IndexError", "slice step must be positive", e.loc);
    auto norm = [n](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + n : v, 0, n); };
    std::vector<RVal> out;
    for (std::int64_t i = sp.start ? norm(*sp.start) : 0, end = sp.stop ? norm(*sp.stop) : n;
         i < end; i += sp.step.value_or(1)) {
      out.push_back((*items)[static_cast<std::size_t>(i)]);
    }
    return RVal::tuple(std::move(out));
  }
  if (!base.is_tensor()) type_error(type_name(base) + " cannot be indexed", e.loc);
  Loc loc = e.loc;
  BuiltinSpec spec(
      "getitem", BuiltinSpec::Mode::Op, {"x"}, 1, false,
      [specs, loc](Evaluator&, const CallArgs& a) {
        return RVal(index_value(a.value(0), specs, loc));
      },
      "");
  CallArgs args;
  args.fname = "getitem";
  args.loc = e.loc;
  args.names = {"x"};
  args.slots = {base};
  return run_op(spec, std::move(args));
}

// --- attributes ------------------------------------------------------------------------

RVal Evaluator::eval_attribute(const Expr& e, Frame* frame) {
  RVal base = eval(*e.items[0], frame);
  const std::string& attr = e.name;
  const auto& fns = builtins().functions();
  if (const Module* m = base.module()) {
    auto it = fns.find(m->name + "." + attr);
    if (it == fns.end()) {
      throw ReplError("AttributeError", "module '" + m->name + "' has no attribute '" + attr + "'",
                      e.loc);
    }
    return RVal(it->second);
  }
  if (base.is_tensor()) {
    Shape shape = base.array()    ? base.array()->shape()
                  : base.traced() ? base.traced()->shape()
                                  : Shape{};
    if (attr == "shape") {
      std::vector<RVal> dims;
      for (std::int64_t d : shape) dims.push_back(RVal(Num::of_int(d)));
      return RVal::tuple(std::move(dims));
    }
    if (attr == "ndim") return RVal(Num::of_int(static_cast<std::int64_t>(shape.size())));
    if (attr == "size") {
      std::int64_t n = 1;
      for (std::int64_t d : shape) n *= d;
      return RVal(Num::of_int(n));
    }
    if (attr == "dtype") {
      if (const Num* n = base.num()) return RVal(n->dtype());
      return RVal(base.array() ? base.array()->dtype() : base.traced()->dtype());
    }
    if (attr == "T") return call(builtin("transpose"), {base}, {}, e.loc);
    static const char* const kMethods[] = {"astype",  "reshape", "sum",    "mean",
                                           "max",     "min",     "prod",   "transpose",
                                           "squeeze", "argmax",  "argmin", "dot"};
    for (const char* m : kMethods) {
      if (attr == m) {
        return RVal(CallablePtr(std::make_shared<BoundMethod>(attr, fns.at(attr), base)));
      }
    }
  }
  throw ReplError("AttributeError", type_name(base) + " has no attribute '" + attr + "'", e.loc);
}

}  // namespace lanes::repl
