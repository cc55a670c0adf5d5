// The values of the REPL language: Python-ish numbers (weakly typed, as Python scalars in
// JAX), concrete lanes::Arrays (at the prompt), traced lanes::Values (inside a function
// being traced), tuples, functions, dtypes, strings and modules (`random`).
#pragma once

#include <lanes/array.h>
#include <lanes/fn.h>
#include <lanes/value.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "frontend/repl/ast.h"

namespace lanes::repl {

// A Python number: bool, int or float, weakly typed when it meets an array. An int is an
// exact i64 (a lanes::Scalar): arithmetic whose Python result leaves the i64 range raises
// OverflowError instead of wrapping (docs/repl.md).
struct Num {
  Scalar s = Scalar::of_int(DType::I64, 0);  // dtype Bool, I64 or F64
  static Num of_bool(bool b) { return {Scalar::of(b)}; }
  static Num of_int(std::int64_t v) { return {Scalar::of(v)}; }
  static Num of_float(double v) { return {Scalar::of(v)}; }
  DType dtype() const { return s.dtype(); }
  double as_double() const { return s.as_double(); }    // ints beyond 2^53 rounded
  std::int64_t as_int() const { return s.as_int64(); }  // exact for bool and int
  bool is_integral() const { return dtype() != DType::F64; }
};

struct NoneV {};
struct Module {
  std::string name;
};
struct Callable;
struct RVal;
using CallablePtr = std::shared_ptr<const Callable>;
using TuplePtr = std::shared_ptr<const std::vector<RVal>>;

struct RVal {
  std::variant<NoneV, Num, Array, Value, TuplePtr, CallablePtr, DType, std::string, Module> v;

  RVal() : v(NoneV{}) {}
  RVal(Num n) : v(n) {}                     // NOLINT(google-explicit-constructor)
  RVal(Array a) : v(std::move(a)) {}        // NOLINT(google-explicit-constructor)
  RVal(Value x) : v(std::move(x)) {}        // NOLINT(google-explicit-constructor)
  RVal(CallablePtr f) : v(std::move(f)) {}  // NOLINT(google-explicit-constructor)
  RVal(DType t) : v(t) {}                   // NOLINT(google-explicit-constructor)
  RVal(std::string s) : v(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  RVal(Module m) : v(std::move(m)) {}       // NOLINT(google-explicit-constructor)
  // A tuple of the items. Tuples nest at most kMaxTupleNesting deep (t = (t,) repeated
  // would otherwise build a value that printing and freeing recurse on): deeper is a
  // RecursionError, located at the expression that builds it.
  static RVal tuple(std::vector<RVal> items);

  bool is_none() const { return std::holds_alternative<NoneV>(v); }
  const Num* num() const { return std::get_if<Num>(&v); }
  const Array* array() const { return std::get_if<Array>(&v); }
  const Value* traced() const { return std::get_if<Value>(&v); }
  const std::vector<RVal>* items() const {
    auto p = std::get_if<TuplePtr>(&v);
    return p ? p->get() : nullptr;
  }
  const Callable* callable() const {
    auto p = std::get_if<CallablePtr>(&v);
    return p ? p->get() : nullptr;
  }
  const DType* dtype() const { return std::get_if<DType>(&v); }
  const std::string* str() const { return std::get_if<std::string>(&v); }
  const Module* module() const { return std::get_if<Module>(&v); }
  // A number, an array or a traced value: something array operations accept.
  bool is_tensor() const { return num() || array() || traced(); }

 private:
  int nesting_ = 0;  // how deep tuples nest in this value (0: not a tuple)
};

inline constexpr int kMaxTupleNesting = 100;

// Every callable value: builtins, user functions (def, lambda) and lanes::Fns.
struct Callable {
  explicit Callable(std::string n) : name(std::move(n)) {}
  virtual ~Callable() = default;
  // How :vars shows it: "f(x, y)" for a user function, the name otherwise.
  virtual std::string signature() const { return name; }
  std::string name;
};

// What a value is, for error messages: "function", "tuple", "f64[3] array", ...
std::string type_name(const RVal& v);
// The REPL's text for a value (arrays as numpy prints them; 0-d arrays as a bare number).
std::string to_display(const RVal& v);
// The dtype and shape, "f64[3]", of a tensor value; type_name otherwise.
std::string describe_type(const RVal& v);

// Flattening nested tuples of tensors to a list of Values (the form Fns and control flow
// take) and back: the Tree records the tuple structure.
struct Tree {
  bool leaf = true;
  std::vector<Tree> children;
};
// Throws TypeError (naming `what`) for a value that is not a tensor or a tuple of them.
Tree flatten(const RVal& v, std::vector<Value>& out, const std::string& what, Loc loc);
RVal unflatten_values(const Tree& t, const std::vector<Value>& vals, std::size_t& pos);
RVal unflatten_arrays(const Tree& t, const std::vector<Array>& vals, std::size_t& pos);

// A number, array or traced value as a Value of the active trace (numbers as weak
// literals, arrays as constants). TypeError naming `what` otherwise.
Value to_value(const RVal& v, const std::string& what, Loc loc);

}  // namespace lanes::repl
