// The REPL parser: recursive descent over the token list, one function per precedence
// level, with a nesting bound so that arbitrary input cannot overflow the stack.
#include "frontend/repl/parser.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "frontend/repl/errors.h"
#include "frontend/repl/lexer.h"
#include "frontend/repl/stack_guard.h"

namespace lanes::repl {

namespace {

using TK = Token::Kind;
using EK = Expr::Kind;
using SK = Stmt::Kind;

std::string describe(const Token& t) {
  switch (t.kind) {
    case TK::Newline:
      return "end of line";
    case TK::Indent:
      return "indent";
    case TK::Dedent:
      return "dedent";
    case TK::End:
      return "end of input";
    case TK::Command:
      return "':" + t.text + "'";
    case TK::String:
      return "string";
    default:
      return "'" + t.text + "'";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Block program() {
    Block out;
    while (!at(TK::End)) {
      if (accept(TK::Newline)) continue;
      if (at(TK::Indent)) syntax_error("unexpected indent", cur().loc);
      if (at(TK::Dedent)) {
        ++pos_;
        continue;
      }
      out.push_back(statement());
    }
    return out;
  }

 private:
  // --- token helpers ---------------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  bool at(TK k) const { return cur().kind == k; }
  bool at_op(std::string_view op) const { return cur().kind == TK::Op && cur().text == op; }
  bool at_name(std::string_view n) const { return cur().kind == TK::Name && cur().text == n; }
  bool accept(TK k) {
    if (!at(k)) return false;
    ++pos_;
    return true;
  }
  bool accept_op(std::string_view op) {
    if (!at_op(op)) return false;
    ++pos_;
    return true;
  }
  bool accept_name(std::string_view n) {
    if (!at_name(n)) return false;
    ++pos_;
    return true;
  }
  [[noreturn]] void unexpected(const std::string& wanted) {
    syntax_error("expected " + wanted + ", got " + describe(cur()), cur().loc);
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) unexpected("'" + std::string(op) + "'");
  }
  std::string expect_name(const char* what) {
    if (!at(TK::Name) || is_keyword(cur().text)) unexpected(what);
    return toks_[pos_++].text;
  }
  static bool is_keyword(std::string_view n) {
    for (const char* k : {"def", "return", "lambda", "and", "or", "not", "if", "else", "pass", "in",
                          "for", "while"}) {
      if (n == k) return true;
    }
    return false;
  }
  void end_of_statement() {
    if (accept_op(";")) return;
    if (!accept(TK::Newline) && !at(TK::End) && !at(TK::Dedent)) unexpected("end of line");
  }

  // Bounds recursion: every nested construct goes through one of these. The bound alone
  // does not fit every thread (48 nested parentheses, some 15 frames a level, overflowed a
  // 256 KiB stack in a RelWithDebInfo build), so each level checks the stack too.
  struct Nest {
    explicit Nest(Parser& p) : p(p) {
      check_stack(p.cur().loc);
      if (++p.depth_ > kMaxNesting) {
        syntax_error("too deeply nested (more than " + std::to_string(kMaxNesting) + " levels)",
                     p.cur().loc);
      }
    }
    ~Nest() { --p.depth_; }
    Parser& p;
  };

  static ExprPtr make(EK k, Loc loc, std::string name = {}, std::vector<ExprPtr> items = {}) {
    auto e = std::make_shared<Expr>();
    e->kind = k;
    e->loc = loc;
    e->name = std::move(name);
    e->items = std::move(items);
    return finish(e);
  }

  // Sets the depth of a new node (see Expr::depth) and bounds it. The left operand of a
  // binary operator adds no level: the evaluator walks a left-leaning chain (1+1+1+...)
  // in a loop, so a chain of any length is as deep as its deepest right operand.
  static ExprPtr finish(std::shared_ptr<Expr> e) {
    int d = 0;
    auto see = [&](const ExprPtr& c) {
      if (c) d = std::max(d, c->depth);
    };
    const bool binary = e->kind == EK::Binary;
    if (binary) d = e->items[0]->depth - 1;
    for (std::size_t i = binary ? 1 : 0; i < e->items.size(); ++i) see(e->items[i]);
    for (const ExprPtr& c : e->kw_values) see(c);
    for (const Subscript& s : e->subscripts) {
      see(s.index);
      see(s.start);
      see(s.stop);
      see(s.step);
    }
    e->depth = d + 1;
    if (e->depth > kMaxExprDepth) {
      syntax_error(
          "expression too deeply nested (more than " + std::to_string(kMaxExprDepth) + " levels)",
          e->loc);
    }
    return e;
  }

  // --- statements ------------------------------------------------------------------
  StmtPtr statement() {
    Nest nest(*this);
    auto s = std::make_shared<Stmt>();
    s->loc = cur().loc;
    if (at(TK::Command)) {
      s->kind = SK::Command;
      s->name = toks_[pos_++].text;
      if (at(TK::String) && (s->name == "load" || s->name == "help")) {
        s->text = toks_[pos_++].text;
      } else if (s->name == "asm" && at(TK::Name) && toks_[pos_ + 1].kind == TK::Name) {
        // `:asm gfx90a f(args)`: a GPU architecture, then the call.
        s->text = toks_[pos_++].text;
        s->value = expression();
      } else if (!at(TK::Newline) && !at(TK::End)) {
        s->value = expression();
      }
      end_of_statement();
      return s;
    }
    if (accept_name("def")) return def(s);
    if (accept_name("return")) {
      s->kind = SK::Return;
      s->value = tuple_or_expr();
      end_of_statement();
      return s;
    }
    if (accept_name("pass")) {
      s->kind = SK::Pass;
      end_of_statement();
      return s;
    }
    // An assignment is a list of names followed by '='.
    std::size_t save = pos_;
    std::vector<std::string> targets;
    bool paren = accept_op("(");
    while (at(TK::Name) && !is_keyword(cur().text)) {
      targets.push_back(toks_[pos_++].text);
      if (!accept_op(",")) break;
    }
    if (paren && !accept_op(")")) targets.clear();
    if (!targets.empty() && accept_op("=")) {
      s->kind = SK::Assign;
      s->targets = std::move(targets);
      s->value = tuple_or_expr();
      end_of_statement();
      return s;
    }
    pos_ = save;
    s->kind = SK::Expr;
    s->value = tuple_or_expr();
    if (at_op("=")) syntax_error("cannot assign to an expression (only to names)", cur().loc);
    end_of_statement();
    return s;
  }

  StmtPtr def(std::shared_ptr<Stmt> s) {
    s->kind = SK::Def;
    s->name = expect_name("a function name after 'def'");
    expect_op("(");
    s->params = param_list(")");
    expect_op(")");
    if (accept_op("->")) expression();  // an annotation, ignored
    if (accept_op("=")) {
      auto r = std::make_shared<Stmt>();
      r->kind = SK::Return;
      r->loc = cur().loc;
      r->value = tuple_or_expr();
      s->body.push_back(r);
      end_of_statement();
      return s;
    }
    expect_op(":");
    s->body = suite();
    return s;
  }

  Block suite() {
    Block body;
    if (!accept(TK::Newline)) {  // def f(x): return x
      body.push_back(statement());
      return body;
    }
    if (!accept(TK::Indent)) unexpected("an indented block");
    while (!accept(TK::Dedent) && !at(TK::End)) {
      if (accept(TK::Newline)) continue;
      if (at(TK::Command)) syntax_error("commands are not allowed inside a def", cur().loc);
      body.push_back(statement());
    }
    if (body.empty()) unexpected("an indented block");
    return body;
  }

  std::vector<std::string> param_list(std::string_view close) {
    std::vector<std::string> params;
    while (!at_op(close)) {
      std::string p = expect_name("a parameter name");
      for (const std::string& q : params) {
        if (q == p) syntax_error("duplicate parameter '" + p + "'", toks_[pos_ - 1].loc);
      }
      params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    return params;
  }

  // --- expressions -----------------------------------------------------------------
  // A bare tuple `a, b` (for return and assignment values and expression statements).
  ExprPtr tuple_or_expr() {
    Loc loc = cur().loc;
    ExprPtr first = expression();
    if (!at_op(",")) return first;
    std::vector<ExprPtr> items{first};
    while (accept_op(",")) {
      if (at(TK::Newline) || at(TK::End) || at_op(";")) break;
      items.push_back(expression());
    }
    return make(EK::Tuple, loc, "", std::move(items));
  }

  ExprPtr expression() {
    Nest nest(*this);
    if (at_name("lambda")) {
      Loc loc = cur().loc;
      ++pos_;
      auto e = std::make_shared<Expr>();
      e->kind = EK::Lambda;
      e->loc = loc;
      e->params = param_list(":");
      expect_op(":");
      e->items.push_back(expression());
      return finish(e);
    }
    ExprPtr value = or_expr();
    if (at_name("if")) {
      Loc loc = cur().loc;
      ++pos_;
      ExprPtr cond = or_expr();
      if (!accept_name("else")) unexpected("'else'");
      ExprPtr other = expression();
      return make(EK::IfElse, loc, "", {value, cond, other});
    }
    return value;
  }

  ExprPtr or_expr() {
    ExprPtr l = and_expr();
    while (at_name("or")) {
      Loc loc = cur().loc;
      ++pos_;
      l = make(EK::Binary, loc, "or", {l, and_expr()});
    }
    return l;
  }
  ExprPtr and_expr() {
    ExprPtr l = not_expr();
    while (at_name("and")) {
      Loc loc = cur().loc;
      ++pos_;
      l = make(EK::Binary, loc, "and", {l, not_expr()});
    }
    return l;
  }
  ExprPtr not_expr() {
    if (at_name("not")) {
      Nest nest(*this);
      Loc loc = cur().loc;
      ++pos_;
      return make(EK::Unary, loc, "not", {not_expr()});
    }
    return comparison();
  }
  ExprPtr comparison() {
    ExprPtr l = binary_level(0);
    for (;;) {
      const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
      const char* hit = nullptr;
      for (const char* o : ops) {
        if (at_op(o)) hit = o;
      }
      if (!hit) return l;
      Loc loc = cur().loc;
      ++pos_;
      l = make(EK::Binary, loc, hit, {l, binary_level(0)});
    }
  }
  // Levels 0..4: | ^ & (+ -) (* / // % @), all left-associative.
  ExprPtr binary_level(int level) {
    static const std::vector<std::vector<std::string>> kLevels = {
        {"|"}, {"^"}, {"&"}, {"+", "-"}, {"*", "/", "//", "%", "@"}};
    if (level == static_cast<int>(kLevels.size())) return unary();
    ExprPtr l = binary_level(level + 1);
    for (;;) {
      const std::string* hit = nullptr;
      for (const std::string& o : kLevels[static_cast<std::size_t>(level)]) {
        if (at_op(o)) hit = &o;
      }
      if (!hit) return l;
      Loc loc = cur().loc;
      ++pos_;
      l = make(EK::Binary, loc, *hit, {l, binary_level(level + 1)});
    }
  }
  ExprPtr unary() {
    if (at_op("-") || at_op("+") || at_op("~")) {
      Nest nest(*this);
      Loc loc = cur().loc;
      std::string op = toks_[pos_++].text;
      return make(EK::Unary, loc, op, {unary()});
    }
    return power();
  }
  ExprPtr power() {
    ExprPtr base = postfix();
    if (at_op("**")) {
      Nest nest(*this);
      Loc loc = cur().loc;
      ++pos_;
      return make(EK::Binary, loc, "**", {base, unary()});  // right-assoc; -x**2 = -(x**2)
    }
    return base;
  }

  ExprPtr postfix() {
    ExprPtr e = atom();
    for (;;) {
      Loc loc = cur().loc;
      if (accept_op("(")) {
        Nest nest(*this);
        auto c = std::make_shared<Expr>();
        c->kind = EK::Call;
        c->loc = loc;
        c->items.push_back(e);
        while (!at_op(")")) {
          if (at(TK::Name) && toks_[pos_ + 1].kind == TK::Op && toks_[pos_ + 1].text == "=") {
            c->kw_names.push_back(toks_[pos_].text);
            pos_ += 2;
            c->kw_values.push_back(expression());
          } else {
            if (!c->kw_names.empty()) {
              syntax_error("positional argument after keyword argument", cur().loc);
            }
            c->items.push_back(expression());
          }
          if (!accept_op(",")) break;
        }
        expect_op(")");
        e = finish(c);
      } else if (accept_op("[")) {
        Nest nest(*this);
        auto x = std::make_shared<Expr>();
        x->kind = EK::Index;
        x->loc = loc;
        x->items.push_back(e);
        do {
          if (at_op("]")) break;
          x->subscripts.push_back(subscript());
        } while (accept_op(","));
        if (x->subscripts.empty()) unexpected("an index");
        expect_op("]");
        e = finish(x);
      } else if (accept_op(".")) {
        Loc nloc = cur().loc;
        std::string attr = expect_name("an attribute name after '.'");
        e = make(EK::Attribute, nloc, attr, {e});
      } else {
        return e;
      }
    }
  }

  Subscript subscript() {
    Subscript s;
    if (!at_op(":")) {
      ExprPtr first = expression();
      if (!at_op(":")) {
        s.index = first;
        return s;
      }
      s.start = first;
    }
    s.is_slice = true;
    expect_op(":");
    if (!at_op(":") && !at_op(",") && !at_op("]")) s.stop = expression();
    if (accept_op(":")) {
      if (!at_op(",") && !at_op("]")) s.step = expression();
    }
    return s;
  }

  ExprPtr atom() {
    Nest nest(*this);
    const Token& t = cur();
    Loc loc = t.loc;
    switch (t.kind) {
      case TK::Number: {
        ++pos_;
        auto e = make(EK::Number, loc, t.text);
        std::const_pointer_cast<Expr>(e)->is_float = t.is_float;
        return e;
      }
      case TK::String:
        ++pos_;
        return make(EK::String, loc, t.text);
      case TK::Name:
        if (is_keyword(t.text)) unexpected("an expression");
        ++pos_;
        return make(EK::Name, loc, t.text);
      case TK::Op:
        if (t.text == "(") {
          ++pos_;
          std::vector<ExprPtr> items;
          bool comma = false;
          while (!at_op(")")) {
            items.push_back(expression());
            if (!accept_op(",")) break;
            comma = true;
          }
          expect_op(")");
          if (items.size() == 1 && !comma) return items[0];
          return make(EK::Tuple, loc, "", std::move(items));
        }
        if (t.text == "[") {
          ++pos_;
          std::vector<ExprPtr> items;
          while (!at_op("]")) {
            items.push_back(expression());
            if (!accept_op(",")) break;
          }
          expect_op("]");
          return make(EK::List, loc, "", std::move(items));
        }
        break;
      default:
        break;
    }
    unexpected("an expression");
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Block parse_program(std::string_view source, int source_id, int first_line) {
  return Parser(tokenize(source, source_id, first_line)).program();
}

}  // namespace lanes::repl
