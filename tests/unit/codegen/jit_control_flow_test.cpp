// Control flow inlined into kernel bodies: jit of per-element functions with loops and
// branches equals the reference interpreter at every size and forced vector width, and
// lowers to ONE kernel (no host step). The per-lane while_loop is written in the form
// vmap produces for a batched predicate: loop while any lane is active, update only the
// active lanes (select), which the kernel runs as per-lane loops with an active mask.
// Also hand-built loop-IR kernels exercise While / If codegen paths the lowering does not
// produce (a varying If whose arms hold loops).
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <variant>

#include "codegen/backend.h"
#include "engine/interpreter.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "engine/trace.h"
#include "test_util.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/unit/loop_ir_build_util.h"

namespace lanes {
namespace {

using internal::loop::Kernel;
using internal::loop::Op;
using internal::loop::OpKind;
using internal::loop::Program;
using C2 = std::tuple<Value, Value>;

const int kWidths[] = {1, 2, 4, 8, 16};

std::vector<std::int64_t> sizes_for(int w) {
  std::vector<std::int64_t> s{0, 1, 3, 1000};
  for (std::int64_t n : {w - 1, w, w + 1}) {
    if (n > 3) s.push_back(n);
  }
  return s;
}

// Positive values spanning 1e-300 .. 1e300 (log-uniform), so Newton's trip counts differ
// by hundreds between neighbouring lanes.
Array wide_positive(std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double t = std::fmod(static_cast<double>(i) * 0.618034, 1.0);
    v[static_cast<std::size_t>(i)] = std::pow(10.0, -300.0 + 600.0 * t);
  }
  return Array::from(v);
}

Array ramp(std::int64_t n, double scale = 0.37) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = std::sin(scale * (i + 1)) * 3;
  return Array::from(v);
}

// Newton's sqrt per lane: x <- (x + a/x)/2 from x = max(a, 1) >= sqrt(a), so x decreases
// monotonically; the loop runs while x strictly decreases (which must end). The
// vmap form: the loop runs while any lane is active and only active lanes change.
Value newton_sqrt(const Value& a) {
  auto [x, step] =
      while_loop([](C2 c) { return lanes::max(std::get<1>(c) > 0.0, {0}); },
                 [a](C2 c) {
                   Value x = std::get<0>(c), s = std::get<1>(c);
                   Value active = s > 0.0;
                   Value next = 0.5 * (x + a / x);
                   return std::make_tuple(where(active, next, x), where(active, x - next, s));
                 },
                 std::make_tuple(maximum(a, 1.0), ones_like(a)));
  (void)step;
  return x;
}

// The lowered program of f at the given arguments (after the jit clean-up passes).
Program lowered(const Fn& f, const std::vector<Array>& args) {
  std::vector<internal::AbstractValue> avals;
  for (const Array& a : args) avals.push_back(internal::aval_of(a));
  internal::Graph g = *internal::trace_graph(avals, [&](std::span<const Value> in) {
                         Values o = f.call_traced(std::vector<Value>(in.begin(), in.end()));
                         return std::vector<Value>(o.begin(), o.end());
                       }).graph;
  return internal::lower_to_loops(internal::optimize_graph(g), {});
}

std::vector<const Kernel*> kernels(const Program& p) {
  std::vector<const Kernel*> r;
  for (const auto& s : p.steps) {
    if (const Kernel* k = std::get_if<Kernel>(&s)) r.push_back(k);
  }
  return r;
}

void collect(const internal::loop::Block& b, OpKind kind, std::vector<const Op*>& out) {
  for (const Op& op : b.ops) {
    if (op.kind == kind) out.push_back(&op);
    for (const auto& blk : op.blocks) collect(blk, kind, out);
  }
}

std::vector<const Op*> ops_of(const Kernel& k, OpKind kind) {
  std::vector<const Op*> r;
  collect(k.body, kind, r);
  return r;
}

// One kernel and nothing else.
void expect_one_kernel(const Program& p) {
  ASSERT_EQ(p.steps.size(), 1u) << p.to_string();
  ASSERT_TRUE(std::holds_alternative<Kernel>(p.steps[0])) << p.to_string();
}

// jit(f) at every forced width equals the interpreter (eager f) within `ulps`.
void expect_jit_matches(const Fn& f, const std::function<std::vector<Array>(std::int64_t)>& args,
                        std::uint64_t ulps = 0) {
  for (int w : kWidths) {
    Fn jf = jit(f, {.vector_width = w});
    for (std::int64_t n : sizes_for(w)) {
      std::vector<Array> a = args(n);
      std::vector<Arg> call_args(a.begin(), a.end());
      Outputs want = f.call(call_args);
      Outputs got = jf.call(call_args);
      ASSERT_EQ(want.size(), got.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_TRUE(testing::arrays_close(got[i], want[i], ulps))
            << "width " << w << " size " << n << " output " << i;
      }
    }
  }
}

TEST(JitControlFlow, NewtonSqrtWhileLoopPerLane) {
  Fn f = fn([](Value a) { return newton_sqrt(a); });
  expect_jit_matches(f, [](std::int64_t n) { return std::vector<Array>{wide_positive(n)}; });
  // Independent math: the result is sqrt within an ulp or two.
  Array a = wide_positive(1000);
  Array r = jit(f)(a);
  for (std::int64_t i = 0; i < a.size(); ++i) {
    double want = std::sqrt(a.element_as_double(i));
    EXPECT_NEAR(r.element_as_double(i), want, 4e-16 * want) << a.element_as_double(i);
  }
  Program p = lowered(f, {a});
  expect_one_kernel(p);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::While).size(), 1u) << p.to_string();
}

TEST(JitControlFlow, ScalarFunctionWhileLoop) {
  // A per-element function jitted on a scalar: a rank-0 kernel with a uniform loop.
  Fn f = fn([](Value a) {
    auto [x, s] = while_loop([](C2 c) { return std::get<1>(c) > 0.0; },
                             [a](C2 c) {
                               Value x = std::get<0>(c), next = 0.5 * (x + a / x);
                               return std::make_tuple(next, x - next);
                             },
                             std::make_tuple(maximum(a, 1.0), Value(1.0)));
    (void)s;
    return x;
  });
  for (double v : {1e-300, 0.25, 2.0, 1e300}) {
    Array r = jit(f)(v);
    EXPECT_NEAR(r.item<double>(), std::sqrt(v), 4e-16 * std::sqrt(v));
    EXPECT_TRUE(testing::arrays_close(r, f(v)[0]));
  }
  expect_one_kernel(lowered(f, {Array::scalar(2.0)}));
}

TEST(JitControlFlow, ForiLoopLiteralBoundsIsCountedLoop) {
  // c <- c * 0.5 + x * i for i in [2, 9): captures x (per lane).
  Fn f = fn([](Value x) {
    return fori_loop(
        2, 9, [x](Value i, Value c) { return c * 0.5 + x * i; }, x);
  });
  expect_jit_matches(f, [](std::int64_t n) { return std::vector<Array>{ramp(n)}; });
  Array x = ramp(5);
  Array r = jit(f)(x);
  for (std::int64_t k = 0; k < 5; ++k) {
    double c = x.element_as_double(k);
    for (int i = 2; i < 9; ++i) c = c * 0.5 + x.element_as_double(k) * i;
    EXPECT_DOUBLE_EQ(r.element_as_double(k), c);
  }
  Program p = lowered(f, {x});
  expect_one_kernel(p);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::Loop).size(), 1u) << p.to_string();
  EXPECT_TRUE(ops_of(*kernels(p)[0], OpKind::While).empty());
}

TEST(JitControlFlow, ForiLoopTracedBoundsIsUniformWhile) {
  Fn f = fn([](Value x, Value k) {
    return fori_loop(
        Value(1), k, [x](Value i, Value c) { return c + x * astype(i, DType::F64); }, x);
  });
  for (std::int64_t k : {-3, 0, 1, 7}) {
    expect_jit_matches(f, [k](std::int64_t n) {
      return std::vector<Array>{ramp(n), Array::scalar(k)};
    });
  }
  Array x = ramp(4);
  Array r = jit(f)(x, Array::scalar(std::int64_t{5}));
  for (std::int64_t e = 0; e < 4; ++e) {
    EXPECT_DOUBLE_EQ(r.element_as_double(e), x.element_as_double(e) * 11);  // 1 + 1+2+3+4
  }
  Program p = lowered(f, {x, Array::scalar(std::int64_t{5})});
  expect_one_kernel(p);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::While).size(), 1u) << p.to_string();
}

TEST(JitControlFlow, CondWithUniformPredicateIsIf) {
  Fn f = fn([](Value x, Value flag) {
    return cond(
        flag, [](Value v) { return sin(v) * 2.0; }, [](Value v) { return -v; }, x);
  });
  for (bool flag : {false, true}) {
    expect_jit_matches(
        f,
        [flag](std::int64_t n) {
          return std::vector<Array>{ramp(n), Array::scalar(flag)};
        },
        2);
  }
  Program p = lowered(f, {ramp(4), Array::scalar(true)});
  expect_one_kernel(p);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::If).size(), 1u) << p.to_string();
}

TEST(JitControlFlow, SwitchClampsIndex) {
  Fn f = fn([](Value x, Value k) {
    std::vector<std::function<Value(Value)>> fs = {[](Value v) { return v; },
                                                   [](Value v) { return v * v; },
                                                   [](Value v) { return v * v * v; }};
    return switch_(k, fs, x);
  });
  for (std::int64_t k : {-2, 0, 1, 2, 5}) {
    expect_jit_matches(f, [k](std::int64_t n) {
      return std::vector<Array>{ramp(n), Array::scalar(k)};
    });
  }
  expect_one_kernel(lowered(f, {ramp(4), Array::scalar(std::int64_t{1})}));
}

TEST(JitControlFlow, PerElementPredicateSelectsInsideLoop) {
  // A per-element branch (the form vmap gives cond with a batched predicate: both
  // branches and a select) inside a per-lane loop: a Collatz-like count per lane.
  Fn f = fn([](Value x) {
    auto [v, steps] =
        while_loop([](C2 c) { return lanes::max(std::get<0>(c) > 1.0, {0}); },
                   [](C2 c) {
                     Value v = std::get<0>(c), k = std::get<1>(c);
                     Value active = v > 1.0;
                     Value even = floor(v * 0.5) * 2.0 == v;
                     Value next = where(even, v * 0.5, v * 3.0 + 1.0);
                     return std::make_tuple(where(active, next, v), where(active, k + 1.0, k));
                   },
                   std::make_tuple(x, zeros_like(x)));
    (void)v;
    return steps;
  });
  auto args = [](std::int64_t n) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(1 + (i * 37) % 97));
    return std::vector<Array>{Array::from(v)};
  };
  expect_jit_matches(f, args);
  Array r = jit(f)(Array::from(std::vector<double>{1, 2, 3, 6, 7, 27}));
  const double want[] = {0, 1, 7, 8, 16, 111};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.element_as_double(i), want[i]);
  expect_one_kernel(lowered(f, args(8)));
}

TEST(JitControlFlow, ScanCumulativeSumOverPerElementCarry) {
  // Carries the running sum of each column of xs [L, n]; the ys are not used.
  for (bool reverse : {false, true}) {
    Fn f = fn([reverse](Value xs) {
      auto [total, ys] = scan([](Value c, Value x) { return std::make_pair(c * 0.5 + x, c); },
                              full(DType::F64, {xs.shape()[1]}, 0.0), xs, {.reverse = reverse});
      (void)ys;
      return total;
    });
    auto args = [](std::int64_t n) {
      std::vector<double> v;
      for (std::int64_t i = 0; i < 7 * n; ++i) v.push_back(std::sin(0.3 * i));
      return std::vector<Array>{Array::from(v, {7, n})};
    };
    expect_jit_matches(f, args);
    Array xs = args(3)[0];
    Array r = jit(f)(xs);
    for (std::int64_t j = 0; j < 3; ++j) {
      double c = 0;
      for (int s = 0; s < 7; ++s) c = c * 0.5 + xs.element_as_double((reverse ? 6 - s : s) * 3 + j);
      EXPECT_DOUBLE_EQ(r.element_as_double(j), c);
    }
    Program p = lowered(f, {xs});
    expect_one_kernel(p);
  }
}

TEST(JitControlFlow, ScanWithUsedYsStaysHostStep) {
  Fn f = fn([](Value xs) {
    auto [total, ys] = scan([](Value c, Value x) { return std::make_pair(c + x, c + x); },
                            full(DType::F64, {xs.shape()[1]}, 0.0), xs);
    return std::make_tuple(total, ys);
  });
  Array xs = Array::from(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
  Outputs r = jit(f)(xs);
  EXPECT_EQ(r[0].element_as_double(0), 9);
  EXPECT_EQ(r[1].element_as_double(4), 9);
  Program p = lowered(f, {xs});
  bool host = false;
  for (const auto& s : p.steps) host = host || std::holds_alternative<internal::loop::HostStep>(s);
  EXPECT_TRUE(host) << p.to_string();
}

TEST(JitControlFlow, NestedLoopsCaptureOuterValues) {
  // fori over a per-lane Newton while, with a captured rank-0 scale and per-lane offset.
  Fn f = fn([](Value a, Value scale) {
    return fori_loop(
        0, 3,
        [a, scale](Value i, Value c) { return newton_sqrt(c + a * scale + astype(i, DType::F64)); },
        a);
  });
  expect_jit_matches(f, [](std::int64_t n) {
    std::vector<Array> r{wide_positive(n), Array::scalar(0.5)};
    return r;
  });
  Array a = Array::from(std::vector<double>{4.0, 1e10});
  Array r = jit(f)(a, 0.5);
  for (int k = 0; k < 2; ++k) {
    double c = a.element_as_double(k);
    for (int i = 0; i < 3; ++i) c = std::sqrt(c + a.element_as_double(k) * 0.5 + i);
    EXPECT_NEAR(r.element_as_double(k), c, 1e-15 * c);
  }
  Program p = lowered(f, {a, Array::scalar(0.5)});
  expect_one_kernel(p);
  const Kernel& k = *kernels(p)[0];
  EXPECT_EQ(ops_of(k, OpKind::Loop).size(), 1u);
  EXPECT_EQ(ops_of(k, OpKind::While).size(), 1u);
}

TEST(JitControlFlow, WhileInsideWhile) {
  // Outer per-lane loop halves v until below 1; each step an inner per-lane loop counts
  // how many times 3 fits into floor(v).
  Fn f = fn([](Value x) {
    auto [v, acc] =
        while_loop([](C2 c) { return lanes::max(std::get<0>(c) >= 1.0, {0}); },
                   [](C2 c) {
                     Value v = std::get<0>(c), acc = std::get<1>(c);
                     Value active = v >= 1.0;
                     auto [r, q] = while_loop(
                         [](C2 d) { return lanes::max(std::get<0>(d) >= 3.0, {0}); },
                         [](C2 d) {
                           Value r = std::get<0>(d), q = std::get<1>(d);
                           Value act = r >= 3.0;
                           return std::make_tuple(where(act, r - 3.0, r), where(act, q + 1.0, q));
                         },
                         std::make_tuple(floor(v), zeros_like(v)));
                     (void)r;
                     return std::make_tuple(where(active, v * 0.5, v), where(active, acc + q, acc));
                   },
                   std::make_tuple(x, zeros_like(x)));
    (void)v;
    return acc;
  });
  auto args = [](std::int64_t n) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>((i * 53) % 200));
    return std::vector<Array>{Array::from(v)};
  };
  expect_jit_matches(f, args);
  Array r = jit(f)(Array::from(std::vector<double>{0, 10, 100}));
  // 10: floors 10,5,2,1 -> 3+1+0+0; 100: 100,50,25,12,6,3,1 -> 33+16+8+4+2+1+0
  EXPECT_EQ(r.element_as_double(0), 0);
  EXPECT_EQ(r.element_as_double(1), 4);
  EXPECT_EQ(r.element_as_double(2), 64);
  Program p = lowered(f, args(5));
  expect_one_kernel(p);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::While).size(), 2u) << p.to_string();
}

TEST(JitControlFlow, UniformCounterBesidePerElementCarry) {
  // A rank-0 counter drives the loop; the f32 per-element carry changes each step. Both
  // results are outputs (the counter's kernel runs only the rank-0 part of the loop).
  Fn f = fn([](Value x, Value k0) {
    auto [k, y] = while_loop(
        [](C2 c) { return std::get<0>(c) < 5; },
        [](C2 c) { return std::make_tuple(std::get<0>(c) + 1, std::get<1>(c) * 2.0f + 1.0f); },
        std::make_tuple(k0, x));
    return std::make_tuple(y, k);
  });
  auto args = [](std::int64_t n) {
    std::vector<float> v;
    for (std::int64_t i = 0; i < n; ++i) v.push_back(0.25f * static_cast<float>(i));
    return std::vector<Array>{Array::from(v), Array::scalar(std::int64_t{2})};
  };
  expect_jit_matches(f, args);
  Outputs r = jit(f)(args(3)[0], Array::scalar(std::int64_t{2}));
  EXPECT_EQ(r[1].item<std::int64_t>(), 5);
  EXPECT_EQ(r[0].element_as_double(2), 0.5 * 8 + 7);  // three steps of y*2+1
  Program p = lowered(f, args(3));
  for (const auto& s : p.steps) EXPECT_TRUE(std::holds_alternative<Kernel>(s)) << p.to_string();
}

TEST(JitControlFlow, LoopThatMixesLanesStaysHostStep) {
  // The body sums over the lanes: not a per-element computation.
  Fn f = fn([](Value x) {
    return fori_loop(
        0, 3, [](Value, Value c) { return c + sum(c); }, x);
  });
  Array x = Array::from(std::vector<double>{1, 2, 3});
  Array r = jit(f)(x);
  EXPECT_TRUE(testing::arrays_close(r, f(x)[0]));
  Program p = lowered(f, {x});
  bool host = false;
  for (const auto& s : p.steps) host = host || std::holds_alternative<internal::loop::HostStep>(s);
  EXPECT_TRUE(host) << p.to_string();
}

// --- hand-built loop IR: codegen paths the lowering does not produce -----------------

namespace loop = internal::loop;

using testing::add_op;
using testing::const_op;
using testing::loop_op;
using testing::scalar_op;

TEST(JitControlFlow, VaryingIfWithLoopsInBothArms) {
  // out[i] = x[i] > 0 ? (count of halvings of x until < 1) : -(count of doublings of x
  // until <= -1 or 30 steps): each arm holds a varying While that must not run for the
  // lanes of the other arm (the else loop would never end for a positive x).
  using internal::ScalarOp;
  loop::Program p;
  p.num_inputs = 1;
  const std::int64_t n = 37;
  p.buffers.push_back({DType::F64, {n}, loop::BufferKind::Input, 0, {}});
  p.buffers.push_back({DType::F64, {n}, loop::BufferKind::Output, 0, {}});
  loop::Kernel k;
  k.name = "varying_if";
  k.extents = {n};
  k.num_index_vars = 1;
  Op ld = loop_op(OpKind::Load, DType::F64);
  ld.buffer = 0;
  ld.index.terms = {{0, 1}};
  add_op(k.body, 0, ld);                                            // %0 = x
  add_op(k.body, 1, const_op(DType::F64, 0));                       // %1 = 0
  add_op(k.body, 2, scalar_op(ScalarOp::Gt, DType::Bool, {0, 1}));  // %2 = x > 0
  add_op(k.body, 3, const_op(DType::F64, 1));                       // %3 = 1
  add_op(k.body, 4, const_op(DType::F64, 2));                       // %4 = 2
  // then: while (v >= 1) { v *= 0.5; c += 1 } -> c
  auto counting_while = [&](int base, ScalarOp test, double factor) {
    Op w = loop_op(OpKind::While, DType::F64);
    w.args = {0, 1};
    loop::Block cond, body;
    cond.params = {base, base + 1};
    cond.param_dtypes = {DType::F64, DType::F64};
    add_op(cond, base + 2, const_op(DType::F64, 1));
    add_op(cond, base + 3, scalar_op(test, DType::Bool, {base, base + 2}));
    cond.yields = {base + 3};
    body.params = {base + 4, base + 5};
    body.param_dtypes = {DType::F64, DType::F64};
    add_op(body, base + 6, const_op(DType::F64, factor));
    add_op(body, base + 7, scalar_op(ScalarOp::Mul, DType::F64, {base + 4, base + 6}));
    add_op(body, base + 8, scalar_op(ScalarOp::Add, DType::F64, {base + 5, 3}));
    body.yields = {base + 7, base + 8};
    w.blocks = {cond, body};
    return w;
  };
  Op iff = loop_op(OpKind::If, DType::F64);
  iff.args = {2};
  loop::Block then_b, else_b;
  add_op(then_b, 10, counting_while(20, ScalarOp::Ge, 0.5));
  Op r1 = loop_op(OpKind::LoopResult, DType::F64);
  r1.args = {10};
  r1.result_index = 1;
  add_op(then_b, 11, r1);
  then_b.yields = {11};
  // else: x <= 0; v = x - 1 (so v < 0); while (v > -1e6) v *= 2 -> -count
  add_op(else_b, 12, scalar_op(ScalarOp::Sub, DType::F64, {0, 3}));
  Op w2 = counting_while(30, ScalarOp::Gt, 2.0);
  w2.args = {12, 1};
  w2.blocks[0].ops[0].value = Scalar::of_double(w2.blocks[0].ops[0].dtype, -1e6);
  add_op(else_b, 13, w2);
  Op r2 = loop_op(OpKind::LoopResult, DType::F64);
  r2.args = {13};
  r2.result_index = 1;
  add_op(else_b, 14, r2);
  add_op(else_b, 15, scalar_op(ScalarOp::Neg, DType::F64, {14}));
  else_b.yields = {15};
  iff.blocks = {then_b, else_b};
  add_op(k.body, 5, iff);
  Op res = loop_op(OpKind::LoopResult, DType::F64);
  res.args = {5};
  add_op(k.body, 6, res);
  k.stores.push_back({1, ld.index, 6});
  k.num_ops = 40;
  p.steps.push_back(k);
  p.outputs.push_back(loop::OutputSource{1});

  std::vector<double> xs;
  for (std::int64_t i = 0; i < n; ++i)
    xs.push_back(i % 3 == 0 ? -0.5 * i : std::ldexp(1.0, static_cast<int>(i % 40)));
  std::vector<Array> x{Array::from(xs)};
  Array want = internal::run_program_reference(p, x)[0];
  for (std::int64_t i = 0; i < n; ++i) {
    double v = xs[static_cast<std::size_t>(i)], c = 0;
    if (v > 0) {
      for (; v >= 1; v *= 0.5) c += 1;
    } else {
      for (v = v - 1; v > -1e6; v *= 2) c += 1;
      c = -c;
    }
    ASSERT_EQ(want.element_as_double(i), c) << i;
  }
  for (int w : kWidths) {
    JitOptions o;
    o.vector_width = w;
    Array got = internal::compile_cpu(p, o)->run(x)[0];
    EXPECT_TRUE(testing::arrays_close(got, want)) << "width " << w << "\n" << p.to_string();
  }
}

}  // namespace
}  // namespace lanes
