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

#include <cmath>
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
  // Largest finite |x| swept: SLEEF's documented domain where it is narrower than T's.
  double amax64 = std::numeric_limits<double>::max(), amax32 = std::numeric_limits<float>::max();
};

#define UNARY(fn, Op, lo, hi, precise, fast, ...)                                               \
  {                                                                                             \
#fn, ScalarOp::Op, false, [](long double x) { return fn##l(x); }, nullptr, lo, hi, precise, \
                                                                   fast, __VA_ARGS__            \
  }
#define BINARY(fn, Op, lo, hi, precise, fast, ...)                                       \
  {                                                                                      \
#fn, ScalarOp::Op, true, nullptr,                                                    \
        [](long double x, long double y) { return fn##l(x, y); }, lo, hi, precise, fast, \
                                                               __VA_ARGS__               \
  }

const MathCase kCases[] = {
    UNARY(sin, Sin, -10, 10, 1, 4),
    UNARY(cos, Cos, -10, 10, 1, 4),
    UNARY(tan, Tan, -1.6, 1.6, 1, 4),
    UNARY(asin, Asin, -1, 1, 1, 3.5),
    UNARY(acos, Acos, -1, 1, 1, 4),
    UNARY(atan, Atan, -20, 20, 1, 4),
    UNARY(sinh, Sinh, -88, 88, 1, 4),
    UNARY(cosh, Cosh, -88, 88, 1, 4),
    UNARY(tanh, Tanh, -10, 10, 1, 4),
    UNARY(asinh, Asinh, -100, 100, 1, 4, 1e154, 1.8e19),
    UNARY(acosh, Acosh, 1, 100, 1, 4, 1e154, 1.8e19),
    UNARY(atanh, Atanh, -1, 1, 1, 4),
    UNARY(exp, Exp, -104, 90, 1, 4),
    UNARY(exp2, Exp2, -150, 130, 1, 4),
    UNARY(expm1, Expm1, -20, 90, 1, 4),
    UNARY(log, Log, 0, 100, 1, 4),
    UNARY(log2, Log2, 0, 100, 1, 4),
    UNARY(log10, Log10, 0, 100, 1, 4),
    UNARY(log1p, Log1p, -1, 100, 1, 4, 1e307, 1e38),
    UNARY(cbrt, Cbrt, -100, 100, 1, 4),
    UNARY(erf, Erf, -6, 6, 1, 4),
    UNARY(erfc, Erfc, -6, 30, 1.5, 4),
    BINARY(pow, Pow, -4, 8, 1, 4, 1e307),
    BINARY(atan2, Atan2, -5, 5, 1, 4),
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

// The sweep for T: linear over [lo, hi], then +-2^(k/8) over every binade, then specials.
template <class T>
std::vector<T> sweep(double lo, double hi, double amax) {
  std::vector<T> v;
  const int n = 1500;
  for (int i = 0; i <= n; ++i) v.push_back(static_cast<T>(lo + (hi - lo) * i / n));
  const int emin = std::numeric_limits<T>::min_exponent - std::numeric_limits<T>::digits;
  const int emax = std::numeric_limits<T>::max_exponent;
  const int step = sizeof(T) == 4 ? 2 : 8;  // f64 has 8x the binades: keep sizes close
  for (int k = 8 * emin; k < 8 * emax; k += step) {
    T x = static_cast<T>(std::exp2(k / 8.0L));
    if (std::isfinite(x) && x != 0 && x <= amax) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  using L = std::numeric_limits<T>;
  for (T s : {T(0), T(-0.0), L::infinity(), -L::infinity(), L::quiet_NaN(), L::denorm_min(),
              -L::denorm_min(), L::min(), -L::min(), T(1), T(-1), std::nextafter(T(1), T(0)),
              std::nextafter(T(-1), T(0)), T(0.5), T(-0.5), T(1e5), T(-1e5), T(3.14159265358979),
              T(1.5707963267948966)}) {
    v.push_back(s);
  }
  return v;
}

// |got - exact| in ULPs of T at the exact value; infinity for a wrong NaN/inf/sign.
template <class T>
long double ulp_error(T got, long double exact) {
  if (std::isnan(exact)) return std::isnan(got) ? 0 : INFINITY;
  if (std::isnan(got)) return INFINITY;
  const T rounded = static_cast<T>(exact);
  if (std::isinf(rounded) || std::isinf(got)) {
    if (got == rounded) return 0;
    // A finite exact value just above max may round to inf: measure from max.
    if (!std::isinf(got)) return INFINITY;
    exact = std::copysign(static_cast<long double>(std::numeric_limits<T>::max()), exact);
    return std::fabs(static_cast<long double>(got) - exact) >
                   std::ldexp(1.0L,
                              std::numeric_limits<T>::max_exponent - std::numeric_limits<T>::digits)
               ? INFINITY
               : 1;
  }
  const long double a = std::fabs(exact);
  const int e =
      a < std::numeric_limits<T>::min() ? std::numeric_limits<T>::min_exponent - 1 : std::ilogb(a);
  const long double ulp = std::ldexp(1.0L, e - (std::numeric_limits<T>::digits - 1));
  return std::fabs(static_cast<long double>(got) - exact) / ulp;
}

template <class T>
void check_case(const MathCase& c, const std::vector<int>& widths) {
  std::vector<T> xs = sweep<T>(c.lo, c.hi, sizeof(T) == 4 ? c.amax32 : c.amax64), ys;
  if (c.binary) {
    // A grid: every x against a spread of y (and the specials).
    std::vector<T> yv = {T(0),
                         T(-0.0),
                         T(0.5),
                         T(-0.5),
                         T(1),
                         T(-1),
                         T(2),
                         T(-3),
                         T(2.5),
                         T(10),
                         T(-7.25),
                         T(1e-3),
                         T(100),
                         std::numeric_limits<T>::infinity(),
                         -std::numeric_limits<T>::infinity(),
                         std::numeric_limits<T>::quiet_NaN()};
    std::vector<T> gx;
    for (T y : yv) {
      for (std::size_t i = 0; i < xs.size(); i += 3) {
        gx.push_back(xs[i]);
        ys.push_back(y);
      }
    }
    xs = gx;
  }
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
    const double bound = prec == Precision::Precise ? c.precise : c.fast;
    for (int w : widths) {
      lanes::JitOptions o;
      o.precision = prec;
      o.vector_width = w;
      Array out = lanes::internal::compile_cpu(p, o)->run(in).at(0);
      auto got = out.data<T>();
      long double worst = 0;
      std::size_t at = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        // SLEEF states its f32 bounds for normal results; atan2f also exceeds 1 ULP just
        // above FLT_MIN (1.24 ULP at 2.1e-38): f32 results below 4 * FLT_MIN are skipped.
        if (sizeof(T) == 4 && exact[i] != 0 &&
            std::fabs(exact[i]) < 4 * std::numeric_limits<float>::min())
          continue;
        long double err = ulp_error<T>(got[i], exact[i]);
        if (!(err <= worst)) {
          worst = err;
          at = i;
        }
      }
      // The long double reference is ~2^-11 ULP (f64) off at worst: 0.01 of slack.
      EXPECT_LE(static_cast<double>(worst), bound + 0.01)
          << c.name << (sizeof(T) == 4 ? " f32" : " f64") << " W=" << w
          << (prec == Precision::Fast ? " fast" : " precise") << ": at x=" << xs[at]
          << (c.binary ? " y=" + std::to_string(ys[at]) : std::string()) << " got " << got[at]
          << " exact " << static_cast<double>(exact[at]);
    }
  }
}

class VectorMath : public ::testing::TestWithParam<int> {};

TEST_P(VectorMath, F64WithinDocumentedBound) { check_case<double>(kCases[GetParam()], {1, 4, 8}); }
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
