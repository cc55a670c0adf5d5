// Tracing: the graph builder behind lanes::Value, and bind(), the one way equations
// are recorded — by user code, by the DSL's op functions and by transformation rules.
//
// Tracers form a thread-local stack. A Value belongs to the tracer that made it; using
// a Value of an enclosing tracer inside an inner one (a loop body that captures an outer
// value) lifts it into the inner graph as an extra input (closure conversion): the inner
// tracer records the capture, and the control-flow op passes the outer value in.
#pragma once

#include "engine/ir/graph.h"
#include "engine/primitive.h"

#include <lanes/value.h>

#include <cstdint>
#include <span>
#include <vector>

namespace lanes::internal {

class Tracer {
 public:
  Tracer();
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Declares a new graph input.
  Value add_input(const AbstractValue& aval);
  // Records `outs = prim[params](inputs)` after running its shape rule.
  std::vector<Value> bind(const Primitive& prim, std::span<const Value> inputs, Params params);
  // The atom for a Value in this graph: its var, a literal, or a captured outer value.
  Atom atom(const Value& v);
  const AbstractValue& aval(int var) const { return graph_.aval(var); }

  // Ends the trace: a graph whose inputs are the declared inputs followed by one input per
  // captured outer value; `captures()` lists those outer values in the same order.
  Graph finish(std::span<const Value> outputs);
  const std::vector<Value>& captures() const { return captured_outer_; }

  std::uint64_t id() const { return id_; }

 private:
  Graph graph_;
  std::vector<int> declared_inputs_;
  std::vector<Value> captured_outer_;
  std::vector<int> captured_vars_;
  std::uint64_t id_;
  bool finished_ = false;
};

// Pushes a tracer for the lifetime of the scope.
class TraceScope {
 public:
  explicit TraceScope(Tracer& t);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Tracer* tracer_;
};

// The innermost active tracer; throws TraceError naming `what` if there is none.
Tracer& current_tracer(const char* what);
Tracer* current_tracer_or_null();
// Throws TraceError naming `what` unless a trace is active: for DSL operations that can
// return their operand unchanged (an identity reshape), so they fail outside a trace
// like every other operation on Values.
inline void require_trace(const char* what) { (void)current_tracer(what); }
// True if the tracer with this id is active on this thread.
bool tracer_is_active(const Tracer* t, std::uint64_t id);

// bind on the innermost tracer. Literal-only inputs are still recorded (constant folding
// is a pass, not a side effect of tracing).
std::vector<Value> bind(const Primitive& prim, std::span<const Value> inputs,
                        Params params = {});
Value bind1(const Primitive& prim, std::span<const Value> inputs, Params params = {});
Value bind1(std::string_view prim, std::initializer_list<Value> inputs, Params params = {});

// Re-binds every equation of `g` on the current tracer with `inputs` for its inputs:
// inlines a graph into the trace (calling a traced Fn with Values, transformations).
std::vector<Value> inline_graph(const Graph& g, std::span<const Value> inputs);

// Traces `body` with fresh inputs of the given avals into a standalone graph (used for
// sub-graphs of control flow and by lanes::fn). Captured outer values are returned.
struct TracedGraph {
  GraphRef graph;
  std::vector<Value> captures;  // outer values for the trailing capture inputs
};
TracedGraph trace_graph(std::span<const AbstractValue> input_avals,
                        const std::function<std::vector<Value>(std::span<const Value>)>& body);

AbstractValue aval_of(const Value& v);

}  // namespace lanes::internal
