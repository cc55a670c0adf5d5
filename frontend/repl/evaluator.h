// The REPL evaluator: walks the syntax tree and turns it into calls of the C++ API.
//
// At the prompt values are concrete (lanes::Array, Python numbers). A user function
// (def, lambda) becomes a lanes::Fn built from a C++ callable that evaluates its body on
// traced lanes::Values, so grad(f) is lanes::grad of that Fn and calling f(0.5, 2.0) at
// the prompt traces f for that signature (cached) and runs it. Inside a trace (a function
// body being traced, a loop body, a cond branch) operations act on Values directly.
#pragma once

#include <lanes/fn.h>
#include <lanes/repl.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "frontend/repl/ast.h"
#include "frontend/repl/builtins.h"
#include "frontend/repl/rvalue.h"

namespace lanes::repl {

using Vars = std::map<std::string, RVal>;

// A user function: its parameters, body and the local variables of the functions it was
// defined in (copied when it was defined, so closures never form reference cycles;
// top-level names are looked up when it runs, as Python's globals).
struct ClosureCode {
  std::string name;
  std::vector<std::string> params;
  Block body;
  std::shared_ptr<const Vars> captured;
  Loc loc;
};

struct Closure : Callable {
  explicit Closure(std::shared_ptr<const ClosureCode> c) : Callable(c->name), code(std::move(c)) {}
  std::string signature() const override {
    std::string s = name + "(";
    for (std::size_t i = 0; i < code->params.size(); ++i) s += (i ? ", " : "") + code->params[i];
    return s + ")";
  }
  std::shared_ptr<const ClosureCode> code;
  mutable std::optional<lanes::Fn> fn;  // made on first use, so traces are cached
};

// A lanes::Fn as a REPL value: the result of jit, grad, vmap, ...
struct FnValue : Callable {
  FnValue(std::string name, lanes::Fn f) : Callable(std::move(name)), fn(std::move(f)) {}
  lanes::Fn fn;
};

class Evaluator {
 public:
  Evaluator(SessionOptions options, std::function<void(std::string_view)> out);

  // Runs one top-level statement; expression statements print their value.
  void exec_top(const Stmt& s);

  struct Frame {
    Vars locals;
    std::shared_ptr<const Vars> captured;
  };
  RVal eval(const Expr& e, Frame* frame);
  RVal call(const RVal& f, std::vector<RVal> pos, std::vector<std::pair<std::string, RVal>> kw,
            Loc loc);
  // A callable REPL value as a lanes::Fn (for transformations and :ir).
  lanes::Fn to_fn(const RVal& f, Loc loc);
  // Applies an op builtin: directly inside a trace, else through a one-off lanes::fn.
  RVal run_op(const BuiltinSpec& spec, CallArgs args);

  bool tracing() const { return trace_depth_ > 0; }
  // Marks that the code below runs inside a trace (a Fn body, a loop body, ...).
  class TraceScope {
   public:
    explicit TraceScope(Evaluator& e) : e_(e) { ++e_.trace_depth_; }
    ~TraceScope() { --e_.trace_depth_; }
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

   private:
    Evaluator& e_;
  };

  const Vars& globals() const { return globals_; }
  const SessionOptions& options() const { return options_; }
  void print(std::string_view text) { out_(text); }
  bool quit_requested() const { return quit_; }
  // Set by the session: runs a file for :load.
  std::function<void(const std::string& path, Loc loc)> load_file;

 private:
  friend class CommandRunner;
  void command(const Stmt& s);
  std::optional<RVal> exec_block(const Block& body, Frame& frame);
  void assign(const Stmt& s, RVal value, Vars& into);
  RVal make_closure(std::string name, std::vector<std::string> params, Block body,
                    const Frame* frame, Loc loc);
  RVal invoke_closure(const Closure& c, std::vector<RVal> pos,
                      std::vector<std::pair<std::string, RVal>> kw, Loc loc);
  lanes::Fn closure_fn(const Closure& c, Loc loc);
  RVal invoke_inline(const ClosureCode& code, std::vector<RVal> args, Loc loc);
  RVal invoke_fn(const FnValue& f, const std::vector<RVal>& args, Loc loc);
  RVal lookup(const std::string& name, const Frame* frame, Loc loc) const;
  RVal eval_binary(const Expr& e, Frame* frame);
  RVal apply_binary(const Expr& e, RVal a, RVal b);  // e's operator on its operands' values
  RVal eval_unary(const Expr& e, Frame* frame);
  RVal eval_list(const Expr& e, Frame* frame);
  RVal eval_index(const Expr& e, Frame* frame);
  RVal eval_attribute(const Expr& e, Frame* frame);
  RVal eval_call(const Expr& e, Frame* frame);
  RVal eval_inner(const Expr& e, Frame* frame);

  SessionOptions options_;
  std::function<void(std::string_view)> out_;
  Vars globals_;
  int trace_depth_ = 0;
  int call_depth_ = 0;
  bool quit_ = false;
};

// Converts a Python number or a concrete array to a call argument of a lanes::Fn;
// nullopt for anything else.
std::optional<lanes::Arg> to_arg(const RVal& v);
// The outputs of a Fn call as a REPL value: one array, or a tuple of them.
RVal from_outputs(const std::vector<Array>& outs);
RVal from_values(const std::vector<Value>& outs);
// Python-number arithmetic (a Python int and a float give a float, as in Python).
std::optional<RVal> num_binary(const std::string& op, const Num& a, const Num& b, Loc loc);
// A number literal (negated: the operand of a unary minus, so that -9223372036854775808 is
// INT64_MIN). OverflowError for an int literal outside i64.
RVal parse_number(const Expr& e, bool negate);

}  // namespace lanes::repl
