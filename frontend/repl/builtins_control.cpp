// Builtins: control flow (cond, switch, while_loop, fori_loop, scan), as jax.lax. Each
// wraps the REPL functions it is given into the engine's BodyFn form (Values in, Values
// out); carries may be arrays or (nested) tuples of arrays.
#include <lanes/control_flow.h>

#include <memory>

#include "frontend/repl/builtins.h"
#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"

namespace lanes::repl {

namespace {

using internal::BodyFn;

// Calls `fn` on the unflattened arguments and flattens its result. `shapes` says how the
// flat argument list is grouped into REPL arguments; `out_tree`, when given, receives
// the result's structure.
BodyFn body(Evaluator& ev, RVal fn, std::vector<Tree> shapes, Loc loc, std::string what,
            std::shared_ptr<Tree> out_tree = nullptr) {
  return [&ev, fn, shapes, loc, what, out_tree](const std::vector<Value>& flat) {
    Evaluator::TraceScope scope(ev);
    std::vector<RVal> args;
    std::size_t pos = 0;
    for (const Tree& t : shapes) args.push_back(unflatten_values(t, flat, pos));
    RVal r = ev.call(fn, std::move(args), {}, loc);
    std::vector<Value> out;
    Tree t = flatten(r, out, what, loc);
    if (out_tree) *out_tree = t;
    return out;
  };
}

Tree leaf() { return Tree{}; }

}  // namespace

void register_control_builtins(Registry& reg) {
  reg.op(
      "cond(pred, true_fun, false_fun, *operands)",
      [](Evaluator& ev, const CallArgs& a) {
        a.function(1);
        a.function(2);
        std::vector<Value> ops;
        std::vector<Tree> shapes;
        for (const RVal& o : a.rest) shapes.push_back(flatten(o, ops, "cond() operand", a.loc));
        auto tree = std::make_shared<Tree>();
        std::vector<BodyFn> branches = {
            body(ev, a.need(2), shapes, a.loc, "cond() false_fun result", tree),
            body(ev, a.need(1), shapes, a.loc, "cond() true_fun result", tree)};
        std::vector<Value> outs =
            internal::cond_values(a.value(0), branches, {"false_fun", "true_fun"}, ops, "cond");
        std::size_t pos = 0;
        return unflatten_values(*tree, outs, pos);
      },
      "true_fun(*operands) if pred else false_fun(*operands)");
  reg.op(
      "switch(index, branches, *operands)",
      [](Evaluator& ev, const CallArgs& a) {
        const auto* fns = a.need(1).items();
        if (!fns || fns->empty()) a.fail(1, "must be a non-empty tuple of functions");
        std::vector<Value> ops;
        std::vector<Tree> shapes;
        for (const RVal& o : a.rest) shapes.push_back(flatten(o, ops, "switch() operand", a.loc));
        auto tree = std::make_shared<Tree>();
        std::vector<BodyFn> branches;
        std::vector<std::string> names;
        for (std::size_t k = 0; k < fns->size(); ++k) {
          if (!(*fns)[k].callable()) a.fail(1, "must hold functions");
          names.push_back("branches[" + std::to_string(k) + "]");
          branches.push_back(body(ev, (*fns)[k], shapes, a.loc, "switch() branch result", tree));
        }
        std::vector<Value> outs = internal::cond_values(a.value(0), branches, names, ops, "switch");
        std::size_t pos = 0;
        return unflatten_values(*tree, outs, pos);
      },
      "branches[index](*operands), index clamped");
  reg.op(
      "while_loop(cond_fun, body_fun, init_val, max_iterations=)",
      [](Evaluator& ev, const CallArgs& a) {
        a.function(0);
        a.function(1);
        std::vector<Value> init;
        Tree t = flatten(a.need(2), init, "while_loop() init_val", a.loc);
        WhileOptions o;
        o.max_iterations = a.integer_or(3, ev.options().max_loop_iterations);
        std::vector<Value> outs = internal::while_loop_values(
            body(ev, a.need(0), {t}, a.loc, "while_loop() cond_fun result"),
            body(ev, a.need(1), {t}, a.loc, "while_loop() body_fun result"), init, o);
        std::size_t pos = 0;
        return unflatten_values(t, outs, pos);
      },
      "while cond_fun(c): c = body_fun(c)");
  reg.op(
      "fori_loop(lower, upper, body_fun, init_val)",
      [](Evaluator& ev, const CallArgs& a) {
        a.function(2);
        std::int64_t bound = ev.options().max_loop_iterations;
        if (bound >= 0 && a.need(0).num() && a.need(1).num()) {  // a static trip count
          double trips = a.need(1).num()->as_double() - a.need(0).num()->as_double();
          if (trips > static_cast<double>(bound)) {
            throw ReplError("RuntimeError",
                            "fori_loop: " + std::to_string(static_cast<std::int64_t>(trips)) +
                                " iterations exceed this session's limit of " +
                                std::to_string(bound),
                            a.loc);
          }
        }
        std::vector<Value> init;
        Tree t = flatten(a.need(3), init, "fori_loop() init_val", a.loc);
        std::vector<Value> outs = internal::fori_loop_values(
            a.value(0), a.value(1),
            body(ev, a.need(2), {leaf(), t}, a.loc, "fori_loop() body_fun result"), init);
        std::size_t pos = 0;
        return unflatten_values(t, outs, pos);
      },
      "c = body_fun(i, c) for i in lower..upper-1");
  reg.op(
      "scan(f, init, xs=, length=, reverse=)",
      [](Evaluator& ev, const CallArgs& a) {
        a.function(0);
        std::vector<Value> init, xs;
        Tree ct = flatten(a.need(1), init, "scan() init", a.loc);
        bool no_xs = !a.has(2) || a.slots[2]->is_none();
        Tree xt;
        if (!no_xs) xt = flatten(*a.slots[2], xs, "scan() xs", a.loc);
        ScanOptions o;
        o.length = a.integer_or(3, -1);
        o.reverse = a.boolean_or(4, false);
        auto ytree = std::make_shared<Tree>();
        std::size_t num_carry = init.size();
        RVal fn = a.need(0);
        Loc loc = a.loc;
        BodyFn f = [&ev, fn, ct, xt, no_xs, ytree, num_carry, loc](const std::vector<Value>& flat) {
          Evaluator::TraceScope scope(ev);
          std::size_t pos = 0;
          RVal carry = unflatten_values(ct, flat, pos);
          RVal x = no_xs ? RVal() : unflatten_values(xt, flat, pos);
          RVal r = ev.call(fn, {carry, x}, {}, loc);
          const auto* pair = r.items();
          if (!pair || pair->size() != 2) {
            type_error("scan() f must return a pair (carry, y), got " + type_name(r), loc);
          }
          std::vector<Value> out;
          flatten((*pair)[0], out, "scan() carry", loc);
          if (out.size() != num_carry) {
            type_error("scan() f returned a carry of " + std::to_string(out.size()) +
                           " arrays, expected " + std::to_string(num_carry),
                       loc);
          }
          *ytree = flatten((*pair)[1], out, "scan() y", loc);
          return out;
        };
        std::vector<Value> outs = internal::scan_values(f, init, xs, o);
        std::size_t pos = 0;
        RVal carry = unflatten_values(ct, outs, pos);
        RVal ys = unflatten_values(*ytree, outs, pos);
        return RVal::tuple({carry, ys});
      },
      "(carry, ys): carry, y = f(carry, x) for x in xs");
}

}  // namespace lanes::repl
