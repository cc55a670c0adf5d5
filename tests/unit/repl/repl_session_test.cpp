// The REPL session end to end: values against hand-computed math, transformations, errors
// with locations, completion, and inputs that must not crash or escape as non-lanes errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <lanes/repl.h>
#include "tests/unit/repl_test_util.h"

namespace lanes::repl {
namespace {

using testing::run_ok;

double run_number(Session& s, const std::string& src) {
  std::string t = run_ok(s, src);
  return std::stod(t);
}

TEST(ReplSession, IssueSessionNumbers) {
  Session s;
  run_ok(s, "def f(x, y) = sin(x) * y + exp(-x * x)\ndf = grad(f)\n");
  // d/dx [sin(x) y + exp(-x^2)] = cos(x) y - 2x exp(-x^2)
  EXPECT_NEAR(run_number(s, "df(0.5, 2.0)\n"), 2 * std::cos(0.5) - std::exp(-0.25), 1e-7);
  run_ok(s,
         "def newton_sqrt(a):\n"
         "    x = where(a > 1, a, 1.0)\n"
         "    return fori_loop(0, 20, lambda i, x: 0.5 * (x + a / x), x)\n");
  EXPECT_NEAR(run_number(s, "newton_sqrt(2.0)\n"), std::sqrt(2.0), 1e-7);
  std::string g =
      run_ok(s, "g = jit(vmap(grad(f), in_axes=(0, None)))\ng(linspace(0, 1, 3), 2.0)\n");
  char want[64];
  std::snprintf(want, sizeof want, "%.8g", 2 * std::cos(1.0) - 2 * std::exp(-1.0));
  EXPECT_NE(g.find(want), std::string::npos) << g;
  EXPECT_EQ(g.rfind("array([2., ", 0), 0u) << g;
}

TEST(ReplSession, PythonNumbersAndArrays) {
  Session s;
  EXPECT_EQ(run_ok(s, "7 // 2\n-7 % 3\n2 ** 10\n7 / 2\n"), "3\n2\n1024\n3.5\n");
  EXPECT_EQ(run_ok(s, "[[1, 2], [3, 4]]\n"), "array([[1, 2],\n       [3, 4]], dtype=i64)\n");
  EXPECT_EQ(run_ok(s, "x = arange(6.0).reshape((2, 3))\nx[1, 1:]\nx.shape\n"),
            "array([4., 5.], dtype=f64)\n(2, 3)\n");
  EXPECT_EQ(run_ok(s, "zeros((2,), dtype=f32).dtype\n(ones((2,), dtype=f32) * 2.0).dtype\n"),
            "f32\nf32\n");
}

TEST(ReplSession, TransformationsAgreeWithCalculus) {
  Session s;
  EXPECT_NEAR(run_number(s, "grad(grad(lambda x: x * x * x))(2.0)\n"), 12.0, 1e-12);
  EXPECT_NEAR(run_number(s, "grad(lambda x: sum(sin(x)))(0.3)\n"), std::cos(0.3),
              1e-7);  // 8 digits printed
  EXPECT_EQ(run_ok(s, "vmap(lambda a, b: a * b, in_axes=(0, None))([1.0, 2.0], 3.0)\n"),
            "array([3., 6.], dtype=f64)\n");
  EXPECT_EQ(run_ok(s, "jacfwd(lambda v: v * v)([1.0, 2.0])\n"),
            "array([[2., 0.],\n       [0., 4.]], dtype=f64)\n");
  EXPECT_EQ(run_ok(s, "scan(lambda c, x: (c + x, c), 0.0, [1.0, 2.0, 3.0])\n"),
            "(6., array([0., 1., 3.], dtype=f64))\n");
}

TEST(ReplSession, ErrorsHaveLocationCaretAndEngineMessage) {
  Session s;
  run_ok(s, "x = [1.0, 2.0, 3.0]\n");
  EvalOutput r = s.run("y = 1\nz = x + [1.0, 2.0]\n", "entry");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 7);
  EXPECT_EQ(r.error,
            "entry:2:7: ShapeError: add: operand shapes [3], [2] cannot be broadcast together "
            "(axis 0: 3 vs 2)\n    z = x + [1.0, 2.0]\n          ^\n");
  // The session goes on; the statement before the error ran.
  EXPECT_EQ(run_ok(s, "y\n"), "1\n");
}

TEST(ReplSession, ErrorInsideAFunctionPointsIntoItsBody) {
  Session s;
  run_ok(s, "def f(v):\n    w = v * 2.0\n    return w + zeros((4,))\n");
  EvalOutput r = s.run("f(ones((3,)))\n", "later");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("<test>:3:14: ShapeError: add:", 0), 0u) << r.error;
}

TEST(ReplSession, Completion) {
  Session s;
  run_ok(s, "my_value = 1\n");
  EXPECT_EQ(s.complete("linsp"), (std::vector<std::string>{"linspace"}));
  EXPECT_EQ(s.complete("1 + my_v"), (std::vector<std::string>{"my_value"}));
  EXPECT_EQ(s.complete("random.n"), (std::vector<std::string>{"random.normal"}));
  EXPECT_EQ(s.complete(":ti"), (std::vector<std::string>{"time"}));
}

TEST(ReplSession, RandomIsSeededAndPlausible) {
  Session s;
  run_ok(
      s,
      "u = random.uniform(random.key(3), (20000,))\nn = random.normal(random.key(4), (20000,))\n");
  EXPECT_NEAR(run_number(s, "float(mean(u))\n"), 0.5, 0.01);
  EXPECT_NEAR(run_number(s, "float(mean(n))\n"), 0.0, 0.03);
  EXPECT_NEAR(run_number(s, "float(mean(n * n))\n"), 1.0, 0.03);
}

// Random token soup must only ever produce results or reported errors.
TEST(ReplSession, MalformedInputNeverEscapes) {
  const char* atoms[] = {"x",        "1",         "2.5",
                         "(",        ")",         "[",
                         "]",        ",",         ":",
                         "=",        "+",         "*",
                         "**",       "-",         "lambda",
                         "def",      "f",         "grad",
                         "vmap",     "jit",       "sin",
                         "where",    "fori_loop", "\n",
                         "    ",     "None",      "(0, None)",
                         "in_axes=", "'s'",       ":ir",
                         ":time",    "zeros",     "[[1, 2], [3]]",
                         "x[",       "]",         "random.key(0)"};
  std::mt19937 rng(1234);
  SessionOptions o;
  o.time_budget_s = 0.001;
  o.allow_load = false;
  o.max_loop_iterations = 1000;
  for (int trial = 0; trial < 300; ++trial) {
    Session s(o);
    s.run("x = [1.0, 2.0]\ndef f(a, b) = a * b\n", "setup");
    std::string src;
    int n = static_cast<int>(rng() % 12) + 1;
    for (int i = 0; i < n; ++i) src += std::string(atoms[rng() % std::size(atoms)]) + " ";
    // run() turns any exception into an error result; only lanes::Error kinds may appear
    // there (an "InternalError" is a std::exception the REPL failed to classify).
    EvalOutput r = s.run(src, "soup");
    EXPECT_EQ(r.error.find("InternalError"), std::string::npos) << src << "\n" << r.error;
  }
}

}  // namespace
}  // namespace lanes::repl
