// The builtin table of the REPL: one entry per name, mapping it to a call of the C++ API.
// Adding a builtin (pmap, psum, ...) is one `reg.op(...)` or `reg.host(...)` line in one of
// the builtins_*.cpp files.
//
// Op builtins work on traced Values (lanes::sin, lanes::fori_loop, ...). At the prompt,
// where no trace is active, the evaluator runs an op by wrapping it in a lanes::fn whose
// arguments are the call's arrays and calling that on them: the same tracing path as any
// Fn, interpreted by the reference interpreter. Host builtins work on REPL values
// directly (jit, grad, zeros, random.normal, print, ...).
#pragma once

#include <lanes/ops.h>
#include <lanes/transforms.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/repl/rvalue.h"

namespace lanes::repl {

class Evaluator;

// The arguments of a call, matched to the builtin's parameter names: slot i holds
// parameter i, given by position or keyword; `rest` holds extra positional arguments of
// a variadic builtin.
struct CallArgs {
  std::string fname;
  Loc loc;
  std::int64_t max_elements = std::int64_t{1} << 40;  // the largest shape() accepted
  std::vector<std::string> names;
  std::vector<std::optional<RVal>> slots;
  std::vector<RVal> rest;

  bool has(std::size_t i) const { return i < slots.size() && slots[i].has_value(); }
  const RVal& need(std::size_t i) const;
  // Parameter i as a Value of the active trace.
  Value value(std::size_t i) const;
  std::optional<Value> value_or_none(std::size_t i) const;
  // Static (host) arguments: Python numbers or concrete 0-d arrays.
  std::int64_t integer(std::size_t i) const;
  std::int64_t integer_or(std::size_t i, std::int64_t fallback) const;
  // Argument i as a concrete number, exact (a Python number or a one-element array).
  Scalar scalar(std::size_t i) const;
  double number(std::size_t i) const;  // scalar(i) as a double
  double number_or(std::size_t i, double fallback) const;
  bool boolean_or(std::size_t i, bool fallback) const;
  std::string string_or(std::size_t i, const std::string& fallback) const;
  Shape shape(std::size_t i) const;  // an int or a tuple of ints
  Axes axes(std::size_t i) const;    // an int, a tuple of ints, or None (= {})
  std::vector<std::int64_t> int_list(std::size_t i) const;
  DType dtype_or(std::size_t i, DType fallback) const;
  const Callable& function(std::size_t i) const;
  [[noreturn]] void fail(std::size_t i, const std::string& msg) const;
};

using BuiltinImpl = std::function<RVal(Evaluator&, const CallArgs&)>;

struct BuiltinSpec : Callable {
  enum class Mode { Op, Host };
  BuiltinSpec(std::string name, Mode mode, std::vector<std::string> params, std::size_t required,
              bool variadic, BuiltinImpl impl, std::string doc)
      : Callable(std::move(name)),
        mode(mode),
        params(std::move(params)),
        required(required),
        variadic(variadic),
        impl(std::move(impl)),
        doc(std::move(doc)) {}
  Mode mode;
  std::vector<std::string> params;
  std::size_t required;
  bool variadic;
  BuiltinImpl impl;
  std::string doc;  // one line for :help
};

// A method bound to its receiver: x.astype(f32) is astype(x, f32).
struct BoundMethod : Callable {
  BoundMethod(std::string name, CallablePtr fn, RVal self)
      : Callable(std::move(name)), fn(std::move(fn)), self(std::move(self)) {}
  CallablePtr fn;
  RVal self;
};

class Registry {
 public:
  // `signature` is "name(a, b, c=, *rest)": parameters after the first one with '=' are
  // optional; "*rest" makes it variadic. `doc` is the :help line.
  void op(const std::string& signature, BuiltinImpl impl, std::string doc = "");
  void host(const std::string& signature, BuiltinImpl impl, std::string doc = "");
  void constant(const std::string& name, RVal value) { constants_[name] = std::move(value); }
  const std::map<std::string, CallablePtr>& functions() const { return functions_; }
  const std::map<std::string, RVal>& constants() const { return constants_; }

 private:
  void add(const std::string& signature, BuiltinSpec::Mode mode, BuiltinImpl impl, std::string doc);
  std::map<std::string, CallablePtr> functions_;
  std::map<std::string, RVal> constants_;
};

// The families of builtins, one file each.
void register_math_builtins(Registry& reg);       // builtins_math.cpp: elementwise, reductions
void register_shape_builtins(Registry& reg);      // builtins_shape.cpp: shapes, linalg
void register_array_builtins(Registry& reg);      // builtins_array.cpp: creation, random, misc
void register_transform_builtins(Registry& reg);  // builtins_transform.cpp: jit, grad, vmap...
void register_control_builtins(Registry& reg);    // builtins_control.cpp: cond, loops, scan
void register_parallel_builtins(Registry& reg);   // builtins_parallel.cpp: psum, pmean, ...

// The whole table, built once.
const Registry& builtins();

}  // namespace lanes::repl
