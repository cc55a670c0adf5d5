// Which library computes each transcendental in Precision::Fast, per dtype and vector
// size: the fastest provider within the 4-ULP budget, as measured by
// bench/math_providers_bench.cpp (table and numbers in docs/precision.md). Data only:
// scalar_codegen.cpp turns an entry into a symbol name.
//
// Precise mode is not in the table: it always calls SLEEF's u10 functions (u15 erfc).
// The second table, kMathGuards, names the providers whose results are patched on part
// of the domain (see "guards" below).
#pragma once

#include <lanes/dtype.h>

#include "codegen/scalar_op.h"

namespace lanes::internal::cpu {

enum class MathProvider : unsigned char {
  Sleef,    // SLEEF's Fast variant: u35 where SLEEF has one, else u10 (u15 for erfc)
  Libmvec,  // glibc's libmvec, _ZGV{b,d,e}N<W>v_<fn>: 4 ULP
  Hwy,      // Highway contrib math in liblanes, lanes_hwy_<fn>_<d|f><W>: <= 4 ULP
};

struct FastMathRow {
  ScalarOp op;
  // Index 0, 1, 2: vectors of 16 (SSE), 32 (AVX2) and 64 (AVX-512) bytes.
  MathProvider f64[3];
  MathProvider f32[3];
};

namespace fast_math_table {
constexpr MathProvider S = MathProvider::Sleef;
constexpr MathProvider M = MathProvider::Libmvec;
constexpr MathProvider H = MathProvider::Hwy;

// Measured on an AMD EPYC with AVX-512 (Debian 12: glibc 2.36, SLEEF 3.5.1, Highway
// 1.0.3), median of 5 runs. Highway exists only at 32 and 64 bytes (liblanes builds its
// AVX2 and AVX3 targets); a function missing from Highway never names H.
inline constexpr FastMathRow kFastMathTable[] = {
    // {op, f64 at {16, 32, 64} bytes, f32 at {16, 32, 64} bytes}
    {ScalarOp::Acos, {S, S, S}, {S, M, S}},  {ScalarOp::Acosh, {M, H, M}, {M, M, M}},
    {ScalarOp::Asin, {S, S, S}, {S, S, S}},  {ScalarOp::Asinh, {M, H, M}, {M, M, M}},
    {ScalarOp::Atan, {M, M, M}, {S, M, S}},  {ScalarOp::Atan2, {S, M, M}, {M, M, S}},
    {ScalarOp::Atanh, {M, H, M}, {M, H, M}}, {ScalarOp::Cbrt, {M, M, M}, {M, S, M}},
    {ScalarOp::Cos, {M, M, M}, {S, M, S}},   {ScalarOp::Cosh, {M, M, M}, {M, M, M}},
    {ScalarOp::Erf, {M, M, M}, {M, M, M}},   {ScalarOp::Erfc, {M, M, M}, {M, M, M}},
    {ScalarOp::Exp, {M, M, M}, {M, M, S}},   {ScalarOp::Exp2, {M, M, M}, {M, M, S}},
    {ScalarOp::Expm1, {M, M, M}, {M, M, M}}, {ScalarOp::Log, {M, M, S}, {M, M, S}},
    {ScalarOp::Log10, {M, M, M}, {M, M, M}}, {ScalarOp::Log1p, {M, M, M}, {M, M, M}},
    {ScalarOp::Log2, {M, M, S}, {M, M, M}},  {ScalarOp::Pow, {M, M, M}, {M, M, M}},
    {ScalarOp::Sin, {M, M, M}, {S, M, S}},   {ScalarOp::Sinh, {M, M, M}, {M, M, M}},
    {ScalarOp::Tan, {M, M, M}, {S, M, S}},   {ScalarOp::Tanh, {M, M, S}, {M, M, M}},
};

}  // namespace fast_math_table

// The Fast provider of `op` on `dtype` vectors of `bytes` (16, 32, 64); Sleef when the
// table has no entry. The caller still checks that the host can run the provider.
constexpr MathProvider fast_math_provider(ScalarOp op, DType dtype, int bytes) {
  const int i = bytes == 16 ? 0 : bytes == 32 ? 1 : bytes == 64 ? 2 : -1;
  if (i < 0) return MathProvider::Sleef;
  for (const FastMathRow& row : fast_math_table::kFastMathTable) {
    if (row.op == op) return dtype == DType::F32 ? row.f32[i] : row.f64[i];
  }
  return MathProvider::Sleef;
}

// --- guards ---------------------------------------------------------------------------
//
// Where a provider breaks its bound on part of the domain (found by the whole-domain
// sweep of tests/unit/vector_math_test.cpp), scalar_codegen.cpp tests each vector for lanes
// in that region (guard_lanes) and recomputes them with liblanes' long double fallback
// (runtime/math_fallback.h). A row names the providers that need it, per dtype; a
// provider the table above never picks for a function counts as needing the guard when
// it is untested. Regions and measurements are in docs/precision.md, "Guards".

struct MathGuardRow {
  ScalarOp op;
  // Bits: 1 = SLEEF (every width and accuracy variant), 2 = libmvec, 4 = Highway.
  unsigned char f64;
  unsigned char f32;
  bool precise_only;  // the provider is within the Fast bound, only the Precise one fails
};

namespace math_guard_table {
constexpr unsigned char kSleef = 1, kLibmvec = 2, kHwy = 4, kAll = 7;

inline constexpr MathGuardRow kMathGuards[] = {
    // SLEEF overflows early (|x| > 709.78 / 88.5); so does libmvec's AVX-512 sinhf/coshf.
    {ScalarOp::Sinh, kSleef, kSleef | kLibmvec, false},
    {ScalarOp::Cosh, kSleef, kSleef | kLibmvec, false},
    // inf for huge |x|: SLEEF from 1.34e154 / 1.8e19, libmvec and Highway near -DBL_MAX.
    {ScalarOp::Asinh, kAll, kAll, false},
    {ScalarOp::Acosh, kSleef, kSleef, false},
    {ScalarOp::Log1p, kSleef | kHwy, kSleef | kHwy, false},
    // SLEEF's f64 exp is inf from x = 709.78271114955743, below the true overflow at
    // 709.78271289338400 (about 1.5e7 doubles); libmvec and f32 exp are right there.
    {ScalarOp::Exp, kSleef, 0, false},
    // pow(DBL_MAX, 1) = inf.
    {ScalarOp::Pow, kSleef, 0, false},
    // u10 above 1 ULP for tiny results (erf of tiny x, atan2 below 4 * the smallest normal).
    {ScalarOp::Erf, kSleef, kSleef, true},
    {ScalarOp::Atan2, kSleef, kSleef, true},
    // u15 erfc is up to 1.6 ULP where the result nears the smallest normal.
    {ScalarOp::Erfc, kSleef, kSleef, true},
};
}  // namespace math_guard_table

// Whether the guard of `op` must run after `provider` computed it on `dtype`.
constexpr bool math_guard_needed(ScalarOp op, DType dtype, MathProvider provider, bool precise) {
  using namespace math_guard_table;
  const unsigned char bit = provider == MathProvider::Sleef     ? kSleef
                            : provider == MathProvider::Libmvec ? kLibmvec
                                                                : kHwy;
  for (const MathGuardRow& row : kMathGuards) {
    if (row.op != op) continue;
    if (row.precise_only && !precise) return false;
    return ((dtype == DType::F32 ? row.f32 : row.f64) & bit) != 0;
  }
  return false;
}

}  // namespace lanes::internal::cpu
