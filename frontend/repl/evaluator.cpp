// The REPL evaluator: statements, names, calls and user functions (see evaluator.h).
#include "frontend/repl/evaluator.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "frontend/repl/errors.h"
#include "frontend/repl/stack_guard.h"
#include "runtime/check.h"

namespace lanes::repl {

using EK = Expr::Kind;
using SK = Stmt::Kind;

std::optional<lanes::Arg> to_arg(const RVal& v) {
  if (const Num* n = v.num()) {
    if (n->dtype() == DType::F64) return lanes::Arg(n->as_double());
    if (n->dtype() == DType::I64) return lanes::Arg(n->as_int());
    return lanes::Arg(n->as_int() != 0);
  }
  if (const Array* a = v.array()) return lanes::Arg(*a);
  return std::nullopt;
}

RVal from_outputs(const std::vector<Array>& outs) {
  if (outs.size() == 1) return RVal(outs[0]);
  std::vector<RVal> items(outs.begin(), outs.end());
  return RVal::tuple(std::move(items));
}

RVal from_values(const std::vector<Value>& outs) {
  if (outs.size() == 1) return RVal(outs[0]);
  std::vector<RVal> items(outs.begin(), outs.end());
  return RVal::tuple(std::move(items));
}

Evaluator::Evaluator(SessionOptions options, std::function<void(std::string_view)> out)
    : options_(options), out_(std::move(out)) {}

// --- statements ---------------------------------------------------------------------

void Evaluator::exec_top(const Stmt& s) {
  switch (s.kind) {
    case SK::Expr: {
      RVal v = eval(*s.value, nullptr);
      if (!v.is_none()) out_(to_display(v) + "\n");
      return;
    }
    case SK::Assign:
      assign(s, eval(*s.value, nullptr), globals_);
      return;
    case SK::Def:
      globals_[s.name] = make_closure(s.name, s.params, s.body, nullptr, s.loc);
      return;
    case SK::Return:
      syntax_error("'return' outside a function", s.loc);
    case SK::Command:
      command(s);
      return;
    case SK::Pass:
      return;
  }
}

void Evaluator::assign(const Stmt& s, RVal value, Vars& into) {
  if (s.targets.size() == 1) {
    into[s.targets[0]] = std::move(value);
    return;
  }
  const auto* items = value.items();
  if (!items) {
    type_error("cannot unpack " + type_name(value) + " into " + std::to_string(s.targets.size()) +
                   " names",
               s.loc);
  }
  if (items->size() != s.targets.size()) {
    type_error("cannot unpack a tuple of " + std::to_string(items->size()) + " into " +
                   std::to_string(s.targets.size()) + " names",
               s.loc);
  }
  for (std::size_t i = 0; i < items->size(); ++i) into[s.targets[i]] = (*items)[i];
}

std::optional<RVal> Evaluator::exec_block(const Block& body, Frame& frame) {
  for (const StmtPtr& s : body) {
    switch (s->kind) {
      case SK::Expr:
        eval(*s->value, &frame);
        break;
      case SK::Assign:
        assign(*s, eval(*s->value, &frame), frame.locals);
        break;
      case SK::Def:
        frame.locals[s->name] = make_closure(s->name, s->params, s->body, &frame, s->loc);
        break;
      case SK::Return:
        return eval(*s->value, &frame);
      case SK::Command:
        syntax_error("commands are not allowed inside a def", s->loc);
      case SK::Pass:
        break;
    }
  }
  return std::nullopt;
}

RVal Evaluator::make_closure(std::string name, std::vector<std::string> params, Block body,
                             const Frame* frame, Loc loc) {
  auto code = std::make_shared<ClosureCode>();
  code->name = std::move(name);
  code->params = std::move(params);
  code->body = std::move(body);
  code->loc = loc;
  if (frame) {  // copy the enclosing locals (see ClosureCode)
    Vars vars = frame->captured ? *frame->captured : Vars{};
    for (const auto& [k, v] : frame->locals) vars[k] = v;
    code->captured = std::make_shared<const Vars>(std::move(vars));
  }
  return RVal(CallablePtr(std::make_shared<Closure>(std::move(code))));
}

// --- names --------------------------------------------------------------------------

RVal Evaluator::lookup(const std::string& name, const Frame* frame, Loc loc) const {
  if (frame) {
    if (auto it = frame->locals.find(name); it != frame->locals.end()) return it->second;
    if (frame->captured) {
      if (auto it = frame->captured->find(name); it != frame->captured->end()) return it->second;
    }
  }
  if (auto it = globals_.find(name); it != globals_.end()) return it->second;
  const Registry& reg = builtins();
  if (auto it = reg.constants().find(name); it != reg.constants().end()) return it->second;
  if (auto it = reg.functions().find(name); it != reg.functions().end()) return it->second;
  throw ReplError("NameError", "name '" + name + "' is not defined", loc);
}

// --- expressions --------------------------------------------------------------------

RVal Evaluator::eval(const Expr& e, Frame* frame) {
  check_stack(e.loc);
  return at_loc(e.loc, [&] { return eval_inner(e, frame); });
}

// `negate`: the literal is the operand of a unary minus, so that -9223372036854775808
// (INT64_MIN, whose magnitude is not an i64) reads as Python reads it.
RVal parse_number(const Expr& e, bool negate) {
  const std::string& t = e.name;
  if (!e.is_float) {
    const std::string text = negate ? "-" + t : t;
    std::int64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ptr != text.data() + text.size() && r.ec != std::errc::result_out_of_range) {
      syntax_error("invalid integer literal " + t, e.loc);
    }
    if (r.ec != std::errc()) {
      int_overflow(text, e.loc);  // a valid Python int beyond i64
    }
    return RVal(Num::of_int(v));
  }
  const double d = std::strtod(t.c_str(), nullptr);
  return RVal(Num::of_float(negate ? -d : d));
}

RVal Evaluator::eval_inner(const Expr& e, Frame* frame) {
  switch (e.kind) {
    case EK::Number:
      return parse_number(e, false);
    case EK::String:
      return RVal(e.name);
    case EK::Name:
      return lookup(e.name, frame, e.loc);
    case EK::Tuple: {
      std::vector<RVal> items;
      for (const ExprPtr& x : e.items) items.push_back(eval(*x, frame));
      return RVal::tuple(std::move(items));
    }
    case EK::List:
      return eval_list(e, frame);
    case EK::Unary:
      return eval_unary(e, frame);
    case EK::Binary:
      return eval_binary(e, frame);
    case EK::Call:
      return eval_call(e, frame);
    case EK::Attribute:
      return eval_attribute(e, frame);
    case EK::Index:
      return eval_index(e, frame);
    case EK::Lambda: {
      auto ret = std::make_shared<Stmt>();
      ret->kind = SK::Return;
      ret->loc = e.items[0]->loc;
      ret->value = e.items[0];
      return make_closure("<lambda>", e.params, Block{ret}, frame, e.loc);
    }
    case EK::IfElse: {
      RVal c = eval(*e.items[1], frame);
      bool truth = false;
      if (const Num* n = c.num()) {
        truth = n->as_double() != 0;
      } else if (const Array* a = c.array(); a && a->size() == 1) {
        truth = a->element_as_double(0) != 0;
      } else {
        type_error("the condition of 'x if c else y' must be a concrete scalar, got " +
                       type_name(c) + "; use where() or cond() on traced values",
                   e.loc);
      }
      return eval(*e.items[truth ? 0 : 2], frame);
    }
  }
  LANES_FAIL("repl: unknown expression kind");
}

RVal Evaluator::eval_call(const Expr& e, Frame* frame) {
  RVal f = eval(*e.items[0], frame);
  std::vector<RVal> pos;
  for (std::size_t i = 1; i < e.items.size(); ++i) pos.push_back(eval(*e.items[i], frame));
  std::vector<std::pair<std::string, RVal>> kw;
  for (std::size_t i = 0; i < e.kw_names.size(); ++i) {
    kw.emplace_back(e.kw_names[i], eval(*e.kw_values[i], frame));
  }
  return call(f, std::move(pos), std::move(kw), e.loc);
}

// --- calls --------------------------------------------------------------------------

namespace {
CallArgs bind_args(const BuiltinSpec& spec, std::vector<RVal> pos,
                   std::vector<std::pair<std::string, RVal>> kw, Loc loc,
                   std::int64_t max_elements) {
  CallArgs a;
  a.max_elements = max_elements;
  a.fname = spec.name;
  a.loc = loc;
  a.names = spec.params;
  a.slots.resize(spec.params.size());
  for (std::size_t i = 0; i < pos.size(); ++i) {
    if (i < spec.params.size()) {
      a.slots[i] = std::move(pos[i]);
    } else if (spec.variadic) {
      a.rest.push_back(std::move(pos[i]));
    } else {
      type_error(spec.name + "() takes at most " + std::to_string(spec.params.size()) +
                     " positional argument" + (spec.params.size() == 1 ? "" : "s") + ", got " +
                     std::to_string(pos.size()),
                 loc);
    }
  }
  for (auto& [name, value] : kw) {
    std::size_t k = 0;
    while (k < spec.params.size() && spec.params[k] != name) ++k;
    if (k == spec.params.size()) {
      type_error(spec.name + "() got an unexpected keyword argument '" + name + "'", loc);
    }
    if (a.slots[k]) type_error(spec.name + "() got multiple values for '" + name + "'", loc);
    a.slots[k] = std::move(value);
  }
  for (std::size_t k = 0; k < spec.required; ++k) {
    if (!a.slots[k]) {
      type_error(spec.name + "() missing required argument '" + spec.params[k] + "'", loc);
    }
  }
  return a;
}
}  // namespace

RVal Evaluator::call(const RVal& f, std::vector<RVal> pos,
                     std::vector<std::pair<std::string, RVal>> kw, Loc loc) {
  if (const DType* t = f.dtype()) {  // f32(x), bool(x): a conversion, as jnp.float32(x)
    if (pos.size() != 1 || !kw.empty()) type_error(to_display(f) + "() takes one argument", loc);
    if (const Num* n = pos[0].num()) {
      if (*t == DType::Bool) return RVal(Num::of_bool(n->as_double() != 0));
      if (*t == DType::F64) return RVal(Num::of_float(n->as_double()));
    }
    return call(RVal(builtins().functions().at("astype")), {pos[0], f}, {}, loc);
  }
  const Callable* c = f.callable();
  if (!c) type_error(type_name(f) + " is not callable", loc);
  if (const auto* b = dynamic_cast<const BoundMethod*>(c)) {
    pos.insert(pos.begin(), b->self);
    return call(RVal(b->fn), std::move(pos), std::move(kw), loc);
  }
  if (const auto* spec = dynamic_cast<const BuiltinSpec*>(c)) {
    CallArgs args = bind_args(*spec, std::move(pos), std::move(kw), loc, options_.max_elements);
    if (spec->mode == BuiltinSpec::Mode::Op) return run_op(*spec, std::move(args));
    return spec->impl(*this, args);
  }
  if (const auto* cl = dynamic_cast<const Closure*>(c)) {
    return invoke_closure(*cl, std::move(pos), std::move(kw), loc);
  }
  if (const auto* fv = dynamic_cast<const FnValue*>(c)) {
    if (!kw.empty()) type_error(fv->name + "() takes no keyword arguments", loc);
    return invoke_fn(*fv, pos, loc);
  }
  LANES_FAIL("repl: unknown callable");
}

namespace {
// Visits every concrete array in the arguments (through tuples), in a fixed order.
template <class F>
void map_arrays(RVal& v, F& f) {
  if (v.array()) {
    v = f(*v.array());
  } else if (const auto* items = v.items()) {
    std::vector<RVal> copy = *items;
    for (RVal& x : copy) map_arrays(x, f);
    v = RVal::tuple(std::move(copy));
  }
}
template <class F>
void map_call_arrays(CallArgs& a, F& f) {
  for (auto& s : a.slots) {
    if (s) map_arrays(*s, f);
  }
  for (RVal& r : a.rest) map_arrays(r, f);
}
}  // namespace

RVal Evaluator::run_op(const BuiltinSpec& spec, CallArgs args) {
  if (tracing()) return spec.impl(*this, args);
  // At the prompt: the op becomes a one-off lanes::fn of the call's arrays.
  std::vector<lanes::Arg> arrays;
  auto collect = [&](const Array& a) {
    arrays.emplace_back(a);
    return RVal(a);
  };
  map_call_arrays(args, collect);
  Tree tree;
  lanes::Fn f = lanes::fn_variadic(
      [&](const std::vector<Value>& vals) {
        TraceScope scope(*this);
        CallArgs traced = args;
        std::size_t k = 0;
        auto substitute = [&](const Array&) { return RVal(vals.at(k++)); };
        map_call_arrays(traced, substitute);
        RVal r = spec.impl(*this, traced);
        std::vector<Value> out;
        tree = flatten(r, out, spec.name + " result", args.loc);
        return out;
      },
      spec.name);
  Outputs outs = f.call(arrays);
  std::size_t pos = 0;
  return unflatten_arrays(tree, outs.arrays(), pos);
}

RVal Evaluator::invoke_closure(const Closure& c, std::vector<RVal> pos,
                               std::vector<std::pair<std::string, RVal>> kw, Loc loc) {
  const ClosureCode& code = *c.code;
  if (!kw.empty()) {  // keywords name parameters
    if (pos.size() > code.params.size()) {
      type_error(code.name + "() takes " + std::to_string(code.params.size()) + " arguments, got " +
                     std::to_string(pos.size() + kw.size()),
                 loc);
    }
    std::vector<std::optional<RVal>> slots(code.params.size());
    for (std::size_t i = 0; i < pos.size(); ++i) slots[i] = std::move(pos[i]);
    for (auto& [name, value] : kw) {
      std::size_t k = 0;
      while (k < code.params.size() && code.params[k] != name) ++k;
      if (k == code.params.size()) {
        type_error(code.name + "() got an unexpected keyword argument '" + name + "'", loc);
      }
      if (slots[k]) type_error(code.name + "() got multiple values for '" + name + "'", loc);
      slots[k] = std::move(value);
    }
    pos.clear();
    for (std::size_t k = 0; k < slots.size(); ++k) {
      if (!slots[k]) {
        type_error(code.name + "() missing argument '" + code.params[k] + "'", loc);
      }
      pos.push_back(std::move(*slots[k]));
    }
  }
  if (pos.size() != code.params.size()) {
    type_error(code.name + "() takes " + std::to_string(code.params.size()) + " argument" +
                   (code.params.size() == 1 ? "" : "s") + ", got " + std::to_string(pos.size()),
               loc);
  }
  bool all_concrete = !tracing();
  for (const RVal& a : pos) all_concrete = all_concrete && (a.num() || a.array());
  if (all_concrete) {  // at the prompt: trace once per signature, then run
    std::vector<lanes::Arg> args;
    for (const RVal& a : pos) args.push_back(*to_arg(a));
    return from_outputs(closure_fn(c, loc).call(args).arrays());
  }
  return invoke_inline(code, std::move(pos), loc);
}

RVal Evaluator::invoke_inline(const ClosureCode& code, std::vector<RVal> args, Loc loc) {
  if (call_depth_ >= options_.max_call_depth) {
    throw ReplError("RecursionError",
                    "maximum call depth " + std::to_string(options_.max_call_depth) +
                        " exceeded in " + code.name + "()",
                    loc);
  }
  struct Depth {
    explicit Depth(int& d) : d(d) { ++d; }
    ~Depth() { --d; }
    int& d;
  } depth(call_depth_);
  Frame frame;
  frame.captured = code.captured;
  for (std::size_t i = 0; i < args.size(); ++i) frame.locals[code.params[i]] = std::move(args[i]);
  std::optional<RVal> r = exec_block(code.body, frame);
  return r ? *r : RVal();
}

RVal Evaluator::invoke_fn(const FnValue& f, const std::vector<RVal>& args, Loc loc) {
  bool concrete = !tracing();
  for (const RVal& a : args) concrete = concrete && (a.num() || a.array());
  if (concrete) {
    std::vector<lanes::Arg> as;
    for (const RVal& a : args) as.push_back(*to_arg(a));
    return from_outputs(f.fn.call(as).arrays());
  }
  std::vector<Value> vals;
  for (std::size_t i = 0; i < args.size(); ++i) {
    vals.push_back(to_value(args[i], f.name + "() argument " + std::to_string(i + 1), loc));
  }
  if (!tracing()) {
    // Traced values only exist inside a trace; reaching here means a bug.
    LANES_FAIL("repl: traced argument outside a trace");
  }
  return from_values(f.fn.call_traced(vals).values());
}

lanes::Fn Evaluator::closure_fn(const Closure& cl, Loc loc) {
  if (cl.fn) return *cl.fn;
  std::shared_ptr<const ClosureCode> code = cl.code;
  lanes::internal::FnCallableAdapter adapter;
  adapter.arity = static_cast<int>(code->params.size());
  adapter.call = [this, code, loc](const std::vector<Value>& vals) {
    TraceScope scope(*this);
    std::vector<RVal> args(vals.begin(), vals.end());
    RVal r = invoke_inline(*code, std::move(args), loc);
    std::vector<Value> out;
    flatten(r, out, code->name + "() result", code->loc);
    return out;
  };
  cl.fn = lanes::internal::make_fn(std::move(adapter), code->name);
  return *cl.fn;
}

lanes::Fn Evaluator::to_fn(const RVal& f, Loc loc) {
  const Callable* c = f.callable();
  if (!c) type_error("expected a function, got " + type_name(f), loc);
  if (const auto* fv = dynamic_cast<const FnValue*>(c)) return fv->fn;
  if (const auto* cl = dynamic_cast<const Closure*>(c)) return closure_fn(*cl, loc);
  // Builtins and bound methods: any number of arguments.
  RVal keep = f;
  std::string name = c->name;
  return lanes::fn_variadic(
      [this, keep, loc, name](const std::vector<Value>& vals) {
        TraceScope scope(*this);
        RVal r = call(keep, std::vector<RVal>(vals.begin(), vals.end()), {}, loc);
        std::vector<Value> out;
        flatten(r, out, name + "() result", loc);
        return out;
      },
      name);
}

}  // namespace lanes::repl
