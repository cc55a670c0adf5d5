// Tracer, bind and closure conversion.
#include "engine/trace.h"

#include <atomic>
#include <optional>

#include "runtime/check.h"

namespace lanes::internal {

namespace {
thread_local std::vector<Tracer*> t_stack;
std::atomic<std::uint64_t> g_next_tracer_id{1};
}  // namespace

Tracer::Tracer() : id_(g_next_tracer_id.fetch_add(1)) {}
Tracer::~Tracer() = default;

Value Tracer::add_input(const AbstractValue& a) {
  int v = graph_.new_var(a);
  graph_.inputs.push_back(v);
  declared_inputs_.push_back(v);
  return Value::from_var(this, id_, v);
}

Atom Tracer::atom(const Value& v) {
  if (v.is_literal()) return Atom::of_literal(v.literal());
  Tracer* owner = v.tracer();  // validates that the owning trace is still active
  if (owner == this) return Atom::of_var(v.var());
  // A value of an enclosing trace: capture it once, as an extra input of this graph.
  for (std::size_t i = 0; i < captured_outer_.size(); ++i) {
    if (captured_outer_[i].tracer_id() == v.tracer_id() && captured_outer_[i].var() == v.var()) {
      return Atom::of_var(captured_vars_[i]);
    }
  }
  int inner = graph_.new_var(aval_of(v));
  captured_outer_.push_back(v);
  captured_vars_.push_back(inner);
  return Atom::of_var(inner);
}

std::vector<Value> Tracer::bind(const Primitive& prim, std::span<const Value> inputs,
                                Params params) {
  if (finished_) LANES_FAIL("bind on a finished trace");
  Equation e;
  e.prim = &prim;
  std::vector<AbstractValue> avals;
  avals.reserve(inputs.size());
  for (const Value& v : inputs) {
    e.inputs.push_back(atom(v));
    avals.push_back(graph_.aval(e.inputs.back()));
  }
  AvalList outs = abstract_eval(prim, avals, params);
  std::vector<Value> result;
  for (AbstractValue& a : outs) {
    int v = graph_.new_var(std::move(a));
    e.outputs.push_back(v);
    result.push_back(Value::from_var(this, id_, v));
  }
  e.params = std::move(params);
  graph_.eqns.push_back(std::move(e));
  return result;
}

Graph Tracer::finish(std::span<const Value> outputs) {
  for (const Value& v : outputs) graph_.outputs.push_back(atom(v));
  // Captured values become trailing inputs, in capture order.
  graph_.inputs = declared_inputs_;
  graph_.inputs.insert(graph_.inputs.end(), captured_vars_.begin(), captured_vars_.end());
  finished_ = true;
  return std::move(graph_);
}

TraceScope::TraceScope(Tracer& t) : tracer_(&t) {
  // The new tracer's parent is the innermost active one: captures walk outwards.
  t_stack.push_back(&t);
}

TraceScope::~TraceScope() {
  if (!t_stack.empty() && t_stack.back() == tracer_) t_stack.pop_back();
}

Tracer* current_tracer_or_null() { return t_stack.empty() ? nullptr : t_stack.back(); }

Tracer& current_tracer(const char* what) {
  if (t_stack.empty()) {
    throw TraceError(std::string(what) +
                     ": no active trace. Operations on lanes::Value are only valid inside a "
                     "function being traced (lanes::fn, a transformation, or jit)");
  }
  return *t_stack.back();
}

bool tracer_is_active(const Tracer* t, std::uint64_t id) {
  // From the innermost: values mostly belong to the trace being built, so nested traces
  // (a cond 2,000 deep) do not make every bind scan the whole stack.
  for (auto it = t_stack.rbegin(); it != t_stack.rend(); ++it) {
    if (*it == t && (*it)->id() == id) return true;
  }
  return false;
}

std::vector<Value> bind(const Primitive& prim, std::span<const Value> inputs, Params params) {
  return current_tracer(prim.name.c_str()).bind(prim, inputs, std::move(params));
}

Value bind1(const Primitive& prim, std::span<const Value> inputs, Params params) {
  std::vector<Value> r = bind(prim, inputs, std::move(params));
  if (r.size() != 1) LANES_FAIL(prim.name + " does not have exactly one output");
  return r[0];
}

Value bind1(std::string_view prim_name, std::initializer_list<Value> inputs, Params params) {
  return bind1(primitive(prim_name), std::span<const Value>(inputs.begin(), inputs.size()),
               std::move(params));
}

std::vector<Value> inline_graph(const Graph& g, std::span<const Value> inputs) {
  if (inputs.size() != g.inputs.size()) {
    throw ArgumentError("inline_graph: graph takes " + std::to_string(g.inputs.size()) +
                        " inputs, got " + std::to_string(inputs.size()));
  }
  std::vector<std::optional<Value>> env(g.vars.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    env[static_cast<std::size_t>(g.inputs[i])] = inputs[i];
  auto read = [&](const Atom& a) -> Value {
    if (a.is_literal()) return Value::from_literal(a.literal);
    return *env[static_cast<std::size_t>(a.var)];
  };
  Tracer& t = current_tracer("inline_graph");
  std::vector<Value> args;
  for (const Equation& e : g.eqns) {
    args.clear();
    for (const Atom& a : e.inputs) args.push_back(read(a));
    std::vector<Value> outs = t.bind(*e.prim, args, e.params);
    for (std::size_t k = 0; k < outs.size(); ++k)
      env[static_cast<std::size_t>(e.outputs[k])] = outs[k];
  }
  std::vector<Value> result;
  for (const Atom& a : g.outputs) result.push_back(read(a));
  return result;
}

TracedGraph trace_graph(std::span<const AbstractValue> input_avals,
                        const std::function<std::vector<Value>(std::span<const Value>)>& body) {
  Tracer t;
  std::vector<Value> outs;
  {
    TraceScope scope(t);
    std::vector<Value> ins;
    for (const AbstractValue& a : input_avals) ins.push_back(t.add_input(a));
    outs = body(ins);
    // finish() must see the outputs while the scope is active (they may be captures).
    Graph g = t.finish(outs);
    return {std::make_shared<const Graph>(std::move(g)), t.captures()};
  }
}

AbstractValue aval_of(const Value& v) {
  if (v.is_literal()) return literal_aval(v.literal());
  return v.tracer()->aval(v.var());
}

}  // namespace lanes::internal
