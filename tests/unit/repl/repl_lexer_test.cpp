// The REPL lexer: tokens, indentation, commands, and when an entry needs more input.
#include <gtest/gtest.h>

#include "frontend/repl/errors.h"
#include "frontend/repl/lexer.h"

namespace lanes::repl {
namespace {

using K = Token::Kind;

std::vector<K> kinds(const std::vector<Token>& ts) {
  std::vector<K> out;
  for (const Token& t : ts) out.push_back(t.kind);
  return out;
}

TEST(ReplLexer, NamesNumbersOperatorsWithPositions) {
  auto ts = tokenize("x = 2.5e1 ** y // 3");
  ASSERT_EQ(ts.size(), 9u);
  EXPECT_EQ(ts[0].text, "x");
  EXPECT_EQ(ts[2].text, "2.5e1");
  EXPECT_TRUE(ts[2].is_float);
  EXPECT_EQ(ts[3].text, "**");
  EXPECT_EQ(ts[5].text, "//");
  EXPECT_FALSE(ts[6].is_float);
  EXPECT_EQ(ts[6].loc.line, 1);
  EXPECT_EQ(ts[6].loc.col, 19);
  EXPECT_EQ(ts[7].kind, K::Newline);
  EXPECT_EQ(ts[8].kind, K::End);
}

TEST(ReplLexer, IndentAndDedentAroundABlock) {
  auto ts = tokenize("def f(x):\n    return x\ny\n");
  std::vector<K> want = {K::Name,    K::Name,    K::Op,     K::Name,    K::Op,
                         K::Op,      K::Newline, K::Indent, K::Name,    K::Name,
                         K::Newline, K::Dedent,  K::Name,   K::Newline, K::End};
  EXPECT_EQ(kinds(ts), want);
}

TEST(ReplLexer, NewlinesInsideBracketsAreJoined) {
  auto ts = tokenize("f(1,\n  2)\n");
  for (const Token& t : ts) EXPECT_NE(t.kind, K::Indent);
  EXPECT_EQ(ts.back().kind, K::End);
  EXPECT_EQ(ts[ts.size() - 2].kind, K::Newline);
}

TEST(ReplLexer, CommandsAndComments) {
  auto ts = tokenize(":load some file.lanes  # not a comment\n:ir f(1) # comment\n");
  EXPECT_EQ(ts[0].kind, K::Command);
  EXPECT_EQ(ts[0].text, "load");
  EXPECT_EQ(ts[1].kind, K::String);
  EXPECT_EQ(ts[1].text, "some file.lanes  # not a comment");
  EXPECT_EQ(ts[3].kind, K::Command);
  EXPECT_EQ(ts[3].text, "ir");
  EXPECT_EQ(ts[4].text, "f");
}

TEST(ReplLexer, ErrorsCarryTheirLocation) {
  try {
    tokenize("x = 1\ny = 'abc\n");
    FAIL() << "no error";
  } catch (const ReplError& e) {
    EXPECT_EQ(e.kind(), "SyntaxError");
    EXPECT_EQ(e.loc().line, 2);
    EXPECT_EQ(e.loc().col, 5);
  }
  EXPECT_THROW(tokenize("a ? b"), ReplError);
  EXPECT_THROW(tokenize("(1, 2"), ReplError);
  EXPECT_THROW(tokenize("if x:\n    a\n  b\n"), ReplError);  // dedent to no level
}

TEST(ReplLexer, NeedsMoreInput) {
  EXPECT_FALSE(needs_more_input("1 + 2\n"));
  EXPECT_TRUE(needs_more_input("f(1,\n"));
  EXPECT_TRUE(needs_more_input("def f(x):\n"));
  EXPECT_TRUE(needs_more_input("def f(x):\n    return x\n"));
  EXPECT_FALSE(needs_more_input("def f(x):\n    return x\n\n"));
  EXPECT_FALSE(needs_more_input("def f(x) = x\n"));
  EXPECT_FALSE(needs_more_input("def f(x): return x\n"));
  EXPECT_FALSE(needs_more_input(":ir f(1)\n"));
  EXPECT_FALSE(needs_more_input("s = ':'\n"));
  EXPECT_TRUE(needs_more_input("x = 1 + \\\n"));
}

}  // namespace
}  // namespace lanes::repl
