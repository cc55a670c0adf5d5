// CPU backend tests: hand-built loop-IR programs compiled by compile_cpu, checked against
// C++ computations (exact for IEEE arithmetic, within the documented ULP bound for
// vector math) at sizes around the vector width and at forced widths 1..16.
#include "codegen/backend.h"
#include "codegen/cpu/cpu_jit.h"
#include "runtime/runtime_symbols.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

namespace lanes::internal {
namespace {

using namespace loop;
using lanes::testing::arrays_close;

// --- building programs by hand ------------------------------------------------------

struct Body {
  Block* block;
  int* next;
  int add(Op op) {
    int id = (*next)++;
    block->ops.push_back(std::move(op));
    block->ids.push_back(id);
    return id;
  }
  int cnst(DType t, double v) {
    Op op;
    op.kind = OpKind::Const;
    op.dtype = t;
    op.value = Scalar::of_double(t, v);
    return add(op);
  }
  int index(int var, DType t = DType::I64) {
    Op op;
    op.kind = OpKind::IndexVar;
    op.dtype = t;
    op.index_var = var;
    return add(op);
  }
  int load(DType t, int buf, AffineIndex idx) {
    Op op;
    op.kind = OpKind::Load;
    op.dtype = t;
    op.buffer = buf;
    op.index = std::move(idx);
    return add(op);
  }
  int sop(ScalarOp s, DType t, std::vector<int> args) {
    Op op;
    op.kind = OpKind::Scalar;
    op.sop = s;
    op.dtype = t;
    op.args = std::move(args);
    return add(op);
  }
};

AffineIndex idx(std::vector<std::pair<int, std::int64_t>> terms, std::int64_t offset = 0) {
  AffineIndex a;
  a.terms = std::move(terms);
  a.offset = offset;
  return a;
}

Buffer buffer(DType t, Shape s, BufferKind k, int io) {
  Buffer b;
  b.dtype = t;
  b.shape = std::move(s);
  b.kind = k;
  b.io_index = io;
  return b;
}

// A 1-D elementwise program: inputs 0..k-1 of length n, outputs k.. (one per value `f`
// returns), out_j[i] = f(loads)[j].
Program elementwise(std::vector<DType> ins, std::vector<DType> outs, std::int64_t n,
                    const std::function<std::vector<int>(Body&, const std::vector<int>&)>& f) {
  Program p;
  Kernel k;
  k.name = "ew";
  k.extents = {n};
  k.num_index_vars = 1;
  Body b{&k.body, &k.num_ops};
  std::vector<int> loads;
  for (std::size_t i = 0; i < ins.size(); ++i) {
    p.buffers.push_back(buffer(ins[i], {n}, BufferKind::Input, static_cast<int>(i)));
    loads.push_back(b.load(ins[i], static_cast<int>(i), idx({{0, 1}})));
  }
  std::vector<int> vals = f(b, loads);
  for (std::size_t j = 0; j < outs.size(); ++j) {
    int buf = static_cast<int>(p.buffers.size());
    p.buffers.push_back(buffer(outs[j], {n}, BufferKind::Output, static_cast<int>(j)));
    k.stores.push_back(Store{buf, idx({{0, 1}}), vals.at(j)});
    p.outputs.push_back(OutputSource{buf});
  }
  p.num_inputs = static_cast<int>(ins.size());
  p.steps.push_back(std::move(k));
  return p;
}

std::vector<Array> run(const Program& p, const std::vector<Array>& in, JitOptions o = {}) {
  return compile_cpu(p, o)->run(in);
}

JitOptions width(int w) {
  JitOptions o;
  o.vector_width = w;
  return o;
}

template <class T>
Array fill(std::int64_t n, const std::function<T(std::int64_t)>& f) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[i] = f(i);
  return Array::from(v, {n});
}

const int kWidths[] = {1, 2, 4, 8, 16};

// --- elementwise chains at every width and size around it ---------------------------

template <class T>
void check_chain(int w, std::int64_t n) {
  const DType t = dtype_of<T>();
  Program p = elementwise({t, t}, {t}, n, [&](Body& b, const std::vector<int>& l) {
    int two = b.cnst(t, 2), three = b.cnst(t, 3);
    int a = b.sop(ScalarOp::Mul, t, {l[0], two});
    int c = b.sop(ScalarOp::Div, t, {l[1], three});
    int d = b.sop(ScalarOp::Sub, t, {a, c});
    return std::vector<int>{b.sop(ScalarOp::Add, t, {d, l[0]})};
  });
  Array x = fill<T>(n, [](std::int64_t i) { return static_cast<T>(0.5 * i - 7); });
  Array y = fill<T>(n, [](std::int64_t i) { return static_cast<T>(1.0 / (i + 1)); });
  Array want = fill<T>(n, [](std::int64_t i) {
    T xv = static_cast<T>(0.5 * i - 7), yv = static_cast<T>(1.0 / (i + 1));
    return static_cast<T>(xv * T(2) - yv / T(3)) + xv;
  });
  JitOptions o = width(w);
  auto out = run(p, {x, y}, o);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(arrays_close(out[0], want)) << "W=" << w << " n=" << n;
}

TEST(CpuCodegen, ElementwiseChainAllWidthsAndSizes) {
  for (int w : kWidths) {
    for (std::int64_t n : {0L, 1L, 3L, long(w) - 1, long(w), long(w) + 1}) {
      if (n < 0) continue;
      check_chain<double>(w, n);
      check_chain<float>(w, n);
    }
  }
  check_chain<double>(0, 1000003);  // host width, split over the thread pool
  check_chain<float>(0, 1000003);
  check_chain<float>(16, 1000003);
  check_chain<double>(2, 1000003);
}

TEST(CpuCodegen, SequentialAndParallelAgreeOnLargeSize) {
  const std::int64_t n = 1000003;
  Program p = elementwise({DType::F64}, {DType::F64}, n, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::F64, {l[0]})};
  });
  Array x = fill<double>(n, [](std::int64_t i) { return 1e-4 * i; });
  JitOptions seq;
  seq.parallel = false;
  auto a = run(p, {x}, seq);
  auto b = run(p, {x});
  EXPECT_TRUE(arrays_close(a[0], b[0]));
  EXPECT_NEAR(a[0].data<double>()[n - 1], std::sin(1e-4 * (n - 1)), 1e-15);
}

// --- loads: broadcast (stride 0), transposed (gather), scatter stores ---------------

TEST(CpuCodegen, BroadcastLoadsAlongEitherAxis) {
  // out[i, j] = x[i, j] + rowb[i] * colb[j]; vector axis 0 and 1 in turn.
  const std::int64_t R = 7, C = 5;
  for (int va : {0, 1}) {
    for (int w : {1, 2, 4, 8, 16}) {
      Program p;
      p.buffers = {buffer(DType::F64, {R, C}, BufferKind::Input, 0),
                   buffer(DType::F64, {R}, BufferKind::Input, 1),
                   buffer(DType::F64, {C}, BufferKind::Input, 2),
                   buffer(DType::F64, {R, C}, BufferKind::Output, 0)};
      p.num_inputs = 3;
      Kernel k;
      k.extents = {R, C};
      k.vector_axis = va;
      k.num_index_vars = 2;
      Body b{&k.body, &k.num_ops};
      int x = b.load(DType::F64, 0, idx({{0, C}, {1, 1}}));
      int r = b.load(DType::F64, 1, idx({{0, 1}}));
      int c = b.load(DType::F64, 2, idx({{1, 1}}));
      int v = b.sop(ScalarOp::Add, DType::F64, {x, b.sop(ScalarOp::Mul, DType::F64, {r, c})});
      k.stores.push_back(Store{3, idx({{0, C}, {1, 1}}), v});
      p.steps.push_back(k);
      p.outputs = {OutputSource{3}};
      Array xs = fill<double>(R * C, [](std::int64_t i) { return i * 0.25; }).reshaped({R, C});
      Array rs = fill<double>(R, [](std::int64_t i) { return i + 1.0; });
      Array cs = fill<double>(C, [](std::int64_t i) { return 10.0 * i; });
      std::vector<double> want(R * C);
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < C; ++j) want[i * C + j] = (i * C + j) * 0.25 + (i + 1.0) * (10.0 * j);
      auto out = run(p, {xs, rs, cs}, width(w));
      EXPECT_TRUE(arrays_close(out[0], Array::from(want, {R, C}))) << "va=" << va << " W=" << w;
    }
  }
}

TEST(CpuCodegen, TransposedLoadGathersAndStridedStoreScatters) {
  const std::int64_t R = 9, C = 6;
  for (int w : kWidths) {
    for (bool scatter : {false, true}) {
      // gather: out[i, j] = x[j, i] (x is C x R); scatter: out[j, i] = x[i, j].
      Program p;
      p.buffers = {buffer(DType::F32, scatter ? Shape{R, C} : Shape{C, R}, BufferKind::Input, 0),
                   buffer(DType::F32, scatter ? Shape{C, R} : Shape{R, C}, BufferKind::Output, 0)};
      p.num_inputs = 1;
      Kernel k;
      k.extents = {R, C};
      k.num_index_vars = 2;
      Body b{&k.body, &k.num_ops};
      AffineIndex straight = idx({{0, C}, {1, 1}}), transposed = idx({{1, R}, {0, 1}});
      int x = b.load(DType::F32, 0, scatter ? straight : transposed);
      k.stores.push_back(Store{1, scatter ? transposed : straight, x});
      p.steps.push_back(k);
      p.outputs = {OutputSource{1}};
      Array xs = fill<float>(R * C, [](std::int64_t i) { return i * 1.5f; }).reshaped(scatter ? Shape{R, C} : Shape{C, R});
      std::vector<float> want(R * C);
      if (scatter) {
        for (int i = 0; i < R; ++i)
          for (int j = 0; j < C; ++j) want[j * R + i] = (i * C + j) * 1.5f;
      } else {
        for (int i = 0; i < R; ++i)
          for (int j = 0; j < C; ++j) want[i * C + j] = (j * R + i) * 1.5f;
      }
      auto out = run(p, {xs}, width(w));
      EXPECT_TRUE(arrays_close(out[0], Array::from(want, scatter ? Shape{C, R} : Shape{R, C})))
          << "W=" << w << " scatter=" << scatter;
    }
  }
}

// --- a reduction Loop with a varying accumulator -------------------------------------

// out[b] = sum_k x[b, k] * w[k] + (number of iterations, a uniform carry)
Program matvec(std::int64_t B, std::int64_t K, DType t) {
  Program p;
  p.buffers = {buffer(t, {B, K}, BufferKind::Input, 0), buffer(t, {K}, BufferKind::Input, 1),
               buffer(t, {B}, BufferKind::Output, 0)};
  p.num_inputs = 2;
  Kernel k;
  k.extents = {B};
  k.num_index_vars = 2;
  Body b{&k.body, &k.num_ops};
  int zero = b.cnst(t, 0);
  int izero = b.cnst(DType::I64, 0);
  Op loop;
  loop.kind = OpKind::Loop;
  loop.index_var = 1;
  loop.trip_count = K;
  loop.args = {zero, izero};
  loop.blocks.resize(1);
  Block& body = loop.blocks[0];
  int acc = k.num_ops++, count = k.num_ops++;
  body.params = {acc, count};
  body.param_dtypes = {t, DType::I64};
  Body lb{&body, &k.num_ops};
  int xv = lb.load(t, 0, idx({{0, K}, {1, 1}}));
  int wv = lb.load(t, 1, idx({{1, 1}}));
  int next = lb.sop(ScalarOp::Add, t, {acc, lb.sop(ScalarOp::Mul, t, {xv, wv})});
  int one = lb.cnst(DType::I64, 1);
  body.yields = {next, lb.sop(ScalarOp::Add, DType::I64, {count, one})};
  int loop_id = b.add(loop);
  Op r0;
  r0.kind = OpKind::LoopResult;
  r0.dtype = t;
  r0.args = {loop_id};
  r0.result_index = 0;
  Op r1 = r0;
  r1.dtype = DType::I64;
  r1.result_index = 1;
  int s = b.add(r0);
  int c = b.add(r1);
  int v = b.sop(ScalarOp::Add, t, {s, b.sop(ScalarOp::Convert, t, {c})});
  k.stores.push_back(Store{2, idx({{0, 1}}), v});
  p.steps.push_back(std::move(k));
  p.outputs = {OutputSource{2}};
  return p;
}

template <class T>
void check_matvec(int w, std::int64_t B, std::int64_t K) {
  Program p = matvec(B, K, dtype_of<T>());
  Array x = fill<T>(B * K, [](std::int64_t i) { return static_cast<T>((i % 13) * 0.5 - 3); }).reshaped({B, K});
  Array wt = fill<T>(K, [](std::int64_t i) { return static_cast<T>(1.0 / (i + 2)); });
  std::vector<T> want(B);
  for (std::int64_t bb = 0; bb < B; ++bb) {
    T acc = 0;
    for (std::int64_t kk = 0; kk < K; ++kk) acc = acc + static_cast<T>(((bb * K + kk) % 13) * 0.5 - 3) * static_cast<T>(1.0 / (kk + 2));
    want[bb] = acc + static_cast<T>(K);
  }
  auto out = run(p, {x, wt}, width(w));
  EXPECT_TRUE(arrays_close(out[0], Array::from(want, {B}))) << "W=" << w << " B=" << B << " K=" << K;
}

TEST(CpuCodegen, ReductionLoopWithVaryingAccumulator) {
  for (int w : kWidths) {
    for (std::int64_t B : {1L, 3L, long(w) + 1, 37L}) {
      check_matvec<double>(w, B, 11);
      check_matvec<float>(w, B, 5);
    }
    check_matvec<double>(w, 5, 0);  // zero trips: the initial carries
  }
}

// --- compare / select / index vars / bools ------------------------------------------

TEST(CpuCodegen, CompareSelectWithNaNs) {
  const double nan = std::nan("");
  std::vector<double> xs = {1, 2, nan, 4, -0.0, 6, nan, 8, 9};
  std::vector<double> ys = {2, 2, 3, nan, 0.0, 5, nan, 9, 1};
  const std::int64_t n = static_cast<std::int64_t>(xs.size());
  const ScalarOp cmps[] = {ScalarOp::Lt, ScalarOp::Le, ScalarOp::Gt, ScalarOp::Ge, ScalarOp::Eq, ScalarOp::Ne};
  for (int w : kWidths) {
    Program p = elementwise({DType::F64, DType::F64}, {DType::Bool, DType::Bool, DType::Bool, DType::Bool, DType::Bool, DType::Bool, DType::F64}, n,
                            [&](Body& b, const std::vector<int>& l) {
                              std::vector<int> r;
                              for (ScalarOp c : cmps) r.push_back(b.sop(c, DType::Bool, {l[0], l[1]}));
                              // select(x < y, x * 2, y): a varying predicate
                              int two = b.cnst(DType::F64, 2);
                              r.push_back(b.sop(ScalarOp::Select, DType::F64, {r[0], b.sop(ScalarOp::Mul, DType::F64, {l[0], two}), l[1]}));
                              return r;
                            });
    auto out = run(p, {Array::from(xs), Array::from(ys)}, width(w));
    for (std::int64_t i = 0; i < n; ++i) {
      double x = xs[i], y = ys[i];
      bool want[] = {x < y, x <= y, x > y, x >= y, x == y, x != y};
      for (int c = 0; c < 6; ++c) EXPECT_EQ(out[c].data<bool>()[i], want[c]) << "cmp " << c << " i=" << i << " W=" << w;
      double s = x < y ? x * 2 : y;
      EXPECT_TRUE(lanes::testing::ulp_distance(out[6].data<double>()[i], s) == 0) << i;
    }
  }
}

TEST(CpuCodegen, BoolLoadsStoresAndIndexVars) {
  // out[i] = (flag[i] xor (i % 3 == 0)) ? i : -i, as i32; also the index as f32.
  const std::int64_t n = 23;
  std::vector<bool> flags;
  for (int i = 0; i < n; ++i) flags.push_back(i % 2 == 0);
  for (int w : kWidths) {
    Program p = elementwise({DType::Bool}, {DType::I32, DType::F32, DType::Bool}, n, [](Body& b, const std::vector<int>& l) {
      int i = b.index(0);
      int three = b.cnst(DType::I64, 3), zero = b.cnst(DType::I64, 0);
      int m = b.sop(ScalarOp::Eq, DType::Bool, {b.sop(ScalarOp::Rem, DType::I64, {i, three}), zero});
      int pred = b.sop(ScalarOp::Xor, DType::Bool, {l[0], m});
      int ii = b.index(0, DType::I32);
      int v = b.sop(ScalarOp::Select, DType::I32, {pred, ii, b.sop(ScalarOp::Neg, DType::I32, {ii})});
      return std::vector<int>{v, b.index(0, DType::F32), b.sop(ScalarOp::Not, DType::Bool, {pred})};
    });
    auto out = run(p, {Array::from(flags)}, width(w));
    for (int i = 0; i < n; ++i) {
      bool pred = flags[i] != (i % 3 == 0);
      EXPECT_EQ(out[0].data<std::int32_t>()[i], pred ? i : -i) << "W=" << w;
      EXPECT_EQ(out[1].data<float>()[i], static_cast<float>(i));
      EXPECT_EQ(out[2].data<bool>()[i], !pred);
    }
  }
}

// --- converts and integer corners ------------------------------------------------------

TEST(CpuCodegen, ConvertCornerCases) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::vector<double> xs = {nan, inf, -inf, 1e20, -1e20, 2.7, -2.7, 0.5, -0.0, 3e9, -3e9};
  const std::int64_t n = static_cast<std::int64_t>(xs.size());
  auto sat = [](double v, double lo, double hi) { return std::isnan(v) ? 0.0 : v < lo ? lo : v > hi ? hi : std::trunc(v); };
  for (int w : kWidths) {
    Program p = elementwise({DType::F64}, {DType::I32, DType::I64, DType::Bool, DType::F32, DType::I32}, n,
                            [](Body& b, const std::vector<int>& l) {
                              int f32 = b.sop(ScalarOp::Convert, DType::F32, {l[0]});
                              int i64 = b.sop(ScalarOp::Convert, DType::I64, {f32});
                              return std::vector<int>{b.sop(ScalarOp::Convert, DType::I32, {l[0]}), i64,
                                                      b.sop(ScalarOp::Convert, DType::Bool, {l[0]}), f32,
                                                      b.sop(ScalarOp::Convert, DType::I32, {i64})};
                            });
    auto out = run(p, {Array::from(xs)}, width(w));
    for (int i = 0; i < n; ++i) {
      double x = xs[i];
      std::int32_t want32 = static_cast<std::int32_t>(sat(x, INT32_MIN, INT32_MAX));
      std::int64_t want64 = std::isnan(x) ? 0 : x >= 9.3e18 ? INT64_MAX : x <= -9.3e18 ? INT64_MIN : static_cast<std::int64_t>(static_cast<float>(x));
      EXPECT_EQ(out[0].data<std::int32_t>()[i], want32) << "x=" << x << " W=" << w;
      EXPECT_EQ(out[1].data<std::int64_t>()[i], want64) << "x=" << x;
      EXPECT_EQ(out[2].data<bool>()[i], x != 0) << "x=" << x;  // NaN -> true
      EXPECT_EQ(lanes::testing::ulp_distance(out[3].data<float>()[i], static_cast<float>(x)), 0u);
      EXPECT_EQ(out[4].data<std::int32_t>()[i], static_cast<std::int32_t>(static_cast<std::uint32_t>(want64))) << "wraps";
    }
  }
  // Bool and int sources.
  Program q = elementwise({DType::I64, DType::Bool}, {DType::F64, DType::I32, DType::F32}, 3, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Convert, DType::F64, {l[0]}), b.sop(ScalarOp::Convert, DType::I32, {l[1]}),
                            b.sop(ScalarOp::Convert, DType::F32, {l[1]})};
  });
  auto out = run(q, {Array::from(std::vector<std::int64_t>{-5, 1LL << 53, 7}), Array::from(std::vector<bool>{true, false, true})});
  EXPECT_TRUE(arrays_close(out[0], Array::from(std::vector<double>{-5, 9007199254740992.0, 7})));
  EXPECT_TRUE(arrays_close(out[1], Array::from(std::vector<std::int32_t>{1, 0, 1})));
  EXPECT_TRUE(arrays_close(out[2], Array::from(std::vector<float>{1, 0, 1})));
}

template <class T>
void check_int_corners(int w) {
  const T mn = std::numeric_limits<T>::min(), mx = std::numeric_limits<T>::max();
  std::vector<T> xs = {7, -7, 7, -7, mn, mn, 5, 0, mx, 3, -3, 2, -1, 2};
  std::vector<T> ys = {2, 2, -2, -2, -1, 0, 0, 0, -1, 1, 5, 10, 3, -1};
  const DType t = dtype_of<T>();
  const std::int64_t n = static_cast<std::int64_t>(xs.size());
  Program p = elementwise({t, t}, {t, t, t, t, t, t, t, t}, n, [&](Body& b, const std::vector<int>& l) {
    std::vector<int> r;
    for (ScalarOp s : {ScalarOp::Div, ScalarOp::Rem, ScalarOp::Min, ScalarOp::Max, ScalarOp::Mul, ScalarOp::Pow})
      r.push_back(b.sop(s, t, {l[0], l[1]}));
    r.push_back(b.sop(ScalarOp::Abs, t, {l[0]}));
    r.push_back(b.sop(ScalarOp::Sign, t, {l[0]}));
    return r;
  });
  auto out = run(p, {Array::from(xs), Array::from(ys)}, width(w));
  using U = std::make_unsigned_t<T>;
  auto ipow = [](T x, T y) -> T {
    if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
    U acc = 1, base = static_cast<U>(x);
    for (T e = y; e > 0; e >>= 1) {
      if (e & 1) acc *= base;
      base *= base;
    }
    return static_cast<T>(acc);
  };
  for (std::int64_t i = 0; i < n; ++i) {
    T x = xs[i], y = ys[i];
    T div = y == 0 ? T(-1) : (x == mn && y == -1) ? mn : x / y;
    T rem = y == 0 ? x : y == -1 ? T(0) : x % y;
    EXPECT_EQ(out[0].template data<T>()[i], div) << x << " / " << y << " W=" << w;
    EXPECT_EQ(out[1].template data<T>()[i], rem) << x << " % " << y;
    EXPECT_EQ(out[2].template data<T>()[i], std::min(x, y));
    EXPECT_EQ(out[3].template data<T>()[i], std::max(x, y));
    EXPECT_EQ(out[4].template data<T>()[i], static_cast<T>(static_cast<U>(x) * static_cast<U>(y)));
    EXPECT_EQ(out[5].template data<T>()[i], ipow(x, y)) << x << " ** " << y;
    EXPECT_EQ(out[6].template data<T>()[i], x == mn ? mn : (x < 0 ? T(-x) : x));
    EXPECT_EQ(out[7].template data<T>()[i], T((x > 0) - (x < 0)));
  }
}

TEST(CpuCodegen, IntegerDivisionRemainderAndArithmeticCorners) {
  for (int w : kWidths) {
    check_int_corners<std::int32_t>(w);
    check_int_corners<std::int64_t>(w);
  }
}

TEST(CpuCodegen, FloatRoundingMinMaxSignAndRem) {
  const double nan = std::nan("");
  std::vector<double> xs = {2.5, -2.5, 0.5, -0.5, 1.49, nan, -0.0, 3.0, 7.5, -7.5, 1.0};
  std::vector<double> ys = {1.0, nan, -0.5, 0.0, 2.0, 1.0, 0.0, 3.0, 2.0, 2.0, 0.0};
  const std::int64_t n = static_cast<std::int64_t>(xs.size());
  const ScalarOp un[] = {ScalarOp::Round, ScalarOp::Floor, ScalarOp::Ceil, ScalarOp::Sign, ScalarOp::Abs, ScalarOp::Neg, ScalarOp::Sqrt, ScalarOp::Rsqrt};
  const ScalarOp bin[] = {ScalarOp::Min, ScalarOp::Max, ScalarOp::Rem};
  for (int w : kWidths) {
    for (DType t : {DType::F64, DType::F32}) {
      Program p = elementwise({t, t}, std::vector<DType>(11, t), n, [&](Body& b, const std::vector<int>& l) {
        std::vector<int> r;
        for (ScalarOp s : un) r.push_back(b.sop(s, t, {l[0]}));
        for (ScalarOp s : bin) r.push_back(b.sop(s, t, {l[0], l[1]}));
        return r;
      });
      Array xa = Array::from(xs), ya = Array::from(ys);
      if (t == DType::F32) {
        std::vector<float> xf(xs.begin(), xs.end()), yf(ys.begin(), ys.end());
        xa = Array::from(xf);
        ya = Array::from(yf);
      }
      auto out = run(p, {xa, ya}, width(w));
      auto nan_min = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : (a == b ? (std::signbit(a) ? a : b) : std::min(a, b)); };
      auto nan_max = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : (a == b ? (std::signbit(a) ? b : a) : std::max(a, b)); };
      for (std::int64_t i = 0; i < n; ++i) {
        double x = t == DType::F32 ? static_cast<float>(xs[i]) : xs[i];
        double y = t == DType::F32 ? static_cast<float>(ys[i]) : ys[i];
        double sign = x > 0 ? 1.0 : x < 0 ? -1.0 : x;
        double want[] = {std::round(x), std::floor(x), std::ceil(x), sign, std::fabs(x), -x, std::sqrt(x),
                         1.0 / std::sqrt(x), nan_min(x, y), nan_max(x, y), std::fmod(x, y)};
        for (int c = 0; c < 11; ++c) {
          double got = out[c].element_as_double(i);
          bool rsqrt_f32 = c == 7 && t == DType::F32;  // 1/sqrt rounded twice in f32
          double expect = t == DType::F32 ? static_cast<float>(want[c]) : want[c];
          std::uint64_t d = t == DType::F32 ? lanes::testing::ulp_distance(static_cast<float>(got), static_cast<float>(expect))
                                            : lanes::testing::ulp_distance(got, expect);
          EXPECT_LE(d, rsqrt_f32 ? 1u : 0u) << "op " << c << " x=" << x << " y=" << y << " got " << got << " W=" << w;
          if (expect == 0 && !std::isnan(got)) {
            EXPECT_EQ(std::signbit(got), std::signbit(expect)) << "op " << c << " x=" << x;
          }
        }
      }
    }
  }
}

// --- vector math against <cmath> within the documented bounds ---------------------------

struct MathCase {
  ScalarOp op;
  double (*ref)(double);
  double (*ref2)(double, double);
  double lo, hi;     // domain sampled for x (and y for binary ops)
  double precise;    // documented ULP bounds (docs/precision.md)
  double fast;      // Fast: the provider table of codegen/cpu/vector_math_table.h
};

const MathCase kMath[] = {
    {ScalarOp::Cbrt, [](double x) { return std::cbrt(x); }, nullptr, -100, 100, 1, 4},
    {ScalarOp::Exp, [](double x) { return std::exp(x); }, nullptr, -80, 80, 1, 4},
    {ScalarOp::Exp2, [](double x) { return std::exp2(x); }, nullptr, -100, 100, 1, 4},
    {ScalarOp::Expm1, [](double x) { return std::expm1(x); }, nullptr, -5, 5, 1, 4},
    {ScalarOp::Log, [](double x) { return std::log(x); }, nullptr, 1e-3, 1e4, 1, 4},
    {ScalarOp::Log2, [](double x) { return std::log2(x); }, nullptr, 1e-3, 1e4, 1, 4},
    {ScalarOp::Log10, [](double x) { return std::log10(x); }, nullptr, 1e-3, 1e4, 1, 4},
    {ScalarOp::Log1p, [](double x) { return std::log1p(x); }, nullptr, -0.9, 100, 1, 4},
    {ScalarOp::Sin, [](double x) { return std::sin(x); }, nullptr, -20, 20, 1, 4},
    {ScalarOp::Cos, [](double x) { return std::cos(x); }, nullptr, -20, 20, 1, 4},
    {ScalarOp::Tan, [](double x) { return std::tan(x); }, nullptr, -1.5, 1.5, 1, 4},
    {ScalarOp::Asin, [](double x) { return std::asin(x); }, nullptr, -1, 1, 1, 3.5},
    {ScalarOp::Acos, [](double x) { return std::acos(x); }, nullptr, -1, 1, 1, 4},
    {ScalarOp::Atan, [](double x) { return std::atan(x); }, nullptr, -50, 50, 1, 4},
    {ScalarOp::Sinh, [](double x) { return std::sinh(x); }, nullptr, -20, 20, 1, 4},
    {ScalarOp::Cosh, [](double x) { return std::cosh(x); }, nullptr, -20, 20, 1, 4},
    {ScalarOp::Tanh, [](double x) { return std::tanh(x); }, nullptr, -5, 5, 1, 4},
    {ScalarOp::Asinh, [](double x) { return std::asinh(x); }, nullptr, -100, 100, 1, 4},
    {ScalarOp::Acosh, [](double x) { return std::acosh(x); }, nullptr, 1, 100, 1, 4},
    {ScalarOp::Atanh, [](double x) { return std::atanh(x); }, nullptr, -0.99, 0.99, 1, 4},
    {ScalarOp::Erf, [](double x) { return std::erf(x); }, nullptr, -4, 4, 1, 4},
    {ScalarOp::Erfc, [](double x) { return std::erfc(x); }, nullptr, -2, 8, 1.5, 4},
    {ScalarOp::Pow, nullptr, [](double x, double y) { return std::pow(x, y); }, 0.1, 8, 1, 4},
    {ScalarOp::Atan2, nullptr, [](double x, double y) { return std::atan2(x, y); }, -5, 5, 1, 4},
};

template <class T>
void check_math(int w, Precision prec) {
  const DType t = dtype_of<T>();
  const std::int64_t n = 203;  // not a multiple of any width: exercises the epilogue
  const int nf = static_cast<int>(std::size(kMath));
  std::vector<DType> ins(2 * nf, t), outs(nf, t);
  Program p = elementwise(ins, outs, n, [&](Body& b, const std::vector<int>& l) {
    std::vector<int> r;
    for (int f = 0; f < nf; ++f) {
      if (kMath[f].ref) r.push_back(b.sop(kMath[f].op, t, {l[2 * f]}));
      else r.push_back(b.sop(kMath[f].op, t, {l[2 * f], l[2 * f + 1]}));
    }
    return r;
  });
  std::mt19937 rng(42);
  std::vector<Array> in;
  for (int f = 0; f < nf; ++f) {
    std::uniform_real_distribution<double> u(kMath[f].lo, kMath[f].hi);
    for (int arg = 0; arg < 2; ++arg) {
      std::vector<T> v(n);
      for (auto& e : v) e = static_cast<T>(u(rng));
      // Special values at the front.
      const T specials[] = {T(0), T(-0.0), std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN()};
      for (int s = 0; s < 5; ++s) v[s] = specials[s];
      in.push_back(Array::from(v));
    }
  }
  JitOptions o = width(w);
  o.precision = prec;
  auto out = run(p, in, o);
  for (int f = 0; f < nf; ++f) {
    double bound = prec == Precision::Precise ? kMath[f].precise : kMath[f].fast;
    // +1: the <cmath> reference has its own rounding error (f64) / double rounding (f32).
    auto allowed = static_cast<std::uint64_t>(std::ceil(bound)) + 1;
    auto xs = in[2 * f].data<T>(), ys = in[2 * f + 1].data<T>();
    std::uint64_t worst = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      double ref = kMath[f].ref ? kMath[f].ref(xs[i]) : kMath[f].ref2(xs[i], ys[i]);
      T want = static_cast<T>(ref);
      T got = out[f].data<T>()[i];
      std::uint64_t d = lanes::testing::ulp_distance(got, want);
      worst = std::max(worst, d);
      EXPECT_LE(d, allowed) << scalar_op_name(kMath[f].op) << "(" << xs[i] << ", " << ys[i] << ") = " << got << ", want " << want
                            << " [" << dtype_name(t) << " W=" << w << (prec == Precision::Fast ? " fast" : " precise") << "]";
    }
  }
}

TEST(CpuCodegen, VectorMathWithinUlpBoundsPrecise) {
  for (int w : kWidths) {
    check_math<double>(w, Precision::Precise);
    check_math<float>(w, Precision::Precise);
  }
}

TEST(CpuCodegen, VectorMathWithinUlpBoundsFast) {
  for (int w : {1, 4, 8, 16}) {
    check_math<double>(w, Precision::Fast);
    check_math<float>(w, Precision::Fast);
  }
}

TEST(CpuCodegen, MathAgreesAcrossWidths) {
  // The W=1 epilogue calls scalar SLEEF: results agree with the vector lanes to the bound.
  const std::int64_t n = 19;
  Program p = elementwise({DType::F64}, {DType::F64}, n, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::F64, {l[0]})};
  });
  Array x = fill<double>(n, [](std::int64_t i) { return 0.37 * i - 3; });
  auto a = run(p, {x}, width(1));
  for (int w : {2, 4, 8, 16}) EXPECT_TRUE(arrays_close(run(p, {x}, width(w))[0], a[0], 1)) << w;
}

// --- programs with host steps, constants, pass-through and literal outputs -------------

TEST(CpuCodegen, HostStepConstantsAndOutputSources) {
  const std::int64_t n = 10;
  Program p;
  p.buffers = {buffer(DType::F64, {n}, BufferKind::Input, 0), buffer(DType::F64, {n}, BufferKind::Temp, -1),
               buffer(DType::F64, {n}, BufferKind::Output, 0), buffer(DType::F64, {n}, BufferKind::Constant, -1)};
  p.buffers[3].constant = fill<double>(n, [](std::int64_t i) { return 100.0 * i; });
  p.num_inputs = 1;
  HostStep h;
  h.name = "double";
  h.inputs = {0};
  h.outputs = {1};
  h.run = [](std::span<const Array> in) {
    Array o = Array::empty(DType::F64, in[0].shape());
    for (std::int64_t i = 0; i < o.size(); ++i) o.mutable_data<double>()[i] = 2 * in[0].data<double>()[i];
    return std::vector<Array>{o};
  };
  p.steps.push_back(h);
  Kernel k;
  k.extents = {n};
  k.num_index_vars = 1;
  Body b{&k.body, &k.num_ops};
  int v = b.sop(ScalarOp::Add, DType::F64, {b.load(DType::F64, 1, idx({{0, 1}})), b.load(DType::F64, 3, idx({{0, 1}}))});
  k.stores.push_back(Store{2, idx({{0, 1}}), v});
  p.steps.push_back(k);
  p.outputs = {OutputSource{2}, OutputSource{0}, OutputSource{-1, Scalar::of_int(DType::I32, 7)}};
  Array x = fill<double>(n, [](std::int64_t i) { return i + 0.5; });
  auto out = run(p, {x});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(arrays_close(out[0], fill<double>(n, [](std::int64_t i) { return 2 * (i + 0.5) + 100.0 * i; })));
  EXPECT_TRUE(arrays_close(out[1], x));
  EXPECT_TRUE(arrays_close(out[2], Array::scalar<std::int32_t>(7)));
}

TEST(CpuCodegen, OffsetsAndRank3IndexSpace) {
  // out[a, b, c] = x[a, b, c + 1] - x[a, b, c] over a [2, 3, 5] space of a [2, 3, 6] input.
  for (int w : {1, 4, 16}) {
    for (int va : {-1, 0, 1}) {
      Program p;
      p.buffers = {buffer(DType::F32, {2, 3, 6}, BufferKind::Input, 0), buffer(DType::F32, {2, 3, 5}, BufferKind::Output, 0)};
      p.num_inputs = 1;
      Kernel k;
      k.extents = {2, 3, 5};
      k.vector_axis = va;
      k.num_index_vars = 3;
      Body b{&k.body, &k.num_ops};
      int hi = b.load(DType::F32, 0, idx({{0, 18}, {1, 6}, {2, 1}}, 1));
      int lo = b.load(DType::F32, 0, idx({{0, 18}, {1, 6}, {2, 1}}));
      k.stores.push_back(Store{1, idx({{0, 15}, {1, 5}, {2, 1}}), b.sop(ScalarOp::Sub, DType::F32, {hi, lo})});
      p.steps.push_back(k);
      p.outputs = {OutputSource{1}};
      Array x = fill<float>(36, [](std::int64_t i) { return static_cast<float>(i * i); }).reshaped({2, 3, 6});
      std::vector<float> want;
      for (int a = 0; a < 2; ++a)
        for (int bb = 0; bb < 3; ++bb)
          for (int c = 0; c < 5; ++c) {
            int i = a * 18 + bb * 6 + c;
            want.push_back(static_cast<float>((i + 1) * (i + 1)) - static_cast<float>(i * i));
          }
      EXPECT_TRUE(arrays_close(run(p, {x}, width(w))[0], Array::from(want, {2, 3, 5}))) << "W=" << w << " va=" << va;
    }
  }
}

// --- the JIT: symbols, errors, code lifetime, text forms, latency --------------------------

TEST(CpuJit, SleefSymbolsResolve) {
  EXPECT_TRUE(cpu::jit_can_resolve("Sleef_sin_u10"));
  EXPECT_TRUE(cpu::jit_can_resolve("Sleef_sinf_u35"));
  EXPECT_TRUE(cpu::jit_can_resolve("Sleef_sind2_u10sse4"));
  if (cpu::host_isa().avx2_fma) {
    EXPECT_TRUE(cpu::jit_can_resolve("Sleef_sind4_u10avx2"));
    EXPECT_TRUE(cpu::jit_can_resolve("Sleef_sinf8_u10avx2"));
  }
  EXPECT_FALSE(cpu::jit_can_resolve("lanes_no_such_symbol_anywhere"));
}

// liblanes exports none of its own functions, so the JIT is handed every function that
// generated code calls by name: 16 Highway wrappers x 2 dtypes x (AVX2, AVX-512), the 20
// scalar fallbacks (10 functions x f32, f64) and the two lane fixers.
TEST(CpuJit, RuntimeSymbolsResolveWithoutExports) {
  const std::vector<RuntimeSymbol>& symbols = jit_runtime_symbols();
  EXPECT_EQ(symbols.size(), 16u * 2 * 2 + 20 + 2);
  for (const RuntimeSymbol& s : symbols) {
    EXPECT_NE(s.address, nullptr) << s.name;
    EXPECT_TRUE(cpu::jit_can_resolve(s.name)) << s.name;
  }
  EXPECT_TRUE(cpu::jit_can_resolve("lanes_math_fix_lanes_d"));
  EXPECT_TRUE(cpu::jit_can_resolve("lanes_hwy_sin_d4"));
  EXPECT_TRUE(cpu::jit_can_resolve("lanes_hwy_tanh_f16"));
}

TEST(CpuJit, LlvmFailuresBecomeCompileErrors) {
  void* addr = nullptr;
  EXPECT_THROW(cpu::compile_ir_text("this is not IR", "f", &addr), CompileError);
  const char* undefined =
      "declare double @lanes_missing_function(double)\n"
      "define double @f(double %x) {\n  %y = call double @lanes_missing_function(double %x)\n  ret double %y\n}\n";
  try {
    cpu::compile_ir_text(undefined, "f", &addr);
    ADD_FAILURE() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("lanes_missing_function"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cpu::trigger_llvm_fatal_error_for_test(), CompileError);
  // The JIT still works afterwards.
  auto m = cpu::compile_ir_text("define i64 @g(i64 %x) {\n  %y = mul i64 %x, 3\n  ret i64 %y\n}\n", "g", &addr);
  EXPECT_EQ(reinterpret_cast<std::int64_t (*)(std::int64_t)>(addr)(14), 42);
}

TEST(CpuJit, UnsupportedOpDtypeIsACompileError) {
  Program p = elementwise({DType::I32}, {DType::I32}, 4, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::I32, {l[0]})};
  });
  EXPECT_THROW(compile_cpu(p, {}), CompileError);
}

TEST(CpuJit, CodeIsFreedWithTheExecutable) {
  Program p = elementwise({DType::F64}, {DType::F64}, 8, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Exp, DType::F64, {l[0]})};
  });
  auto code = cpu::compile_kernels(p, {});
  std::size_t live = cpu::live_module_count();
  ASSERT_EQ(code->symbols.size(), 1u);
  std::string sym = code->symbols[0];
  EXPECT_TRUE(cpu::jit_can_resolve(sym));
  code.reset();
  EXPECT_EQ(cpu::live_module_count(), live - 1);
  EXPECT_FALSE(cpu::jit_can_resolve(sym));
  // Through the Executable too: the last owner frees it.
  std::size_t before = cpu::live_module_count();
  {
    auto exe = compile_cpu(p, {});
    EXPECT_EQ(cpu::live_module_count(), before + 1);
  }
  EXPECT_EQ(cpu::live_module_count(), before);
}

TEST(CpuJit, IrAndAssemblyText) {
  // 10 points at W = 4: two vector steps and an epilogue of 2 (at 8 there is none).
  Program p = elementwise({DType::F64}, {DType::F64}, 10, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::F64, {l[0]})};
  });
  auto exe = compile_cpu(p, width(4));
  std::string ir = exe->llvm_ir();
  EXPECT_NE(ir.find("<4 x double>"), std::string::npos) << ir;
  EXPECT_NE(ir.find("Sleef_sind4_u10"), std::string::npos) << ir;
  EXPECT_NE(ir.find("Sleef_sin_u10"), std::string::npos) << "the W=1 epilogue";
  std::string as = exe->assembly();
  EXPECT_NE(as.find("ymm"), std::string::npos) << as;
}

// A kernel of one point (a scalar program, as grad makes) is straight-line code: no loop
// (LLVM's LICM hoisted such a body out of its loop and left the stores inside, so every
// stored value was live to the end) and no W-lane loop that could never run.
TEST(CpuJit, OnePointKernelHasNoLoopAndNoVectorCode) {
  Program p = elementwise({DType::F64}, {DType::F64}, 1, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::F64, {l[0]})};
  });
  auto exe = compile_cpu(p, width(8));
  const std::string ir = exe->llvm_ir();
  EXPECT_EQ(ir.find("<8 x double>"), std::string::npos) << ir;
  EXPECT_EQ(ir.find(" phi "), std::string::npos) << ir;
  const std::vector<Array> in{Array::from(std::vector<double>{0.5}, {1})};
  EXPECT_TRUE(
      arrays_close(exe->run(in)[0], Array::from(std::vector<double>{std::sin(0.5)}, {1}), 1));
}

// Stores to disjoint buffers follow the op that makes their value, so the value's
// register is free before the next call (a stored value was live to the kernel's end).
TEST(CpuJit, StoreFollowsItsValue) {
  Program p = elementwise({DType::F64}, {DType::F64, DType::F64}, 1,
                          [](Body& b, const std::vector<int>& l) {
                            const int s = b.sop(ScalarOp::Sin, DType::F64, {l[0]});
                            return std::vector<int>{s, b.sop(ScalarOp::Cos, DType::F64, {s})};
                          });
  auto exe = compile_cpu(p, width(1));
  const std::string ir = exe->llvm_ir();
  const auto sin_call = ir.find("call double @Sleef_sin_u10");
  const auto cos_call = ir.find("call double @Sleef_cos_u10");
  ASSERT_NE(sin_call, std::string::npos) << ir;
  ASSERT_NE(cos_call, std::string::npos) << ir;
  const auto first_store = ir.find("store double", sin_call);
  EXPECT_LT(first_store, cos_call) << ir;
  const std::vector<Array> in{Array::from(std::vector<double>{0.5}, {1})};
  auto out = exe->run(in);
  EXPECT_TRUE(arrays_close(out[0], Array::from(std::vector<double>{std::sin(0.5)}, {1}), 1));
  EXPECT_TRUE(
      arrays_close(out[1], Array::from(std::vector<double>{std::cos(std::sin(0.5))}, {1}), 2));
}

// With the extent a multiple of W, every chunk the pool runs is whole vectors: no W = 1
// epilogue is compiled, and the result is still every point's (on the pool too).
TEST(CpuJit, NoEpilogueWhenTheExtentIsAMultipleOfW) {
  const std::int64_t n = 1 << 17;  // large enough for the pool to split
  Program p = elementwise({DType::F64}, {DType::F64}, n, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Sin, DType::F64, {l[0]})};
  });
  auto exe = compile_cpu(p, width(8));
  const std::string ir = exe->llvm_ir();
  EXPECT_NE(ir.find("Sleef_sind8_u10"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("Sleef_sin_u10"), std::string::npos) << "no W = 1 epilogue";
  const Array x = fill<double>(n, [](std::int64_t i) { return 0.001 * static_cast<double>(i); });
  const Array want =
      fill<double>(n, [](std::int64_t i) { return std::sin(0.001 * static_cast<double>(i)); });
  const std::vector<Array> in{x};
  EXPECT_TRUE(arrays_close(exe->run(in)[0], want, 1));  // SLEEF: 1 ulp
}

TEST(CpuJit, CompileLatencyAndDispatchCost) {
  Program p = elementwise({DType::F64, DType::F64}, {DType::F64}, 16, [](Body& b, const std::vector<int>& l) {
    return std::vector<int>{b.sop(ScalarOp::Add, DType::F64, {b.sop(ScalarOp::Mul, DType::F64, {l[0], l[1]}), l[0]})};
  });
  compile_cpu(p, {});  // warm-up: first compile in a process
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto exe = compile_cpu(p, {});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto exe = compile_cpu(p, {});
  std::vector<Array> in = {Array::ones(DType::F64, {16}), Array::ones(DType::F64, {16})};
  exe->run(in);
  const int calls = 20000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) exe->run(in);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / calls;
  std::cout << "[ latency ] compile median " << ms[ms.size() / 2] << " ms, run " << us << " us/call\n";
  EXPECT_LT(ms[ms.size() / 2], 200.0);  // loose: a shared 2-core machine; the goal is < 20 ms
  EXPECT_LT(us, 50.0);
}

}  // namespace
}  // namespace lanes::internal
