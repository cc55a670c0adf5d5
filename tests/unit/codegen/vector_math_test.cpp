// Vector math accuracy: every transcendental, in both precision modes, f32 and f64, at
// widths 1, 4, 8 (and 16 for f32), over a dense sweep of inputs (a linear sweep of the
// interesting range, a logarithmic sweep over every binade, special values), must stay
// within the ULP bound docs/precision.md states, measured against long double libm.
// Kernels are built in the loop IR by hand (one load per operand, one scalar op, one
// store), as tests/unit/cpu_codegen_test.cpp does. At W = 4 (f64) / 8 (f32) the kernels call the
// 32-byte providers, at 8 / 16 the 64-byte ones when the host has AVX-512, so each Fast-mode table
// column is exercised.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "codegen/backend.h"
#include "codegen/cpu/cpu_jit.h"
#include "codegen/loop_ir.h"

namespace {

using lanes::Array;
using lanes::DType;
using lanes::Precision;
using lanes::internal::ScalarOp;
namespace loop = lanes::internal::loop;

struct MathCase {
  const char* name;
  ScalarOp op;
  bool binary;
  long double (*ref1)(long double);
  long double (*ref2)(long double, long double);
  double lo, hi;   // the dense linear sweep
  double precise;  // documented bounds, ULPs (docs/precision.md)
  double fast;
};

#define UNARY(fn, Op, lo, hi, precise, fast)                                                    \
  {                                                                                             \
#fn, ScalarOp::Op, false, [](long double x) { return fn##l(x); }, nullptr, lo, hi, precise, \
                                                                   fast                         \
  }
#define BINARY(fn, Op, lo, hi, precise, fast)                                           \
  {                                                                                     \
#fn, ScalarOp::Op, true, nullptr,                                                   \
        [](long double x, long double y) { return fn##l(x, y); }, lo, hi, precise, fast \
  }

const MathCase kCases[] = {
    UNARY(sin, Sin, -10, 10, 1, 4),     UNARY(cos, Cos, -10, 10, 1, 4),
    UNARY(tan, Tan, -1.6, 1.6, 1, 4),   UNARY(asin, Asin, -1, 1, 1, 3.5),
    UNARY(acos, Acos, -1, 1, 1, 4),     UNARY(atan, Atan, -20, 20, 1, 4),
    UNARY(sinh, Sinh, -88, 88, 1, 4),   UNARY(cosh, Cosh, -88, 88, 1, 4),
    UNARY(tanh, Tanh, -10, 10, 1, 4),   UNARY(asinh, Asinh, -100, 100, 1, 4),
    UNARY(acosh, Acosh, 1, 100, 1, 4),  UNARY(atanh, Atanh, -1, 1, 1, 4),
    UNARY(exp, Exp, -104, 90, 1, 4),    UNARY(exp2, Exp2, -150, 130, 1, 4),
    UNARY(expm1, Expm1, -20, 90, 1, 4), UNARY(log, Log, 0, 100, 1, 4),
    UNARY(log2, Log2, 0, 100, 1, 4),    UNARY(log10, Log10, 0, 100, 1, 4),
    UNARY(log1p, Log1p, -1, 100, 1, 4), UNARY(cbrt, Cbrt, -100, 100, 1, 4),
    UNARY(erf, Erf, -6, 6, 1, 4),       UNARY(erfc, Erfc, -6, 30, 1.5, 4),
    BINARY(pow, Pow, -4, 8, 1, 4),      BINARY(atan2, Atan2, -5, 5, 1, 4),
};

// out[i] = op(in0[i] [, in1[i]]) over n elements.
loop::Program one_op_program(ScalarOp op, DType t, int arity, std::int64_t n) {
  loop::Program p;
  loop::Kernel k;
  k.name = "math";
  k.extents = {n};
  k.num_index_vars = 1;
  loop::AffineIndex idx;
  idx.terms = {{0, 1}};
  std::vector<int> loads;
  for (int i = 0; i <= arity; ++i) {
    loop::Buffer b;
    b.dtype = t;
    b.shape = {n};
    b.kind = i < arity ? loop::BufferKind::Input : loop::BufferKind::Output;
    b.io_index = i < arity ? i : 0;
    p.buffers.push_back(b);
  }
  std::vector<int> args;
  for (int i = 0; i < arity; ++i) {
    loop::Op load;
    load.kind = loop::OpKind::Load;
    load.dtype = t;
    load.buffer = i;
    load.index = idx;
    k.body.ops.push_back(load);
    k.body.ids.push_back(k.num_ops);
    args.push_back(k.num_ops++);
  }
  loop::Op op_node;
  op_node.kind = loop::OpKind::Scalar;
  op_node.sop = op;
  op_node.dtype = t;
  op_node.args = args;
  k.body.ops.push_back(op_node);
  k.body.ids.push_back(k.num_ops);
  k.stores.push_back(loop::Store{arity, idx, k.num_ops++});
  p.outputs.push_back(loop::OutputSource{arity});
  p.num_inputs = arity;
  p.steps.push_back(std::move(k));
  return p;
}

// Deterministic 64-bit generator (splitmix64) for the random bit patterns.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniformly random bit pattern of T: every binade, both signs, subnormals, inf, NaN
// (quiet: signaling NaNs are outside C's and the engine's semantics).
template <class T>
T random_bits(std::uint64_t& state) {
  const std::uint64_t r = next_random(state);
  T x;
  if constexpr (sizeof(T) == 4) {
    x = std::bit_cast<float>(static_cast<std::uint32_t>(r));
  } else {
    x = std::bit_cast<double>(r);
  }
  return std::isnan(x) ? std::numeric_limits<T>::quiet_NaN() : x;
}

// +-2^(k/per) for every k whose value is a finite nonzero T: every binade of both signs,
// subnormals included, up to the largest finite value.
template <class T>
std::vector<T> binades(int per) {
  std::vector<T> v;
  const int emin = std::numeric_limits<T>::min_exponent - std::numeric_limits<T>::digits;
  const int emax = std::numeric_limits<T>::max_exponent;
  for (int k = per * emin; k < per * emax; ++k) {
    const T x = static_cast<T>(std::exp2(static_cast<long double>(k) / per));
    if (std::isfinite(x) && x != 0) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  return v;
}

// Values that are the edge of some function's range: the extremes of T, the overflow
// thresholds of exp / sinh / cosh, the points where SLEEF's own range ends.
template <class T>
std::vector<T> specials() {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0),
                      T(-0.0),
                      L::infinity(),
                      -L::infinity(),
                      L::quiet_NaN(),
                      L::denorm_min(),
                      L::min(),
                      std::nextafter(L::min(), T(0)),
                      L::max(),
                      std::nextafter(L::max(), T(0)),
                      L::max() / 2,
                      std::sqrt(L::max()),
                      T(1),
                      std::nextafter(T(1), T(0)),
                      std::nextafter(T(1), T(2)),
                      T(0.5),
                      T(1e5),
                      T(3.14159265358979),
                      T(1.5707963267948966),
                      T(88.5),
                      T(89.4),
                      T(709.5),
                      T(710.4),
                      T(1.8e19),
                      sizeof(T) == 4 ? T(3e38) : T(1.34e154),
                      sizeof(T) == 4 ? T(1e38) : T(1e307)};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

// The sweep for T: linear over [lo, hi] and over the exp-overflow range, every binade,
// random bit patterns, specials.
template <class T>
std::vector<T> sweep(double lo, double hi) {
  std::vector<T> v;
  const int n = 1500;
  for (int i = 0; i <= n; ++i) v.push_back(static_cast<T>(lo + (hi - lo) * i / n));
  const double ovf = sizeof(T) == 4 ? 110 : 760;  // past exp / sinh / cosh overflow
  for (int i = 0; i <= 1000; ++i) v.push_back(static_cast<T>(-ovf + 2 * ovf * i / 1000));
  // Densely around the overflow thresholds of exp, sinh and cosh (and their guards).
  const double t0 = sizeof(T) == 4 ? 86 : 707, t1 = sizeof(T) == 4 ? 90 : 711;
  for (int i = 0; i <= 400; ++i) {
    const T x = static_cast<T>(t0 + (t1 - t0) * i / 400);
    v.push_back(x);
    v.push_back(-x);
  }
  for (T x : binades<T>(sizeof(T) == 4 ? 8 : 4)) v.push_back(x);
  std::uint64_t state = 42;
  for (int i = 0; i < 4096; ++i) v.push_back(random_bits<T>(state));
  for (T x : specials<T>()) v.push_back(x);
  return v;
}

// |got - exact| in ULPs of T at the exact value; infinity for a wrong NaN or infinity.
// Where the exact value rounds to infinity, inf is exact and the largest finite value is
// measured against 2^max_exponent (the "next value" after max) in the top binade's ULPs.
template <class T>
long double ulp_error(T got, long double exact) {
  using L = std::numeric_limits<T>;
  if (std::isnan(exact)) return std::isnan(got) ? 0 : INFINITY;
  if (std::isnan(got)) return INFINITY;
  if (std::isinf(static_cast<T>(exact))) {
    if (got == static_cast<T>(exact)) return 0;
    if (std::isinf(got)) return INFINITY;
    exact = std::copysign(std::ldexp(1.0L, L::max_exponent), exact);
  } else if (std::isinf(got)) {
    return INFINITY;
  }
  const long double a = std::min(std::fabs(exact), static_cast<long double>(L::max()));
  const int e = a < L::min() ? L::min_exponent - 1 : std::ilogb(a);
  const long double ulp = std::ldexp(1.0L, e - (L::digits - 1));
  return std::fabs(static_cast<long double>(got) - exact) / ulp;
}

// The (x, y) pairs of a binary function: a grid of every third x against a spread of y,
// random bit pairs, and pairs built so the result is finite and far from 0 and 1 at every
// scale of x (pow(x, t / log2|x|) = 2^t; atan2 at every ratio of two binades).
template <class T>
void binary_inputs(const MathCase& c, std::vector<T>& xs, std::vector<T>& ys) {
  const std::vector<T> sx = xs;
  xs.clear();
  const T inf = std::numeric_limits<T>::infinity();
  const std::vector<T> yv = {
      T(0),   T(-0.0), T(0.5),   T(-0.5), T(1),   T(-1), T(2), T(-3),
      T(2.5), T(10),   T(-7.25), T(1e-3), T(100), inf,   -inf, std::numeric_limits<T>::quiet_NaN()};
  for (T y : yv) {
    for (std::size_t i = 0; i < sx.size(); i += 3) {
      xs.push_back(sx[i]);
      ys.push_back(y);
    }
  }
  // Every pair of special values, and each against the spread of y.
  const std::vector<T> sp = specials<T>();
  for (T a : sp) {
    for (T y : sp) {
      xs.push_back(a);
      ys.push_back(y);
    }
    for (T y : yv) {
      xs.push_back(a);
      ys.push_back(y);
    }
  }
  std::uint64_t state = 7;
  for (int i = 0; i < 4096; ++i) {
    xs.push_back(random_bits<T>(state));
    ys.push_back(random_bits<T>(state));
  }
  const std::vector<T> b = binades<T>(sizeof(T) == 4 ? 2 : 1);
  if (c.op == ScalarOp::Pow) {
    const long double emax = std::numeric_limits<T>::max_exponent;
    for (T x : b) {
      const long double l = std::log2(std::fabs(static_cast<long double>(x)));
      if (l == 0) continue;
      for (long double t : {-1.01L, -0.9L, -0.5L, -0.01L, 0.003L, 0.3L, 0.77L, 0.999L}) {
        xs.push_back(std::fabs(x));
        ys.push_back(static_cast<T>(t * emax / l));
      }
      xs.push_back(std::fabs(x));
      ys.push_back(T(1));
      xs.push_back(x);  // negative bases with integer exponents
      ys.push_back(T(-1));
    }
  } else {
    for (std::size_t i = 0; i < b.size(); i += 3) {
      for (std::size_t j = 0; j < b.size(); j += 5) {
        xs.push_back(b[i]);
        ys.push_back(b[j]);
      }
    }
  }
}

// Runs op over (xs[, ys]) at each width in both modes, against the long double reference
// computed once: every result within the documented bound.
template <class T>
void check_inputs(const MathCase& c, const std::vector<T>& xs, const std::vector<T>& ys,
                  const std::vector<int>& widths) {
  std::vector<long double> exact(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    exact[i] = c.binary ? c.ref2(xs[i], ys[i]) : c.ref1(xs[i]);
  }
  const DType t = sizeof(T) == 4 ? DType::F32 : DType::F64;
  const loop::Program p =
      one_op_program(c.op, t, c.binary ? 2 : 1, static_cast<std::int64_t>(xs.size()));
  std::vector<Array> in = {Array::from(xs)};
  if (c.binary) in.push_back(Array::from(ys));
  for (Precision prec : {Precision::Precise, Precision::Fast}) {
    // The long double reference is ~2^-11 ULP (f64) off at worst: 0.01 of slack.
    const double bound = (prec == Precision::Precise ? c.precise : c.fast) + 0.01;
    for (int w : widths) {
      lanes::JitOptions o;
      o.precision = prec;
      o.vector_width = w;
      Array out = lanes::internal::compile_cpu(p, o)->run(in).at(0);
      auto got = out.data<T>();
      long double worst = 0;
      std::size_t at = 0, violations = 0;
      std::string examples;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const long double err = ulp_error<T>(got[i], exact[i]);
        if (!(err <= bound)) {
          if (++violations <= 3) {
            examples += " [x=" + std::to_string(xs[i]) +
                        (c.binary ? " y=" + std::to_string(ys[i]) : std::string()) +
                        " got=" + std::to_string(got[i]) +
                        " exact=" + std::to_string(static_cast<double>(exact[i])) + "]";
          }
        }
        if (!(err <= worst)) {
          worst = err;
          at = i;
        }
      }
      EXPECT_LE(static_cast<double>(worst), bound)
          << c.name << (sizeof(T) == 4 ? " f32" : " f64") << " W=" << w
          << (prec == Precision::Fast ? " fast" : " precise") << ": worst "
          << static_cast<double>(worst) << " ULP at x=" << xs[at]
          << (c.binary ? " y=" + std::to_string(ys[at]) : std::string()) << " got " << got[at]
          << " exact " << static_cast<double>(exact[at]) << "; " << violations
          << " violations:" << examples;
    }
  }
}

template <class T>
void check_case(const MathCase& c, const std::vector<int>& widths) {
  std::vector<T> xs = sweep<T>(c.lo, c.hi), ys;
  if (c.binary) binary_inputs<T>(c, xs, ys);
  check_inputs<T>(c, xs, ys, widths);
}

// The points where providers were found out of bound, each checked alone: filled into 37
// elements so that it is computed by full vectors and by the scalar tail, in both modes
// at every width.
struct GuardPoint {
  ScalarOp op;
  bool f32;
  double x, y;
  long double exact;
};

template <class T>
void check_point(const GuardPoint& g) {
  const bool binary = g.op == ScalarOp::Pow || g.op == ScalarOp::Atan2;
  const std::int64_t n = 37;
  const DType t = sizeof(T) == 4 ? DType::F32 : DType::F64;
  const loop::Program p = one_op_program(g.op, t, binary ? 2 : 1, n);
  std::vector<Array> in = {Array::from(std::vector<T>(n, static_cast<T>(g.x)))};
  if (binary) in.push_back(Array::from(std::vector<T>(n, static_cast<T>(g.y))));
  for (Precision prec : {Precision::Precise, Precision::Fast}) {
    for (int w : {1, 4, 16}) {
      lanes::JitOptions o;
      o.precision = prec;
      o.vector_width = w;
      Array out = lanes::internal::compile_cpu(p, o)->run(in).at(0);
      auto got = out.data<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        ASSERT_LE(static_cast<double>(ulp_error<T>(got[i], g.exact)), 1.01)
            << lanes::internal::scalar_op_name(g.op) << (sizeof(T) == 4 ? " f32" : " f64")
            << " x=" << g.x << " y=" << g.y << " W=" << w << " element " << i << ": got " << got[i];
      }
    }
  }
}

TEST(VectorMathGuards, PointsWhereProvidersFailed) {
  const double dmax = std::numeric_limits<double>::max();
  const double fmax = std::numeric_limits<float>::max();
  const float fmin = std::numeric_limits<float>::min();
  const long double ln2 = std::log(2.0L);
  const GuardPoint points[] = {
      // asinh(x) = sign(x) (ln 2 + ln|x|) + O(1 / x^2) for huge |x|; acosh alike.
      {ScalarOp::Asinh, false, 1e200, 0, ln2 + std::log(1e200L)},
      {ScalarOp::Asinh, false, -dmax, 0, -(ln2 + std::log(static_cast<long double>(dmax)))},
      {ScalarOp::Acosh, false, 1e300, 0, ln2 + std::log(1e300L)},
      {ScalarOp::Asinh, true, -1e38, 0, -(ln2 + std::log(static_cast<long double>(1e38f)))},
      {ScalarOp::Acosh, true, fmax, 0, ln2 + std::log(static_cast<long double>(fmax))},
      // log1p(x) = ln x + 1/x - ...: ln x for x this large.
      {ScalarOp::Log1p, false, 1e308, 0, std::log(1e308L)},
      {ScalarOp::Log1p, true, 3e38, 0, std::log(static_cast<long double>(3e38f))},
      // pow(max, 1) = max.
      {ScalarOp::Pow, false, dmax, 1, dmax},
      // sinh(x) = e^x / 2 (e^-x is far below an ULP): finite up to 710.47 / 89.41.
      {ScalarOp::Sinh, false, 710, 0, std::exp(710.0L) / 2},
      {ScalarOp::Cosh, false, -710, 0, std::exp(710.0L) / 2},
      {ScalarOp::Sinh, true, -89, 0, -std::exp(89.0L) / 2},
      {ScalarOp::Cosh, true, 88.7, 0, std::exp(static_cast<long double>(88.7f)) / 2},
      // exp just below ln(DBL_MAX) = 709.782712893384: finite (SLEEF gave inf).
      {ScalarOp::Exp, false, 709.7827120, 0, std::exp(static_cast<long double>(709.7827120))},
      {ScalarOp::Exp, false, 709.78271289338397, 0,
       std::exp(static_cast<long double>(709.78271289338397))},
      // atan2(y, x) = y / x for tiny y / x; erf(x) = 2x / sqrt(pi) for tiny x.
      {ScalarOp::Atan2, true, 2.1e-38, 1, static_cast<long double>(2.1e-38f)},
      {ScalarOp::Atan2, true, 4 * fmin, 3, 4.0L * fmin / 3},
      {ScalarOp::Erf, false, 3e-308, 0, 3e-308L * 2 / std::sqrt(std::acos(-1.0L))},
      {ScalarOp::Erf, true, 7e-39, 0,
       static_cast<long double>(7e-39f) * 2 / std::sqrt(std::acos(-1.0L))},
  };
  for (const GuardPoint& g : points) {
    if (g.f32) {
      check_point<float>(g);
    } else {
      check_point<double>(g);
    }
  }
}

// --- edges: where a result changes class (finite / inf, normal / subnormal / zero) ------
//
// The sweeps above sample every binade but can step over a narrow window in which a
// provider is wrong (SLEEF's exp returned inf for x in (709.78271114955743,
// 709.78271289338400], about 1.5e7 doubles, where exp is finite). Here each edge is found
// exactly, by bisection over the ordered values of T against the long double reference,
// and the points 0..16 and 2^4..2^(digits-1) ULPs on both sides of it are checked, with
// ±0, ±inf and NaN, at every width in both modes.

// The class of the reference result rounded to T: 0 NaN, 1 inf, 2 normal, 3 subnormal, 4 zero.
template <class T>
int result_class(long double r) {
  const T t = static_cast<T>(r);
  if (std::isnan(t)) return 0;
  if (std::isinf(t)) return 1;
  if (t == 0) return 4;
  return std::fabs(t) < std::numeric_limits<T>::min() ? 3 : 2;
}

// Ordered integer image of T (monotonic in the value, -0 and +0 adjacent).
template <class T>
std::int64_t ordered(T x) {
  if constexpr (sizeof(T) == 4) {
    const std::int32_t b = std::bit_cast<std::int32_t>(x);
    return b < 0 ? -static_cast<std::int64_t>(b & 0x7fffffff) - 1 : b;
  } else {
    const std::int64_t b = std::bit_cast<std::int64_t>(x);
    return b < 0 ? -(b & 0x7fffffffffffffffll) - 1 : b;
  }
}
template <class T>
T from_ordered(std::int64_t k) {
  if constexpr (sizeof(T) == 4) {
    const std::int32_t b =
        k < 0 ? static_cast<std::int32_t>((-(k + 1)) | 0x80000000ll) : static_cast<std::int32_t>(k);
    return std::bit_cast<float>(b);
  } else {
    const std::int64_t b =
        k < 0 ? static_cast<std::int64_t>(static_cast<std::uint64_t>(-(k + 1)) | (1ull << 63)) : k;
    return std::bit_cast<double>(b);
  }
}

// Adds to `out` the points around every class change of f along the sorted finite `xs`,
// and the specials.
template <class T, class F>
void edge_points(std::vector<T> xs, const F& f, std::vector<T>& out) {
  std::erase_if(xs, [](T x) { return !std::isfinite(x); });
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
    std::int64_t lo = ordered(xs[i]), hi = ordered(xs[i + 1]);
    const int clo = result_class<T>(f(from_ordered<T>(lo)));
    if (clo == result_class<T>(f(from_ordered<T>(hi)))) continue;
    while (hi - lo > 1) {  // keep class(lo) = clo != class(hi)
      const std::int64_t mid = lo + (hi - lo) / 2;
      (result_class<T>(f(from_ordered<T>(mid))) == clo ? lo : hi) = mid;
    }
    for (std::int64_t e : {lo, hi}) {
      for (std::int64_t d = 0; d <= 16; ++d) {
        out.push_back(from_ordered<T>(e - d));
        out.push_back(from_ordered<T>(e + d));
      }
      for (int j = 4; j < std::numeric_limits<T>::digits; ++j) {
        out.push_back(from_ordered<T>(e - (std::int64_t{1} << j)));
        out.push_back(from_ordered<T>(e + (std::int64_t{1} << j)));
      }
    }
  }
  std::erase_if(out, [](T x) { return std::isnan(x); });  // ordered images past +-inf
  using L = std::numeric_limits<T>;
  for (T x : {T(0), T(-0.0), L::infinity(), -L::infinity(), L::quiet_NaN(), L::denorm_min(),
              -L::denorm_min(), L::min(), -L::min(), L::max(), -L::max()}) {
    out.push_back(x);
  }
}

template <class T>
void check_edges(const MathCase& c) {
  std::vector<T> xs, ys;
  const std::vector<T> base = sweep<T>(c.lo, c.hi);
  if (!c.binary) {
    edge_points<T>(
        base, [&](T x) { return c.ref1(x); }, xs);
    check_inputs<T>(c, xs, ys, {1, 2, 4, 8, 16});
    return;
  }
  // Binary: edges along x for fixed y, and along y for fixed x.
  const std::vector<T> fixed = {T(2),   T(0.5),  T(-1),   T(3),    T(1.5),   T(-2.5),  T(10),
                                T(100), T(-100), T(1e-3), T(1e10), T(1e-30), T(0.999), T(1.0001)};
  for (T f : fixed) {
    std::vector<T> px, py;
    edge_points<T>(
        base, [&](T x) { return c.ref2(x, f); }, px);
    ys.insert(ys.end(), px.size(), f);
    xs.insert(xs.end(), px.begin(), px.end());
    edge_points<T>(
        base, [&](T y) { return c.ref2(f, y); }, py);
    xs.insert(xs.end(), py.size(), f);
    ys.insert(ys.end(), py.begin(), py.end());
  }
  check_inputs<T>(c, xs, ys, {1, 2, 4, 8, 16});
}

class VectorMathEdges : public ::testing::TestWithParam<int> {};

TEST_P(VectorMathEdges, F64AtOverflowAndUnderflowEdges) { check_edges<double>(kCases[GetParam()]); }
TEST_P(VectorMathEdges, F32AtOverflowAndUnderflowEdges) { check_edges<float>(kCases[GetParam()]); }

INSTANTIATE_TEST_SUITE_P(AllFunctions, VectorMathEdges,
                         ::testing::Range(0, static_cast<int>(std::size(kCases))),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(kCases[i.param].name);
                         });

class VectorMath : public ::testing::TestWithParam<int> {};

TEST_P(VectorMath, F64WithinDocumentedBound) {
  check_case<double>(kCases[GetParam()], {1, 2, 4, 8});
}
TEST_P(VectorMath, F32WithinDocumentedBound) {
  check_case<float>(kCases[GetParam()], {1, 4, 8, 16});
}

INSTANTIATE_TEST_SUITE_P(AllFunctions, VectorMath,
                         ::testing::Range(0, static_cast<int>(std::size(kCases))),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(kCases[i.param].name);
                         });

}  // namespace

namespace lanes::internal {
namespace {

// Fast mode's providers are reachable by the JIT: libmvec (linked --no-as-needed) and
// liblanes' Highway exports.
TEST(VectorMathProviders, FastModeSymbolsResolve) {
  EXPECT_TRUE(cpu::jit_can_resolve("_ZGVbN2v_sin"));
  EXPECT_TRUE(cpu::jit_can_resolve("_ZGVdN8v_logf"));
  EXPECT_TRUE(cpu::jit_can_resolve("_ZGVeN8vv_pow"));
  EXPECT_TRUE(cpu::jit_can_resolve("lanes_hwy_atanh_d4"));
  EXPECT_TRUE(cpu::jit_can_resolve("lanes_hwy_sin_f16"));
  EXPECT_FALSE(cpu::jit_can_resolve("lanes_hwy_tan_d4"));  // Highway has no Tan
}

}  // namespace
}  // namespace lanes::internal
