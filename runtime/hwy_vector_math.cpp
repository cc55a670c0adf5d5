// Highway contrib math behind a C vector ABI (see hwy_vector_math.h). This file is
// compiled once per Highway target by foreach_target.h; only the AVX2 and AVX3 passes
// define functions, with the target's attributes, so liblanes itself needs no -march.
//
// Both passes are compiled whatever -march liblanes is built with: Highway's default policy
// drops the targets below the baseline (-march=x86-64-v4 would lose AVX2), and Highway
// 1.0.3 misses AVX3_DL baselines (-march=sapphirerapids, or AVX-512 with AVX-VNNI:
// detect_targets.h stops with "best baseline should be included in dynamic targets")
// unless AVX3_DL is wanted. tests/build/march_check.sh compiles this file per -march.
#define HWY_COMPILE_ALL_ATTAINABLE
#define HWY_WANT_AVX3_DL
#include "runtime/hwy_vector_math.h"

#include <immintrin.h>

#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/hwy_vector_math.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// foreach_target.h must come first: it re-includes this file per target.
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

// Every function, with its valid range for floats (LO_F, HI_F) and doubles (LO_D, HI_D).
// Valid ranges from the comments in hwy/contrib/math/math-inl.h (Highway 1.0.3),
// narrowed where tests/unit/vector_math_test.cpp found the bound not to hold.
#ifndef LANES_HWY_FUNCTIONS  // this file is included once per Highway target
#define LANES_HWY_FUNCTIONS(X)                                  \
  X(acos, Acos, -1, 1, -1, 1)                                   \
  X(acosh, Acosh, 1, kFMax, 1, kDMax)                           \
  X(asin, Asin, -1, 1, -1, 1)                                   \
  X(asinh, Asinh, -kFMax, kFMax, -kDMax, kDMax)                 \
  X(atan, Atan, -kFMax, kFMax, -kDMax, kDMax)                   \
  X(atanh, Atanh, -kFBelow1, kFBelow1, -kDBelow1, kDBelow1)     \
  X(cos, Cos, -39000, 39000, -39000, 39000)                     \
  X(exp, Exp, -kFMax, 104, -kDMax, 706)                         \
  X(expm1, Expm1, -kFMax, 104, -kDMax, 706)                     \
  X(log, Log, kFMin, kFMax, kDMin, kDMax)                       \
  X(log10, Log10, kFMin, kFMax, kDMin, kDMax)                   \
  X(log1p, Log1p, 0, kFMax, 0, kDMax)                           \
  X(log2, Log2, kFMin, kFMax, kDMin, kDMax)                     \
  X(sin, Sin, -39000, 39000, -39000, 39000)                     \
  X(sinh, Sinh, -88.7228, 88.7228, -709, 709)                   \
  X(tanh, Tanh, -kFMax, kFMax, -kDMax, kDMax)
#endif

HWY_BEFORE_NAMESPACE();
namespace lanes::hwy_math::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3

// Highway's result where lo <= x <= hi, the fallback's (SLEEF u10) elsewhere. The
// fallback runs only for vectors with an out-of-range lane, so the common case costs
// two compares and a branch.
template <class D, class Fallback>
HWY_INLINE hn::VFromD<D> Guard(D d, hn::VFromD<D> x, hn::VFromD<D> y, double lo, double hi,
                               Fallback fallback) {
  using T = hn::TFromD<D>;
  const auto ok = hn::And(x >= hn::Set(d, static_cast<T>(lo)), x <= hn::Set(d, static_cast<T>(hi)));
  if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
  return hn::IfThenElse(ok, y, fallback(x));
}

constexpr double kDMax = std::numeric_limits<double>::max();
constexpr double kFMax = std::numeric_limits<float>::max();
constexpr double kDMin = std::numeric_limits<double>::min();  // smallest normal
constexpr double kFMin = std::numeric_limits<float>::min();
// Largest value below 1 in each type: atanh's range is open at +-1.
constexpr double kDBelow1 = 1.0 - 0x1p-53;
constexpr double kFBelow1 = 1.0 - 0x1p-24;

// One function: lanes_hwy_<name>_<d|f><N>(RAW) of Highway's FN on the vector
// type VEC / tag TAG, falling back to SLEEF's Sleef_<name><d|f><N>_u10<ISA>.
#define LANES_HWY_ONE(name, FN, RAW, VEC, TAG, SFX, N, ISA, LO, HI)                 \
  extern "C" RAW Sleef_##name##SFX##N##_u10##ISA(RAW);                              \
  extern "C" RAW lanes_hwy_##name##_##SFX##N(RAW raw) {                             \
    const TAG d;                                                                    \
    const VEC x{raw};                                                               \
    return Guard(d, x, hn::FN(d, x), LO, HI,                                        \
                 [](VEC v) { return VEC{Sleef_##name##SFX##N##_u10##ISA(v.raw)}; }) \
        .raw;                                                                       \
  }

// This target's vector sizes: D for doubles, F for floats.
#if HWY_TARGET == HWY_AVX2
#define LANES_HWY_FN(name, FN, LO_F, HI_F, LO_D, HI_D)                                        \
  LANES_HWY_ONE(name, FN, __m256d, hn::Vec256<double>, hn::Full256<double>, d, 4, avx2, LO_D, \
                HI_D)                                                                         \
  LANES_HWY_ONE(name, FN, __m256, hn::Vec256<float>, hn::Full256<float>, f, 8, avx2, LO_F, HI_F)
#else
#define LANES_HWY_FN(name, FN, LO_F, HI_F, LO_D, HI_D)                                           \
  LANES_HWY_ONE(name, FN, __m512d, hn::Vec512<double>, hn::Full512<double>, d, 8, avx512f, LO_D, \
                HI_D)                                                                            \
  LANES_HWY_ONE(name, FN, __m512, hn::Vec512<float>, hn::Full512<float>, f, 16, avx512f, LO_F, HI_F)
#endif

LANES_HWY_FUNCTIONS(LANES_HWY_FN)

#undef LANES_HWY_FN
#undef LANES_HWY_ONE

#endif  // HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3

}  // namespace lanes::hwy_math::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lanes::internal {

// clang chooses how a function takes __m256d/__m512d arguments from the translation
// unit's baseline ISA, not from the function's target attribute: without -mavx it
// passes them in memory, while the JIT's calls pass them in registers (found by
// jit_vs_interp_fuzz in the clang fuzz build: a crash in lanes_hwy_atanh_d4). g++ uses
// the function's attribute. Such a build leaves these functions to SLEEF.
#if defined(__clang__) && !defined(__AVX__)
constexpr bool kVec256InRegisters = false;
#else
constexpr bool kVec256InRegisters = true;
#endif
#if defined(__clang__) && !defined(__AVX512F__)
constexpr bool kVec512InRegisters = false;
#else
constexpr bool kVec512InRegisters = true;
#endif

// The table is built here, in baseline code: only the functions' addresses are taken.
void append_hwy_math_symbols(std::vector<RuntimeSymbol>* out) {
#define LANES_HWY_SYMBOL(NS, name, SUFFIX)           \
  out->push_back({"lanes_hwy_" #name "_" #SUFFIX, \
                  reinterpret_cast<void*>(&hwy_math::NS::lanes_hwy_##name##_##SUFFIX)});
#if HWY_TARGETS & HWY_AVX2
#define LANES_HWY_AVX2_SYMBOLS(name, ...) \
  LANES_HWY_SYMBOL(N_AVX2, name, d4) LANES_HWY_SYMBOL(N_AVX2, name, f8)
  LANES_HWY_FUNCTIONS(LANES_HWY_AVX2_SYMBOLS)
#undef LANES_HWY_AVX2_SYMBOLS
#endif
#if HWY_TARGETS & HWY_AVX3
#define LANES_HWY_AVX3_SYMBOLS(name, ...) \
  LANES_HWY_SYMBOL(N_AVX3, name, d8) LANES_HWY_SYMBOL(N_AVX3, name, f16)
  LANES_HWY_FUNCTIONS(LANES_HWY_AVX3_SYMBOLS)
#undef LANES_HWY_AVX3_SYMBOLS
#endif
#undef LANES_HWY_SYMBOL
}

bool hwy_math_available(int vector_bytes) {
  const std::int64_t supported = hwy::SupportedTargets();
  if (vector_bytes == 32) return kVec256InRegisters && (supported & HWY_AVX2) != 0;
  if (vector_bytes == 64) return kVec512InRegisters && (supported & HWY_AVX3) != 0;
  return false;
}

}  // namespace lanes::internal
#endif  // HWY_ONCE
