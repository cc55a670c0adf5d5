// Long double scalar fallbacks for out-of-range math lanes (see math_fallback.h).
#include "runtime/math_fallback.h"

#include <cmath>

namespace {

template <class T>
using Fallback = T (*)(T, T);

// r[i] = f(x[i], y[i]) for the lanes with bad[i] != 0; the other lanes keep the
// provider's result. y may be null for unary functions.
template <class T>
void fix_lanes(Fallback<T> f, int n, const unsigned char* bad, const T* x, const T* y, T* r) {
  for (int i = 0; i < n; ++i) {
    if (bad[i] != 0) r[i] = f(x[i], y != nullptr ? y[i] : T(0));
  }
}

}  // namespace

// Every fallback: X(fn, arity).
#define LANES_FALLBACK_FUNCTIONS(X) \
  X(sinh, UNARY)                    \
  X(cosh, UNARY)                    \
  X(asinh, UNARY)                   \
  X(acosh, UNARY)                   \
  X(log1p, UNARY)                   \
  X(erf, UNARY)                     \
  X(erfc, UNARY)                    \
  X(exp, UNARY)                     \
  X(pow, BINARY)                    \
  X(atan2, BINARY)

#define LANES_FALLBACK_UNARY(fn)                                     \
  extern "C" double lanes_math_fallback_##fn##_d(double x, double) { \
    return static_cast<double>(fn##l(x));                            \
  }                                                                  \
  extern "C" float lanes_math_fallback_##fn##_f(float x, float) {    \
    return static_cast<float>(fn##l(x));                             \
  }
#define LANES_FALLBACK_BINARY(fn)                                      \
  extern "C" double lanes_math_fallback_##fn##_d(double x, double y) { \
    return static_cast<double>(fn##l(x, y));                           \
  }                                                                    \
  extern "C" float lanes_math_fallback_##fn##_f(float x, float y) {    \
    return static_cast<float>(fn##l(x, y));                            \
  }

#define LANES_FALLBACK_DEFINE(fn, ARITY) LANES_FALLBACK_##ARITY(fn)
LANES_FALLBACK_FUNCTIONS(LANES_FALLBACK_DEFINE)
#undef LANES_FALLBACK_DEFINE

#undef LANES_FALLBACK_UNARY
#undef LANES_FALLBACK_BINARY

extern "C" void lanes_math_fix_lanes_d(Fallback<double> f, int n, const unsigned char* bad,
                                       const double* x, const double* y, double* r) {
  fix_lanes(f, n, bad, x, y, r);
}

extern "C" void lanes_math_fix_lanes_f(Fallback<float> f, int n, const unsigned char* bad,
                                       const float* x, const float* y, float* r) {
  fix_lanes(f, n, bad, x, y, r);
}

namespace lanes::internal {

void append_math_fallback_symbols(std::vector<RuntimeSymbol>* out) {
#define LANES_FALLBACK_SYMBOLS(fn, ARITY)                                                       \
  out->push_back({"lanes_math_fallback_" #fn "_d", reinterpret_cast<void*>(&lanes_math_fallback_##fn##_d)}); \
  out->push_back({"lanes_math_fallback_" #fn "_f", reinterpret_cast<void*>(&lanes_math_fallback_##fn##_f)});
  LANES_FALLBACK_FUNCTIONS(LANES_FALLBACK_SYMBOLS)
#undef LANES_FALLBACK_SYMBOLS
  out->push_back({"lanes_math_fix_lanes_d", reinterpret_cast<void*>(&lanes_math_fix_lanes_d)});
  out->push_back({"lanes_math_fix_lanes_f", reinterpret_cast<void*>(&lanes_math_fix_lanes_f)});
}

}  // namespace lanes::internal
