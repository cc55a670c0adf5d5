// The reference implementation of every ScalarOp: one functor per op, templated on the
// element type, and a run-time dispatch over the ops.
//
// ScalarFn<op> is callable exactly on the element types of the op's row in the ScalarOp
// table (codegen/scalar_op.h), so the graph interpreter's `unary_impl`/`binary_impl` find
// the dtypes it is defined on by overload resolution. Ops whose float result is a <cmath>
// function evaluate the table's double reference and round once to the element type;
// everything else is the element-level rule of runtime/scalar_semantics.h (the same
// functions the collectives combine with). Users: the elementwise and reduce primitives'
// reference implementations, the loop-IR oracle (tests/oracle/scalar_eval.cpp) and
// anything else that needs a scalar's exact value.
#pragma once

#include <lanes/dtype.h>
#include <lanes/error.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>

#include "codegen/scalar_op.h"
#include "runtime/check.h"
#include "runtime/scalar_semantics.h"

namespace lanes::internal {

// The element types of the table's dtypes.
template <class T>
concept ScalarElem = std::same_as<T, bool> || std::same_as<T, std::int32_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, float> || std::same_as<T, double>;

// Whether element type T is in `domain`.
template <class T>
constexpr bool scalar_domain_has(ScalarDomain domain) {
  constexpr bool fl = std::floating_point<T>, bl = std::same_as<T, bool>;
  switch (domain) {
    case ScalarDomain::None:
      return false;
    case ScalarDomain::Float:
      return fl;
    case ScalarDomain::Integral:
      return !fl;
    case ScalarDomain::Numeric:
      return !bl;
    case ScalarDomain::Any:
      return true;
  }
  return false;
}

namespace scalar_reference_detail {

// Which of ScalarFn<Op>'s call operators exist for element type T.
template <ScalarOp Op, class T>
constexpr bool defined_on() {
  if constexpr (!ScalarElem<T> || Op == ScalarOp::Convert || Op == ScalarOp::Select) {
    return false;
  } else {
    return scalar_domain_has<T>(scalar_op_info(Op).domain);
  }
}
template <ScalarOp Op, class T>
inline constexpr bool kUnary = defined_on<Op, T>() && scalar_op_info(Op).arity == 1;
template <ScalarOp Op, class T>
inline constexpr bool kBinary = defined_on<Op, T>() && scalar_op_info(Op).arity == 2 &&
                                !scalar_op_info(Op).comparison;
template <ScalarOp Op, class T>
inline constexpr bool kComparison = defined_on<Op, T>() && scalar_op_info(Op).comparison;

template <ScalarOp Op, class T>
T unary(T x) {
  if constexpr (Op == ScalarOp::Neg) {
    return sem_neg(x);
  } else if constexpr (Op == ScalarOp::Abs) {
    return sem_abs(x);
  } else if constexpr (Op == ScalarOp::Sign) {
    return sem_sign(x);
  } else if constexpr (Op == ScalarOp::Not) {
    if constexpr (std::same_as<T, bool>) {
      return !x;
    } else {
      return static_cast<T>(~x);
    }
  } else if constexpr (!std::floating_point<T>) {
    // Floor, Ceil, Round on integers and bool.
    static_assert(Op == ScalarOp::Floor || Op == ScalarOp::Ceil || Op == ScalarOp::Round);
    return x;
  } else {
    return static_cast<T>(scalar_op_info(Op).reference1(static_cast<double>(x)));
  }
}

template <ScalarOp Op, class T>
T binary(T a, T b) {
  if constexpr (Op == ScalarOp::Add) {
    return sem_add(a, b);
  } else if constexpr (Op == ScalarOp::Sub) {
    return sem_sub(a, b);
  } else if constexpr (Op == ScalarOp::Mul) {
    return sem_mul(a, b);
  } else if constexpr (Op == ScalarOp::Div) {
    return sem_div(a, b);
  } else if constexpr (Op == ScalarOp::Min) {
    return sem_min(a, b);
  } else if constexpr (Op == ScalarOp::Max) {
    return sem_max(a, b);
  } else if constexpr (Op == ScalarOp::And) {
    return static_cast<T>(a & b);
  } else if constexpr (Op == ScalarOp::Or) {
    return static_cast<T>(a | b);
  } else if constexpr (Op == ScalarOp::Xor) {
    return static_cast<T>(a ^ b);
  } else if constexpr (Op == ScalarOp::Rem && !std::floating_point<T>) {
    return sem_rem(a, b);
  } else if constexpr (Op == ScalarOp::Pow && !std::floating_point<T>) {
    return int_pow(a, b);
  } else {
    // Float Rem, Pow, Atan2: the <cmath> function in double, rounded once. (That each such
    // row has its reference is checked by scalar_semantics_test, not a static_assert: with
    // -fsanitize=undefined GCC cannot compare a lambda's function pointer in a constant
    // expression.)
    return static_cast<T>(
        scalar_op_info(Op).reference2(static_cast<double>(a), static_cast<double>(b)));
  }
}

template <ScalarOp Op, class T>
bool compare(T a, T b) {
  if constexpr (Op == ScalarOp::Lt) {
    return a < b;
  } else if constexpr (Op == ScalarOp::Le) {
    return a <= b;
  } else if constexpr (Op == ScalarOp::Gt) {
    return a > b;
  } else if constexpr (Op == ScalarOp::Ge) {
    return a >= b;
  } else if constexpr (Op == ScalarOp::Eq) {
    return a == b;
  } else {
    static_assert(Op == ScalarOp::Ne);
    return a != b;
  }
}

}  // namespace scalar_reference_detail

// The reference functor of one op: unary ops T -> T, binary ops (T, T) -> T, comparisons
// (T, T) -> bool, each only for the element types in the op's domain. (Convert and Select
// take dtype parameters: see scalar_convert and the interpreters.)
template <ScalarOp Op>
struct ScalarFn {
  template <class T>
  requires scalar_reference_detail::kUnary<Op, T> T operator()(T x) const {
    return scalar_reference_detail::unary<Op>(x);
  }
  template <class T>
  requires scalar_reference_detail::kBinary<Op, T> T operator()(T a, T b) const {
    return scalar_reference_detail::binary<Op>(a, b);
  }
  template <class T>
  requires scalar_reference_detail::kComparison<Op, T>
  bool operator()(T a, T b) const { return scalar_reference_detail::compare<Op>(a, b); }
};

// `Op` as the combine of a reduction (reduce_sum/prod/max/min; the collectives' reduce_combine
// is the same rule): the elementwise op, except that Max and Min give the canonical quiet NaN
// for a NaN, so the result does not depend on the association of the elements.
template <ScalarOp Op, ScalarElem T>
T scalar_combine(T acc, T v) {
  static_assert(scalar_op_info(Op).identity != ScalarIdentityKind::None, "not a combining op");
  if constexpr (Op == ScalarOp::Max) {
    return sem_combine_max(acc, v);
  } else if constexpr (Op == ScalarOp::Min) {
    return sem_combine_min(acc, v);
  } else {
    return ScalarFn<Op>{}(acc, v);
  }
}

// Convert one element (docs/semantics.md, "convert").
template <class D, class S>
D scalar_convert(S x) {
  return sem_convert<D>(x);
}

[[noreturn]] inline void scalar_reference_undefined(ScalarOp op, DType dtype, int arity) {
  LANES_FAIL("scalar_reference: " + std::string(scalar_op_name(op)) + " is not a " +
             std::to_string(arity) + "-operand op defined on " + std::string(dtype_name(dtype)));
}

// Run-time dispatch: op(x) for a unary op.
template <ScalarElem T>
T scalar_reference(ScalarOp op, T x) {
  switch (op) {
#define LANES_REF_UNARY_CASE(name, ...)                               \
  case ScalarOp::name:                                                \
    if constexpr (std::is_invocable_v<ScalarFn<ScalarOp::name>, T>) { \
      return ScalarFn<ScalarOp::name>{}(x);                           \
    }                                                                 \
    break;
    LANES_SCALAR_OP_TABLE(LANES_REF_UNARY_CASE)
#undef LANES_REF_UNARY_CASE
  }
  scalar_reference_undefined(op, dtype_of<T>(), 1);
}

// op(a, b) for a binary op that is not a comparison.
template <ScalarElem T>
T scalar_reference(ScalarOp op, T a, T b) {
  if (!scalar_op_is_comparison(op)) {
    switch (op) {
#define LANES_REF_BINARY_CASE(name, ...)                                 \
  case ScalarOp::name:                                                   \
    if constexpr (!scalar_op_info(ScalarOp::name).comparison &&          \
                  std::is_invocable_v<ScalarFn<ScalarOp::name>, T, T>) { \
      return ScalarFn<ScalarOp::name>{}(a, b);                           \
    }                                                                    \
    break;
      LANES_SCALAR_OP_TABLE(LANES_REF_BINARY_CASE)
#undef LANES_REF_BINARY_CASE
    }
  }
  scalar_reference_undefined(op, dtype_of<T>(), 2);
}

// op(a, b) for a comparison.
template <ScalarElem T>
bool scalar_compare(ScalarOp op, T a, T b) {
  switch (op) {
    case ScalarOp::Lt:
      return ScalarFn<ScalarOp::Lt>{}(a, b);
    case ScalarOp::Le:
      return ScalarFn<ScalarOp::Le>{}(a, b);
    case ScalarOp::Gt:
      return ScalarFn<ScalarOp::Gt>{}(a, b);
    case ScalarOp::Ge:
      return ScalarFn<ScalarOp::Ge>{}(a, b);
    case ScalarOp::Eq:
      return ScalarFn<ScalarOp::Eq>{}(a, b);
    case ScalarOp::Ne:
      return ScalarFn<ScalarOp::Ne>{}(a, b);
    default:
      break;
  }
  scalar_reference_undefined(op, dtype_of<T>(), 2);
}

// The identity of a combining op as a T (the exact value scalar_op_identity describes).
template <ScalarElem T>
T scalar_identity(ScalarOp op) {
  switch (scalar_op_info(op).identity) {
    case ScalarIdentityKind::Zero:
      return T(0);
    case ScalarIdentityKind::One:
      return T(1);
    case ScalarIdentityKind::Lowest:
      return max_identity<T>();
    case ScalarIdentityKind::Highest:
      return min_identity<T>();
    case ScalarIdentityKind::AllOnes:
      if constexpr (std::same_as<T, bool>) {
        return true;
      } else if constexpr (std::signed_integral<T>) {
        return T(-1);
      }
      break;
    case ScalarIdentityKind::None:
      break;
  }
  LANES_FAIL("scalar_identity: " + std::string(scalar_op_name(op)) + " has no identity on " +
             std::string(dtype_name(dtype_of<T>())));
}

}  // namespace lanes::internal
