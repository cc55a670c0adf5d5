// Deep and long REPL input on a 1 MiB stack (issue 18): nesting beyond the documented
// bounds (docs/repl.md: 100 levels in the parser, 200 in an expression) is a SyntaxError,
// never a crash; long left-associative operator chains (10^5 terms) are evaluated, parsed,
// traced, printed by :ir and freed without recursing on their length.
#include <gtest/gtest.h>
#include <lanes/repl.h>

#include <algorithm>
#include <string>

#include "tests/unit/repl_test_util.h"
#include "tests/unit/small_stack_util.h"

namespace lanes::repl {
namespace {

using lanes::testing::run_on_small_stack;
using testing::run_ok;

constexpr int kDeep = 100000;

std::string repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// `open` n times, then `middle`, then `close` n times.
std::string nest(const std::string& open, const std::string& middle, const std::string& close,
                 int n) {
  return repeat(open, n) + middle + repeat(close, n) + "\n";
}

// The session's error for `src`, run on a stack of `bytes` (1 MiB by default).
std::string error_on_small_stack_of(const std::string& src, std::size_t bytes) {
  EvalOutput r;
  run_on_small_stack(
      [&] {
        Session s;
        r = s.run(src, "<deep>");
      },
      bytes);
  EXPECT_FALSE(r.ok);
  return r.error;
}
std::string error_on_small_stack(const std::string& src) {
  return error_on_small_stack_of(src, lanes::testing::kSmallStackBytes);
}

// What `src` prints, run on a 1 MiB stack (expecting success).
std::string output_on_small_stack(const std::string& src) {
  std::string out;
  run_on_small_stack([&] {
    Session s;
    out = run_ok(s, src);
  });
  return out;
}

TEST(ReplDeepInput, NestingBeyondTheBoundIsASyntaxError) {
  const std::string too_deep = "SyntaxError: too deeply nested (more than 100 levels)";
  for (const std::string& src : {
           nest("(", "1", ")", kDeep),                // parentheses
           nest("-(", "1.0", ")", kDeep),             // unary minus
           repeat("-", kDeep) + "1.0\n",              // unary minus without parentheses
           repeat("not ", kDeep) + "True\n",          // not
           nest("sin(", "1.0", ")", kDeep),           // calls
           nest("[", "1", "]", kDeep),                // array literals
           repeat("lambda x: ", kDeep) + "x\n",       // lambdas
           repeat("1 if True else ", kDeep) + "2\n",  // conditional expressions
           "2" + repeat(" ** 2", kDeep) + "\n",       // right-associative power
           nest("(", "1", ",)", kDeep),               // tuples
       }) {
    const std::string err = error_on_small_stack(src);
    EXPECT_NE(err.find(too_deep), std::string::npos) << src.substr(0, 40) << "...\n" << err;
  }
  // A bracket that is never closed is reported as such, however deep.
  EXPECT_NE(error_on_small_stack(repeat("(", kDeep) + "\n").find("SyntaxError"), std::string::npos);
}

TEST(ReplDeepInput, PostfixChainsBeyondTheBoundAreASyntaxError) {
  const std::string too_deep = "SyntaxError: expression too deeply nested (more than 200 levels)";
  for (const std::string& src : {
           "x = [1.0]\nx" + repeat("[0]", kDeep) + "\n",   // subscripts
           "(lambda: 1)" + repeat("()", kDeep) + "\n",     // calls of calls
           "x = 1.0\nx" + repeat(".shape", kDeep) + "\n",  // attributes
       }) {
    const std::string err = error_on_small_stack(src);
    EXPECT_NE(err.find(too_deep), std::string::npos) << src.substr(0, 40) << "...\n" << err;
  }
}

TEST(ReplDeepInput, NestingWithinTheBoundWorks) {
  EXPECT_EQ(output_on_small_stack(nest("(", "1", ")", 45)), "1\n");
  EXPECT_EQ(output_on_small_stack(repeat("-", 96) + "1\n"), "1\n");
  EXPECT_EQ(output_on_small_stack(nest("sin(", "0.0", ")", 45)), "0.\n");
}

TEST(ReplDeepInput, LongOperatorChainsAreEvaluated) {
  // Python numbers, left-associative chains at every precedence level.
  EXPECT_EQ(output_on_small_stack("1" + repeat(" + 1", kDeep) + "\n"), "100001\n");
  EXPECT_EQ(output_on_small_stack("1" + repeat(" - 1 + 2", kDeep / 2) + "\n"), "50001\n");
  EXPECT_EQ(output_on_small_stack("1" + repeat(" * 1", kDeep) + "\n"), "1\n");
  EXPECT_EQ(output_on_small_stack("1" + repeat(" | 2", kDeep) + "\n"), "3\n");
  EXPECT_EQ(output_on_small_stack("True" + repeat(" and True", kDeep) + "\n"), "True\n");
  EXPECT_EQ(output_on_small_stack("1" + repeat(" == 1", kDeep) + "\n"), "True\n");
  // Each right operand may nest up to the bound; the chain adds nothing to it.
  const std::string deep_one = repeat("(", 40) + "1" + repeat(")", 40);
  EXPECT_EQ(output_on_small_stack("0" + repeat(" + " + deep_one, 1000) + "\n"), "1000\n");
}

TEST(ReplDeepInput, LongChainsAreTracedAndPrinted) {
  // A 10^5-equation chain traced in a function, run by the interpreter and printed by :ir.
  const std::string def = "def f(x) = x" + repeat(" + x", kDeep) + "\n";
  std::string out = output_on_small_stack(def + "f(1.0)\n");
  EXPECT_EQ(out, "100001.\n");
  out = output_on_small_stack(def + ":ir f(1.0)\n");
  EXPECT_EQ(out.rfind("{ lambda", 0), 0u) << out.substr(0, 200);
  // One line per equation, plus the header and the output line.
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), kDeep);
}

TEST(ReplDeepInput, DeeplyNestedTuplesBuiltInALoopAreARecursionError) {
  // t = (t,) line after line nests data, not syntax: the tuple bound stops it.
  const std::string err = error_on_small_stack("t = 1\n" + repeat("t = (t,)\n", kDeep) + "t\n");
  EXPECT_NE(err.find("<deep>:102:5: RecursionError: tuples nested more than 100 deep"),
            std::string::npos)
      << err;
  EXPECT_EQ(output_on_small_stack("t = 1\n" + repeat("t = (t,)\n", 99) + "t[0][0][0][0]\n"),
            "(" + repeat("(", 94) + "1" + repeat(",)", 95) + "\n");
}

TEST(ReplDeepInput, DeepRecursionIsARecursionError) {
  // Every call nests about as deep as the parser allows: 64 calls (the call bound) need
  // more than 1 MiB, so the stack guard stops first; on a larger stack the call bound does.
  const std::string src = "def f(x) = " + nest("-(", "f(x)", ")", 31) + "f(1.0)\n";
  // 1 MiB in every build (the sanitized builds' default small stack is larger).
  std::string err = error_on_small_stack_of(src, std::size_t{1} << 20);
  EXPECT_NE(err.find("RecursionError: the program nests too deeply for this thread's stack"),
            std::string::npos)
      << err;
  EvalOutput r;
  run_on_small_stack(
      [&] {
        Session s;
        r = s.run(src, "<deep>");
      },
      std::size_t{64} << 20);
  EXPECT_NE(r.error.find("RecursionError: maximum call depth 64 exceeded in f()"),
            std::string::npos)
      << r.error;
  // Stacks below 1 MiB: sanitized builds cannot start a thread on them
  // (run_on_small_stack's kSanitizerMinStackBytes).
  if (lanes::testing::kSanitized) return;
  // A stack too small for the evaluator to start is an error too, not a crash.
  err = error_on_small_stack_of("1 + 1\n", std::size_t{128} << 10);
  EXPECT_NE(err.find("RecursionError"), std::string::npos) << err;
  // So is one too small for the parser: nesting within its bound, which the parser alone
  // would recurse through past the end of a 192 KiB stack.
  err = error_on_small_stack_of(nest("(", "1", ")", 45), std::size_t{192} << 10);
  EXPECT_NE(err.find("RecursionError: the program nests too deeply"), std::string::npos) << err;
}

}  // namespace
}  // namespace lanes::repl
