// Graph: literals, avals, the text form and the verifier.
#include "engine/ir/graph.h"

#include <set>
#include <unordered_set>

#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal {

std::string AbstractValue::to_string() const {
  return std::string(dtype_name(dtype)) + shape_to_string(shape) + (weak ? "~" : "");
}

bool Atom::operator==(const Atom& o) const {
  if (var != o.var) return false;
  if (var >= 0) return true;
  return literal.weak == o.literal.weak && literal.value.identical(o.literal.value);
}

Literal make_literal(Scalar value, bool weak) {
  Literal l;
  l.value = value;
  l.weak = weak;
  return l;
}

AbstractValue literal_aval(const Literal& l) { return {l.dtype(), {}, l.weak}; }

Literal convert_literal(const Literal& l, DType dtype, bool weak) {
  return make_literal(l.value.convert(dtype), weak);
}

AbstractValue Graph::aval(const Atom& a) const {
  return a.is_literal() ? literal_aval(a.literal) : aval(a.var);
}

std::vector<AbstractValue> Graph::input_avals() const {
  std::vector<AbstractValue> r;
  for (int v : inputs) r.push_back(aval(v));
  return r;
}

std::vector<AbstractValue> Graph::output_avals() const {
  std::vector<AbstractValue> r;
  for (const Atom& a : outputs) r.push_back(aval(a));
  return r;
}

int Graph::new_var(AbstractValue a) {
  vars.push_back(std::move(a));
  return static_cast<int>(vars.size()) - 1;
}

namespace {
std::string var_name(int v) {
  // a, b, ..., z, ba, bb, ... as in jaxprs.
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('a' + v % 26));
    v /= 26;
  } while (v > 0);
  return s;
}

std::string literal_text(const Literal& l) {
  if (l.dtype() == DType::Bool) return l.value.to_string();
  return l.value.to_string() + ":" + std::string(dtype_name(l.dtype())) + (l.weak ? "~" : "");
}

std::string atom_text(const Atom& a) {
  return a.is_literal() ? literal_text(a.literal) : var_name(a.var);
}

// One graph being printed: the equation to print next, and the sub-graphs of the last
// printed equation still to print below it.
struct PrintFrame {
  const Graph* g = nullptr;
  std::string pad;
  std::size_t next_eqn = 0;
  std::vector<std::pair<std::string, GraphRef>> subs;  // "branches[0]=", the graph (or null)
  std::size_t next_sub = 0;
};

void open_graph(const Graph& g, std::string pad, std::vector<PrintFrame>& stack, std::string& out) {
  out += "{ lambda";
  for (int v : g.inputs) out += " " + var_name(v) + ":" + g.aval(v).to_string();
  out += " .\n";
  PrintFrame f;
  f.g = &g;
  f.pad = std::move(pad);
  stack.push_back(std::move(f));
}

// Prints the equation's line; its sub-graphs go to `subs`, to be printed indented below.
void print_equation(const Graph& g, const Equation& e, const std::string& pad,
                    std::vector<std::pair<std::string, GraphRef>>& subs, std::string& out) {
  out += pad + "  ";
  for (std::size_t i = 0; i < e.outputs.size(); ++i) {
    out += (i ? " " : "") + var_name(e.outputs[i]) + ":" + g.aval(e.outputs[i]).to_string();
  }
  out += " = " + (e.prim ? e.prim->name : std::string("?"));
  std::string inline_params;
  for (const auto& [k, v] : e.params.entries()) {
    if (const auto* one = std::get_if<GraphRef>(&v)) {
      subs.emplace_back(k + "=", *one);
    } else if (const auto* list = std::get_if<std::vector<GraphRef>>(&v)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        subs.emplace_back(k + (list->size() > 1 ? "[" + std::to_string(i) + "]" : "") + "=",
                          (*list)[i]);
      }
    } else {
      Params one;
      one.set(k, v);
      inline_params += (inline_params.empty() ? "" : ", ") + one.to_string();
    }
  }
  if (!inline_params.empty()) out += "[" + inline_params + "]";
  for (const Atom& a : e.inputs) out += " " + atom_text(a);
  out += "\n";
}

// The text form, with an explicit stack of the graphs being printed: a long graph is a
// loop over its equations, and nested sub-graphs (cond in cond in ...) take heap, not
// native stack, however deep they nest.
void print_graph(const Graph& root, std::string& out) {
  std::vector<PrintFrame> stack;
  open_graph(root, "", stack, out);
  while (!stack.empty()) {
    PrintFrame& f = stack.back();
    if (f.next_sub < f.subs.size()) {
      auto& [label, sub] = f.subs[f.next_sub++];
      out += f.pad + "    " + label;
      if (sub) {
        open_graph(*sub, f.pad + "    ", stack, out);  // invalidates f
      } else {
        out += "null\n";
      }
      continue;
    }
    if (f.next_eqn < f.g->eqns.size()) {
      f.subs.clear();
      f.next_sub = 0;
      print_equation(*f.g, f.g->eqns[f.next_eqn++], f.pad, f.subs, out);
      continue;
    }
    out += f.pad + "  in (";
    for (std::size_t i = 0; i < f.g->outputs.size(); ++i) {
      out += (i ? ", " : "") + atom_text(f.g->outputs[i]);
    }
    out += ") }\n";
    stack.pop_back();
  }
}

[[noreturn]] void verify_fail(const Graph& g, const std::string& what) {
  LANES_FAIL("graph verification failed: " + what + "\n" + g.to_string());
}
}  // namespace

std::string Graph::to_string() const {
  std::string out;
  print_graph(*this, out);
  return out;
}

namespace {
// Checks `g` itself; its sub-graphs are verified by the caller's walk.
void verify_one(const Graph& g) {
  std::vector<bool> defined(g.vars.size(), false);
  auto define = [&](int v, const std::string& where) {
    if (v < 0 || static_cast<std::size_t>(v) >= g.vars.size()) {
      verify_fail(g, where + ": variable " + std::to_string(v) + " out of range");
    }
    if (defined[static_cast<std::size_t>(v)]) {
      verify_fail(g, where + ": variable " + var_name(v) + " defined twice");
    }
    defined[static_cast<std::size_t>(v)] = true;
  };
  auto use = [&](const Atom& a, const std::string& where) {
    if (a.is_literal()) return;
    if (a.var < 0 || static_cast<std::size_t>(a.var) >= g.vars.size() ||
        !defined[static_cast<std::size_t>(a.var)]) {
      verify_fail(g, where + ": variable " + var_name(a.var) + " used before definition");
    }
  };
  for (int v : g.inputs) define(v, "input");
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    const Equation& e = g.eqns[i];
    std::string where =
        "equation " + std::to_string(i) + " (" + (e.prim ? e.prim->name : "?") + ")";
    if (!e.prim) verify_fail(g, where + ": no primitive");
    std::vector<AbstractValue> in;
    for (const Atom& a : e.inputs) {
      use(a, where);
      in.push_back(g.aval(a));
    }
    AvalList expect;
    try {
      expect = abstract_eval(*e.prim, in, e.params);
    } catch (const Error& err) {
      verify_fail(g, where + ": shape rule rejects its operands: " + err.what());
    }
    if (expect.size() != e.outputs.size()) verify_fail(g, where + ": wrong number of outputs");
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      define(e.outputs[k], where);
      const AbstractValue& have = g.aval(e.outputs[k]);
      if (have.dtype != expect[k].dtype || have.shape != expect[k].shape) {
        verify_fail(g, where + ": output " + std::to_string(k) + " is " + have.to_string() +
                           " but the shape rule gives " + expect[k].to_string());
      }
    }
  }
  for (const Atom& a : g.outputs) use(a, "output");
}
}  // namespace

void verify(const Graph& g) {
  // Each distinct sub-graph once: no recursion on nesting depth, and shared sub-graphs
  // (grad's branches reuse the primal's) are not re-checked per reference.
  any_graph_in(g, [](const Graph& s) {
    verify_one(s);
    return false;
  });
}

}  // namespace lanes::internal
