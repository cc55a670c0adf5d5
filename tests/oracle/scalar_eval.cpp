// scalar_eval: the scalar semantics of every ScalarOp, for the loop-IR reference
// interpreter (see loop_interpreter.h for the rules). Each dtype is computed in its own
// C++ type so that f32 results are float results, and integer arithmetic is done on
// unsigned values so that overflow wraps instead of being undefined.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "tests/oracle/loop_interpreter.h"

namespace lanes::internal {

namespace {

template <class T>
T get(const ScalarValue& v) {
  return is_float(v.dtype) ? static_cast<T>(v.f) : static_cast<T>(v.i);
}

template <class T>
ScalarValue put(T x) {
  ScalarValue r;
  r.dtype = dtype_of<T>();
  if constexpr (std::is_floating_point_v<T>) {
    r.f = static_cast<double>(x);
  } else {
    r.i = static_cast<std::int64_t>(x);
  }
  return r;
}

// Float -> integer: truncation, saturating at the integer range, NaN -> 0.
template <class I>
I saturating_cast(double x) {
  if (std::isnan(x)) return 0;
  constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
  constexpr double hi_excl = -lo;  // 2^31 or 2^63, exactly representable
  if (x <= lo) return std::numeric_limits<I>::min();
  if (x >= hi_excl) return std::numeric_limits<I>::max();
  return static_cast<I>(x);
}

ScalarValue convert(const ScalarValue& a, DType to) {
  switch (to) {
    case DType::Bool:
      return put<bool>(is_float(a.dtype) ? a.f != 0 : a.i != 0);
    case DType::F32:
      return put<float>(is_float(a.dtype) ? static_cast<float>(a.f) : static_cast<float>(a.i));
    case DType::F64:
      return put<double>(a.as_double());
    case DType::I32:
      if (is_float(a.dtype)) return put<std::int32_t>(saturating_cast<std::int32_t>(a.f));
      return put<std::int32_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(a.i)));
    case DType::I64:
      if (is_float(a.dtype)) return put<std::int64_t>(saturating_cast<std::int64_t>(a.f));
      return put<std::int64_t>(a.i);
  }
  throw InternalError("scalar_eval: bad dtype");
}

// The math functions are evaluated in double and rounded once to T (as the reference
// implementations do for f32).
double float_unary(ScalarOp op, double x) {
  switch (op) {
    case ScalarOp::Neg:
      return -x;
    case ScalarOp::Abs:
      return std::fabs(x);
    case ScalarOp::Sign:
      return x > 0 ? 1.0 : x < 0 ? -1.0 : x;  // keeps +-0 and NaN
    case ScalarOp::Sqrt:
      return std::sqrt(x);
    case ScalarOp::Rsqrt:
      return 1.0 / std::sqrt(x);
    case ScalarOp::Cbrt:
      return std::cbrt(x);
    case ScalarOp::Exp:
      return std::exp(x);
    case ScalarOp::Exp2:
      return std::exp2(x);
    case ScalarOp::Expm1:
      return std::expm1(x);
    case ScalarOp::Log:
      return std::log(x);
    case ScalarOp::Log2:
      return std::log2(x);
    case ScalarOp::Log10:
      return std::log10(x);
    case ScalarOp::Log1p:
      return std::log1p(x);
    case ScalarOp::Sin:
      return std::sin(x);
    case ScalarOp::Cos:
      return std::cos(x);
    case ScalarOp::Tan:
      return std::tan(x);
    case ScalarOp::Asin:
      return std::asin(x);
    case ScalarOp::Acos:
      return std::acos(x);
    case ScalarOp::Atan:
      return std::atan(x);
    case ScalarOp::Sinh:
      return std::sinh(x);
    case ScalarOp::Cosh:
      return std::cosh(x);
    case ScalarOp::Tanh:
      return std::tanh(x);
    case ScalarOp::Asinh:
      return std::asinh(x);
    case ScalarOp::Acosh:
      return std::acosh(x);
    case ScalarOp::Atanh:
      return std::atanh(x);
    case ScalarOp::Erf:
      return std::erf(x);
    case ScalarOp::Erfc:
      return std::erfc(x);
    case ScalarOp::Floor:
      return std::floor(x);
    case ScalarOp::Ceil:
      return std::ceil(x);
    case ScalarOp::Round:
      return std::round(x);  // half away from zero
    default:
      break;
  }
  throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                      " is not defined on floats");
}

template <class T>
T float_binary(ScalarOp op, T a, T b) {
  switch (op) {
    case ScalarOp::Add:
      return a + b;
    case ScalarOp::Sub:
      return a - b;
    case ScalarOp::Mul:
      return a * b;
    case ScalarOp::Div:
      return a / b;
    case ScalarOp::Rem:
      return std::fmod(a, b);
    case ScalarOp::Pow:
      return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case ScalarOp::Atan2:
      return static_cast<T>(std::atan2(static_cast<double>(a), static_cast<double>(b)));
    // NaN propagates (the first NaN operand itself); -0 orders below +0.
    case ScalarOp::Min:
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
      if (a == b) return std::signbit(a) ? a : b;
      return a < b ? a : b;
    case ScalarOp::Max:
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
      if (a == b) return std::signbit(a) ? b : a;
      return a > b ? a : b;
    default:
      break;
  }
  throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                      " is not a binary float operation");
}

// Integer power by squaring (wrapping); a negative exponent gives 1/a^-b truncated.
template <class T>
T int_pow(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b % 2 == 0) ? 1 : -1;
    return 0;
  }
  U result = 1;
  U base = static_cast<U>(a);
  while (b > 0) {
    if (b & 1) result = static_cast<U>(result * base);
    base = static_cast<U>(base * base);
    b = static_cast<T>(b >> 1);
  }
  return static_cast<T>(result);
}

template <class T>
T int_unary(ScalarOp op, T x) {
  using U = std::make_unsigned_t<T>;
  switch (op) {
    case ScalarOp::Neg:
      return static_cast<T>(U(0) - static_cast<U>(x));
    case ScalarOp::Abs:
      return x < 0 ? static_cast<T>(U(0) - static_cast<U>(x)) : x;
    case ScalarOp::Sign:
      return static_cast<T>(x > 0 ? 1 : x < 0 ? -1 : 0);
    case ScalarOp::Not:
      return static_cast<T>(~x);
    case ScalarOp::Floor:
    case ScalarOp::Ceil:
    case ScalarOp::Round:
      return x;
    default:
      break;
  }
  throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                      " is not defined on integers");
}

template <class T>
T int_binary(ScalarOp op, T a, T b) {
  using U = std::make_unsigned_t<T>;
  switch (op) {
    case ScalarOp::Add:
      return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
    case ScalarOp::Sub:
      return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
    case ScalarOp::Mul:
      return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
    case ScalarOp::Div:
      if (b == 0) return -1;
      if (b == -1) return static_cast<T>(U(0) - static_cast<U>(a));  // MIN / -1 wraps
      return static_cast<T>(a / b);
    case ScalarOp::Rem:
      if (b == 0) return a;
      if (b == -1) return 0;
      return static_cast<T>(a % b);
    case ScalarOp::Pow:
      return int_pow<T>(a, b);
    case ScalarOp::Min:
      return a < b ? a : b;
    case ScalarOp::Max:
      return a > b ? a : b;
    case ScalarOp::And:
      return static_cast<T>(a & b);
    case ScalarOp::Or:
      return static_cast<T>(a | b);
    case ScalarOp::Xor:
      return static_cast<T>(a ^ b);
    default:
      break;
  }
  throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                      " is not a binary integer operation");
}

bool bool_binary(ScalarOp op, bool a, bool b) {
  switch (op) {
    case ScalarOp::And:
    case ScalarOp::Mul:
    case ScalarOp::Min:
      return a && b;
    case ScalarOp::Or:
    case ScalarOp::Add:
    case ScalarOp::Max:
      return a || b;
    case ScalarOp::Xor:
    case ScalarOp::Ne:
    case ScalarOp::Sub:
      return a != b;
    default:
      break;
  }
  throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                      " is not a binary bool operation");
}

template <class T>
bool compare(ScalarOp op, T a, T b) {
  switch (op) {
    case ScalarOp::Lt:
      return a < b;
    case ScalarOp::Le:
      return a <= b;
    case ScalarOp::Gt:
      return a > b;
    case ScalarOp::Ge:
      return a >= b;
    case ScalarOp::Eq:
      return a == b;
    case ScalarOp::Ne:
      return a != b;
    default:
      break;
  }
  throw InternalError("scalar_eval: not a comparison");
}

}  // namespace

ScalarValue ScalarValue::of(DType dtype, double v) {
  ScalarValue d;
  d.dtype = DType::F64;
  d.f = v;
  if (dtype == DType::I64) {
    // Literal integers are stored in doubles; a plain cast keeps exact values exact.
    ScalarValue r;
    r.dtype = dtype;
    r.i = static_cast<std::int64_t>(v);
    return r;
  }
  return convert(d, dtype);
}

ScalarValue scalar_eval(ScalarOp op, DType dtype, std::span<const ScalarValue> args) {
  int arity = scalar_op_arity(op);
  if (static_cast<int>(args.size()) != arity) {
    throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) + " takes " +
                        std::to_string(arity) + " operands, got " + std::to_string(args.size()));
  }
  if (op == ScalarOp::Convert) return convert(args[0], dtype);
  if (op == ScalarOp::Select) {
    bool pred = is_float(args[0].dtype) ? args[0].f != 0 : args[0].i != 0;
    return convert(pred ? args[1] : args[2], dtype);
  }
  DType in = args[0].dtype;
  if (scalar_op_is_comparison(op)) {
    return put<bool>(visit_dtype(in, [&](auto t) {
      using T = decltype(t);
      return compare<T>(op, get<T>(args[0]), get<T>(args[1]));
    }));
  }
  return visit_dtype(dtype, [&](auto t) -> ScalarValue {
    using T = decltype(t);
    if constexpr (std::is_same_v<T, bool>) {
      if (arity == 1) {
        if (op == ScalarOp::Not) return put<bool>(!get<bool>(args[0]));
        if (op == ScalarOp::Abs || op == ScalarOp::Sign || op == ScalarOp::Floor ||
            op == ScalarOp::Ceil || op == ScalarOp::Round) {
          return put<bool>(get<bool>(args[0]));
        }
        throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) +
                            " is not defined on bool");
      }
      return put<bool>(bool_binary(op, get<bool>(args[0]), get<bool>(args[1])));
    } else if constexpr (std::is_floating_point_v<T>) {
      if (arity == 1) {
        return put<T>(static_cast<T>(float_unary(op, static_cast<double>(get<T>(args[0])))));
      }
      return put<T>(float_binary<T>(op, get<T>(args[0]), get<T>(args[1])));
    } else {
      if (arity == 1) return put<T>(int_unary<T>(op, get<T>(args[0])));
      return put<T>(int_binary<T>(op, get<T>(args[0]), get<T>(args[1])));
    }
  });
}

}  // namespace lanes::internal
