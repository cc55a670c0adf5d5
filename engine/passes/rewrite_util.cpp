// Helpers shared by the graph passes.
#include "engine/passes/rewrite_util.h"

#include <map>
#include <utility>

namespace lanes::internal {

namespace {
// The sub-graphs mapped so far by the outermost map_subgraphs call running on this thread:
// (pass, input) -> (input kept alive so its address stays unique, result).
struct Memo {
  int depth = 0;
  std::map<std::pair<GraphPass, const Graph*>, std::pair<GraphRef, GraphRef>> done;
};
thread_local Memo t_memo;

bool mapped(const GraphRef& g, GraphPass pass) {
  return t_memo.done.contains(std::make_pair(pass, g.get()));
}

const GraphRef& result_of(const GraphRef& g, GraphPass pass) {
  return t_memo.done.at(std::make_pair(pass, g.get())).second;
}

class MemoScope {
 public:
  MemoScope() { ++t_memo.depth; }
  ~MemoScope() {
    if (--t_memo.depth == 0) t_memo.done.clear();
  }
  MemoScope(const MemoScope&) = delete;
  MemoScope& operator=(const MemoScope&) = delete;
};

// Maps every sub-graph reachable from `params` that is not mapped yet, innermost first,
// by an explicit post-order walk of the sub-graph DAG. When `pass` then runs on a graph,
// the map_subgraphs calls it makes for that graph's equations find every sub-graph
// mapped already, so the stack stays flat however deep the nesting.
void map_reachable(const Params& params, GraphPass pass) {
  struct Item {
    GraphRef graph;
    bool children_pushed = false;
  };
  std::vector<Item> stack;
  auto push = [&](const GraphRef& s) {
    if (!mapped(s, pass)) stack.push_back(Item{s, false});
  };
  params.for_each_graph(push);
  while (!stack.empty()) {
    if (mapped(stack.back().graph, pass)) {  // met before, through another parent
      stack.pop_back();
      continue;
    }
    if (!stack.back().children_pushed) {
      stack.back().children_pushed = true;
      const GraphRef g = stack.back().graph;  // push may move the stack's items
      for (const Equation& e : g->eqns) e.params.for_each_graph(push);
      continue;
    }
    GraphRef g = std::move(stack.back().graph);
    stack.pop_back();
    GraphRef r = std::make_shared<const Graph>(pass(*g));
    t_memo.done.emplace(std::make_pair(pass, g.get()), std::make_pair(g, std::move(r)));
  }
}
}  // namespace

Params map_subgraphs(const Params& params, GraphPass pass) {
  MemoScope scope;
  map_reachable(params, pass);
  Params out = params;
  for (const auto& [name, value] : params.entries()) {
    if (const auto* g = std::get_if<GraphRef>(&value)) {
      if (*g) out.set(name, result_of(*g, pass));
    } else if (const auto* gs = std::get_if<std::vector<GraphRef>>(&value)) {
      std::vector<GraphRef> results;
      for (const GraphRef& s : *gs) results.push_back(s ? result_of(s, pass) : s);
      out.set(name, std::move(results));
    }
  }
  return out;
}

Graph renumber(const Graph& g) {
  Graph out;
  std::vector<int> new_id(g.vars.size(), -1);
  auto define = [&](int v) {
    new_id[static_cast<std::size_t>(v)] = out.new_var(g.aval(v));
    return new_id[static_cast<std::size_t>(v)];
  };
  auto map_atom = [&](const Atom& a) {
    return a.is_literal() ? a : Atom::of_var(new_id[static_cast<std::size_t>(a.var)]);
  };
  for (int v : g.inputs) out.inputs.push_back(define(v));
  for (const Equation& e : g.eqns) {
    Equation ne;
    ne.prim = e.prim;
    ne.params = e.params;
    for (const Atom& a : e.inputs) ne.inputs.push_back(map_atom(a));
    for (int v : e.outputs) ne.outputs.push_back(define(v));
    out.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : g.outputs) out.outputs.push_back(map_atom(a));
  return out;
}

}  // namespace lanes::internal
