// The syntax tree of the lanes REPL language: a small, Python-shaped language whose
// expressions the evaluator turns into the same tracing calls as the C++ DSL.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lanes::repl {

// A position in the source: 1-based line and column.
struct Loc {
  int line = 1;
  int col = 1;
  int source = 0;  // which source text (the session numbers every entry and file it runs)
};

struct Expr;
struct Stmt;
using ExprPtr = std::shared_ptr<const Expr>;
using StmtPtr = std::shared_ptr<const Stmt>;
using Block = std::vector<StmtPtr>;

// One element of a subscript: an index expression, or a slice start:stop:step whose
// parts may be missing (null).
struct Subscript {
  bool is_slice = false;
  ExprPtr index;  // when !is_slice
  ExprPtr start, stop, step;
};

struct Expr {
  Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
  // Frees the subtrees only this node holds with a worklist, so that a long chain
  // (1 + 1 + ... of 10^5 terms, nested through the left operands) is freed without
  // recursing on its length.
  ~Expr();

  enum class Kind {
    Number,     // text in `name`; is_float tells 1 from 1.0
    String,     // value in `name`
    Name,       // identifier (True/False/None are names bound to constants)
    Tuple,      // (a, b) — items
    List,       // [a, b] — an array literal
    Unary,      // op in `name`: "-", "+", "not", "~"; operand items[0]
    Binary,     // op in `name`; items[0] op items[1]
    Call,       // callee items[0], positional args items[1..], keywords kw_names/kw_values
    Attribute,  // items[0].name
    Index,      // items[0][subscripts]
    Lambda,     // params, body items[0]
    IfElse,     // items[0] if items[1] else items[2]
  };
  Kind kind;
  Loc loc;
  std::string name;
  bool is_float = false;
  std::vector<ExprPtr> items;
  std::vector<std::string> kw_names;
  std::vector<ExprPtr> kw_values;
  std::vector<Subscript> subscripts;
  std::vector<std::string> params;
  // How deep the evaluator recurses into this subtree: its height, except that the left
  // operand of a Binary adds no level (a chain a + b - c ... is evaluated in a loop).
  // Bounded by the parser (kMaxExprDepth).
  int depth = 1;
};

struct Stmt {
  enum class Kind {
    Expr,     // value
    Assign,   // targets = value (several targets unpack a tuple)
    Def,      // name(params): body (a one-line `= expr` def is a body of one Return)
    Return,   // value
    Command,  // :name arg — arg is an expression (value) or raw text (text)
    Pass,
  };
  Kind kind;
  Loc loc;
  std::string name;
  std::vector<std::string> targets;
  std::vector<std::string> params;
  ExprPtr value;
  Block body;
  std::string text;
};

}  // namespace lanes::repl
