// The REPL parser: precedence, statements, and the bounds that keep any input safe.
#include <gtest/gtest.h>

#include "frontend/repl/errors.h"
#include "frontend/repl/parser.h"

namespace lanes::repl {
namespace {

// A compact prefix form of an expression, for checking the tree's shape.
std::string show(const Expr& e) {
  using EK = Expr::Kind;
  switch (e.kind) {
    case EK::Number:
    case EK::Name:
      return e.name;
    case EK::String:
      return "'" + e.name + "'";
    case EK::Unary:
      return "(" + e.name + " " + show(*e.items[0]) + ")";
    case EK::Binary:
      return "(" + e.name + " " + show(*e.items[0]) + " " + show(*e.items[1]) + ")";
    case EK::Call: {
      std::string s = "(call " + show(*e.items[0]);
      for (std::size_t i = 1; i < e.items.size(); ++i) s += " " + show(*e.items[i]);
      for (std::size_t i = 0; i < e.kw_names.size(); ++i) {
        s += " " + e.kw_names[i] + "=" + show(*e.kw_values[i]);
      }
      return s + ")";
    }
    case EK::Tuple:
    case EK::List: {
      std::string s = e.kind == EK::Tuple ? "(tuple" : "(list";
      for (const ExprPtr& x : e.items) s += " " + show(*x);
      return s + ")";
    }
    case EK::Attribute:
      return "(. " + show(*e.items[0]) + " " + e.name + ")";
    case EK::Index:
      return "(index " + show(*e.items[0]) + " " + std::to_string(e.subscripts.size()) + ")";
    case EK::Lambda:
      return "(lambda " + std::to_string(e.params.size()) + " " + show(*e.items[0]) + ")";
    case EK::IfElse:
      return "(if " + show(*e.items[1]) + " " + show(*e.items[0]) + " " + show(*e.items[2]) + ")";
  }
  return "?";
}

std::string expr(const std::string& src) {
  Block b = parse_program(src);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]->kind, Stmt::Kind::Expr);
  return show(*b[0]->value);
}

TEST(ReplParser, PythonPrecedence) {
  EXPECT_EQ(expr("1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(expr("-x ** 2"), "(- (** x 2))");
  EXPECT_EQ(expr("2 ** 3 ** 2"), "(** 2 (** 3 2))");
  EXPECT_EQ(expr("a < b and not c or d"), "(or (and (< a b) (not c)) d)");
  EXPECT_EQ(expr("a | b ^ c & d"), "(| a (^ b (& c d)))");
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("x @ w + b"), "(+ (@ x w) b)");
  EXPECT_EQ(expr("a if c else b"), "(if c a b)");
}

TEST(ReplParser, CallsKeywordsLambdasIndexing) {
  EXPECT_EQ(expr("vmap(f, in_axes=(0, None))"), "(call vmap f in_axes=(tuple 0 None))");
  EXPECT_EQ(expr("lambda i, x: 0.5 * x"), "(lambda 2 (* 0.5 x))");
  EXPECT_EQ(expr("random.normal(k, (3,))"), "(call (. random normal) k (tuple 3))");
  EXPECT_EQ(expr("x[:, 0]"), "(index x 2)");
  EXPECT_EQ(expr("[[1, 2], [3, 4]]"), "(list (list 1 2) (list 3 4))");
  EXPECT_EQ(expr("(1)"), "1");
  EXPECT_EQ(expr("()"), "(tuple)");
}

TEST(ReplParser, Statements) {
  Block b = parse_program(
      "def f(x, y) = x * y\n"
      "def g(a):\n"
      "    b = a + 1\n"
      "    return b, a\n"
      "p, q = g(1)\n"
      ":time f(1, 2)\n"
      ":load file name.lanes\n");
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0]->kind, Stmt::Kind::Def);
  EXPECT_EQ(b[0]->params, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(b[0]->body.size(), 1u);
  EXPECT_EQ(b[0]->body[0]->kind, Stmt::Kind::Return);
  EXPECT_EQ(b[1]->body.size(), 2u);
  EXPECT_EQ(show(*b[1]->body[1]->value), "(tuple b a)");
  EXPECT_EQ(b[2]->kind, Stmt::Kind::Assign);
  EXPECT_EQ(b[2]->targets, (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(b[3]->kind, Stmt::Kind::Command);
  EXPECT_EQ(b[3]->name, "time");
  EXPECT_EQ(show(*b[3]->value), "(call f 1 2)");
  EXPECT_EQ(b[4]->text, "file name.lanes");
}

TEST(ReplParser, SyntaxErrorsPointAtTheToken) {
  auto loc_of = [](const std::string& src) {
    try {
      parse_program(src);
    } catch (const ReplError& e) {
      EXPECT_EQ(e.kind(), "SyntaxError");
      return std::make_pair(e.loc().line, e.loc().col);
    }
    ADD_FAILURE() << "no error for " << src;
    return std::make_pair(0, 0);
  };
  EXPECT_EQ(loc_of("x = (1 +)"), std::make_pair(1, 9));
  EXPECT_EQ(loc_of("f(a=1, 2)"), std::make_pair(1, 8));
  EXPECT_EQ(loc_of("def (x) = 1"), std::make_pair(1, 5));
  EXPECT_EQ(loc_of("x\n  y"), std::make_pair(2, 3));
  EXPECT_EQ(loc_of("def f(x, x) = 1"), std::make_pair(1, 10));
}

TEST(ReplParser, DeepNestingIsASyntaxErrorNotACrash) {
  std::string open(5000, '('), close(5000, ')');
  EXPECT_THROW(parse_program(open + "1" + close), ReplError);
  // A left-associative chain is evaluated in a loop: its length is not nesting.
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += "+1";
  Block parsed = parse_program(chain);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]->value->depth, 2);
  std::string calls = "f";
  for (int i = 0; i < 5000; ++i) calls += "()";
  EXPECT_THROW(parse_program(calls), ReplError);
  std::string minus(5000, '-');
  EXPECT_THROW(parse_program(minus + "1"), ReplError);
  // Nesting within the bounds parses.
  EXPECT_NO_THROW(parse_program(std::string(30, '(') + "1" + std::string(30, ')')));
}

}  // namespace
}  // namespace lanes::repl
