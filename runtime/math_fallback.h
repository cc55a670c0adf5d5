// Scalar fallbacks for the lanes where a vector math provider breaks its ULP bound
// (docs/precision.md, "Guards"). The JIT calls them by symbol from a cold block that
// runs only when some lane of a vector is out of the provider's range:
//
//   double lanes_math_fallback_<fn>_d(double x, double y)   (y ignored when unary)
//   float  lanes_math_fallback_<fn>_f(float x, float y)
//   void   lanes_math_fix_lanes_<d|f>(fallback, n, bad, x, y, r)
//
// for fn in sinh cosh asinh acosh log1p erf erfc exp pow atan2. Each fallback evaluates the
// function in long double (64-bit significand) and rounds once to the result type, so
// its error is 0.5 ULP plus glibc's long double error scaled by 2^-11 (f64) / 2^-40 (f32).
#pragma once

#include <vector>

#include "runtime/runtime_symbols.h"

namespace lanes::internal {
// Appends every function above, for the JIT to resolve.
void append_math_fallback_symbols(std::vector<RuntimeSymbol>* out);
}  // namespace lanes::internal

extern "C" {
double lanes_math_fallback_sinh_d(double x, double);
float lanes_math_fallback_sinh_f(float x, float);
double lanes_math_fallback_cosh_d(double x, double);
float lanes_math_fallback_cosh_f(float x, float);
double lanes_math_fallback_asinh_d(double x, double);
float lanes_math_fallback_asinh_f(float x, float);
double lanes_math_fallback_acosh_d(double x, double);
float lanes_math_fallback_acosh_f(float x, float);
double lanes_math_fallback_log1p_d(double x, double);
float lanes_math_fallback_log1p_f(float x, float);
double lanes_math_fallback_erf_d(double x, double);
float lanes_math_fallback_erf_f(float x, float);
double lanes_math_fallback_erfc_d(double x, double);
float lanes_math_fallback_erfc_f(float x, float);
double lanes_math_fallback_exp_d(double x, double);
float lanes_math_fallback_exp_f(float x, float);
double lanes_math_fallback_pow_d(double x, double y);
float lanes_math_fallback_pow_f(float x, float y);
double lanes_math_fallback_atan2_d(double y, double x);
float lanes_math_fallback_atan2_f(float y, float x);

// r[i] = fallback(x[i], y[i]) for each i < n with bad[i] != 0 (y null when unary).
void lanes_math_fix_lanes_d(double (*fallback)(double, double), int n, const unsigned char* bad,
                            const double* x, const double* y, double* r);
void lanes_math_fix_lanes_f(float (*fallback)(float, float), int n, const unsigned char* bad,
                            const float* x, const float* y, float* r);
}
