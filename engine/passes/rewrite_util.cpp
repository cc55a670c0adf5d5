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

GraphRef map_one(const GraphRef& g, GraphPass pass) {
  if (!g) return g;
  const auto key = std::make_pair(pass, g.get());
  auto it = t_memo.done.find(key);
  if (it != t_memo.done.end()) return it->second.second;
  GraphRef r = std::make_shared<const Graph>(pass(*g));
  t_memo.done.emplace(key, std::make_pair(g, r));
  return r;
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
}  // namespace

Params map_subgraphs(const Params& params, GraphPass pass) {
  Params out = params;
  MemoScope scope;
  for (const auto& [name, value] : params.entries()) {
    if (const auto* g = std::get_if<GraphRef>(&value)) {
      if (*g) out.set(name, map_one(*g, pass));
    } else if (const auto* gs = std::get_if<std::vector<GraphRef>>(&value)) {
      std::vector<GraphRef> mapped;
      for (const GraphRef& s : *gs) mapped.push_back(map_one(s, pass));
      out.set(name, std::move(mapped));
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
