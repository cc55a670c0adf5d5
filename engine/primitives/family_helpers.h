// Helpers that keep each elementwise primitive definition to a line or two.
//
// The shared shape rule of elementwise n-ary primitives: operands share one dtype (select's
// predicate is bool and excluded), shapes are equal or rank 0 (a rank-0 operand broadcasts
// implicitly), the result has the common non-scalar shape and is weak iff every
// (dtype-carrying) operand is weak. The reference implementations are plain loops over a
// functor that is overloaded (constrained) on the element types it accepts; the set of
// accepted dtypes is also checked by the shape rule, so users get a DTypeError naming the
// primitive instead of reaching a missing overload.
#pragma once

#include <lanes/dtype.h>
#include <lanes/error.h>

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/jvp_rules.h"
#include "runtime/check.h"
#include "runtime/scalar_semantics.h"

namespace lanes::internal {

// The element type concepts a reference functor overloads on (FloatElem, IntElem,
// NumericElem, IntegralElem) are runtime/scalar_semantics.h's.

// --- dtype sets -------------------------------------------------------------------
class DTypeSet {
 public:
  constexpr DTypeSet(std::initializer_list<DType> ts) {
    for (DType t : ts) bits_ |= bit(t);
  }
  constexpr bool has(DType t) const { return (bits_ & bit(t)) != 0; }
  std::string to_string() const {
    std::string s;
    for (DType t : kAllDTypes) {
      if (has(t)) s += (s.empty() ? "" : ", ") + std::string(dtype_name(t));
    }
    return s;
  }

 private:
  static constexpr unsigned bit(DType t) { return 1u << static_cast<unsigned>(t); }
  unsigned bits_ = 0;
};

inline constexpr DTypeSet kFloatTypes{DType::F32, DType::F64};
inline constexpr DTypeSet kNumericTypes{DType::I32, DType::I64, DType::F32, DType::F64};
inline constexpr DTypeSet kIntegralTypes{DType::Bool, DType::I32, DType::I64};
inline constexpr DTypeSet kAnyTypes{DType::Bool, DType::I32, DType::I64, DType::F32, DType::F64};

// --- shape rule pieces --------------------------------------------------------------
inline std::string avals_to_string(std::span<const AbstractValue> in) {
  std::string s;
  for (const AbstractValue& a : in) s += (s.empty() ? "" : ", ") + a.to_string();
  return s;
}

inline void check_arity(const std::string& prim, std::span<const AbstractValue> in, std::size_t n) {
  if (in.size() != n) {
    LANES_FAIL(prim + " takes " + std::to_string(n) + " operands, got " +
               std::to_string(in.size()) + " (" + avals_to_string(in) + ")");
  }
}

inline void check_dtype_in(const std::string& prim, std::span<const AbstractValue> in,
                           std::size_t i, DTypeSet accepted) {
  if (!accepted.has(in[i].dtype)) {
    throw DTypeError(prim + ": operand " + std::to_string(i) + " has dtype " +
                     std::string(dtype_name(in[i].dtype)) + ", but " + prim + " accepts " +
                     accepted.to_string() + " (operands " + avals_to_string(in) + ")");
  }
}

// The shared elementwise rule over operands [first, n): one dtype, shapes equal or rank 0.
// Returns that dtype, the common shape (of all n operands) and the weak flag of [first, n).
inline AbstractValue elementwise_result(const std::string& prim, std::span<const AbstractValue> in,
                                        std::size_t first = 0) {
  AbstractValue r;
  r.dtype = in[first].dtype;
  r.weak = true;
  for (std::size_t i = first; i < in.size(); ++i) {
    if (in[i].dtype != r.dtype) {
      throw DTypeError(prim + ": operand " + std::to_string(i) + " has dtype " +
                       std::string(dtype_name(in[i].dtype)) + " but operand " +
                       std::to_string(first) + " has " + std::string(dtype_name(r.dtype)) +
                       "; the operands must share one dtype (operands " + avals_to_string(in) +
                       ")");
    }
    r.weak = r.weak && in[i].weak;
  }
  std::size_t shaped = in.size();  // the first operand of rank > 0
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i].rank() == 0) continue;
    if (shaped == in.size()) {
      shaped = i;
      r.shape = in[i].shape;
    } else if (in[i].shape != r.shape) {
      throw ShapeError(prim + ": operand " + std::to_string(i) + " has shape " +
                       shape_to_string(in[i].shape) + " but operand " + std::to_string(shaped) +
                       " has " + shape_to_string(r.shape) +
                       "; elementwise operands must have equal shapes or rank 0 (operands " +
                       avals_to_string(in) + ")");
    }
  }
  return r;
}

// --- reference implementation pieces -----------------------------------------------
// The shape of the result of an elementwise primitive: the first non-scalar operand's.
inline Shape elementwise_shape(std::span<const Array> in) {
  for (const Array& a : in) {
    if (a.rank() != 0) return a.shape();
  }
  return {};
}

// Element i of an operand that may be rank 0 (implicitly broadcast).
template <class T>
inline T element(std::span<const T> d, bool scalar, std::int64_t i) {
  return d[scalar ? 0 : static_cast<std::size_t>(i)];
}

[[noreturn]] inline void no_impl_for(const std::string& prim, DType t) {
  LANES_FAIL(prim + ": no reference implementation for dtype " + std::string(dtype_name(t)));
}

// out[i] = f(x[i]); f is overloaded on the element types it accepts and returns T or bool.
template <class F>
ImplFn unary_impl(std::string prim, F f) {
  return [prim, f](std::span<const Array> in, const Params&) -> std::vector<Array> {
    const Array& x = in[0];
    return {visit_dtype(x.dtype(), [&](auto tag) -> Array {
      using T = decltype(tag);
      if constexpr (std::is_invocable_v<const F&, T>) {
        using R = std::invoke_result_t<const F&, T>;
        Array out = Array::empty(dtype_of<R>(), x.shape());
        std::span<const T> src = x.data<T>();
        std::span<R> dst = out.mutable_data<R>();
        for (std::size_t i = 0; i < dst.size(); ++i) dst[i] = f(src[i]);
        return out;
      } else {
        no_impl_for(prim, x.dtype());
      }
    })};
  };
}

// out[i] = f(a[i], b[i]), rank-0 operands broadcast.
template <class F>
ImplFn binary_impl(std::string prim, F f) {
  return [prim, f](std::span<const Array> in, const Params&) -> std::vector<Array> {
    const Array& a = in[0];
    const Array& b = in[1];
    Shape shape = elementwise_shape(in);
    return {visit_dtype(a.dtype(), [&](auto tag) -> Array {
      using T = decltype(tag);
      if constexpr (std::is_invocable_v<const F&, T, T>) {
        using R = std::invoke_result_t<const F&, T, T>;
        Array out = Array::empty(dtype_of<R>(), shape);
        std::span<const T> da = a.data<T>();
        std::span<const T> db = b.data<T>();
        bool sa = a.rank() == 0, sb = b.rank() == 0;
        std::span<R> dst = out.mutable_data<R>();
        for (std::int64_t i = 0; i < out.size(); ++i) {
          dst[static_cast<std::size_t>(i)] = f(element(da, sa, i), element(db, sb, i));
        }
        return out;
      } else {
        no_impl_for(prim, a.dtype());
      }
    })};
  };
}

// What the family helpers need to know beyond the reference functor.
struct ElementwiseSpec {
  std::string name;
  ScalarOp op = ScalarOp::None;
  DTypeSet accepted = kAnyTypes;
  bool bool_result = false;  // comparisons
};

// The shape rule of an n-ary elementwise primitive described by `spec`.
inline AbstractEvalFn elementwise_abstract_eval(ElementwiseSpec spec, std::size_t arity) {
  return [spec, arity](std::span<const AbstractValue> in, const Params&) -> AvalList {
    check_arity(spec.name, in, arity);
    AbstractValue r = elementwise_result(spec.name, in);
    check_dtype_in(spec.name, in, 0, spec.accepted);
    if (spec.bool_result) r.dtype = DType::Bool;
    return {r};
  };
}

// The record of an elementwise primitive of `arity` operands: its spec, its reference
// implementation and its derivative, given once (both the JVP and the VJP are derived from
// it; jvp_rules.h). Not yet registered, so a family may adjust it (a composite's lowering).
inline Primitive elementwise_record(const char* family, const ElementwiseSpec& spec,
                                    std::size_t arity, ImplFn impl, Derivative derivative) {
  Primitive p;
  p.name = spec.name;
  p.family = family;
  p.abstract_eval = elementwise_abstract_eval(spec, arity);
  p.impl = std::move(impl);
  p.batch = elementwise_batch_rule(spec.name);
  p.lowering = LoweringKind::Elementwise;
  p.scalar_op = spec.op;
  set_elementwise_derivative(p, std::move(derivative));
  return p;
}

template <class F>
const Primitive& def_elementwise_unary(const char* family, const ElementwiseSpec& spec, F f,
                                       Derivative derivative) {
  return register_primitive(elementwise_record(family, spec, 1, unary_impl(spec.name, std::move(f)),
                                               std::move(derivative)));
}

template <class F>
const Primitive& def_elementwise_binary(const char* family, const ElementwiseSpec& spec, F f,
                                        Derivative derivative) {
  return register_primitive(elementwise_record(
      family, spec, 2, binary_impl(spec.name, std::move(f)), std::move(derivative)));
}

// A float function given on doubles, applied to f32 by computing in double and rounding
// once to float (a near-correctly-rounded oracle for the JIT).
template <class G>
auto float_math(G g) {
  return [g]<FloatElem T>(T x) -> T { return static_cast<T>(g(static_cast<double>(x))); };
}
template <class G>
auto float_math2(G g) {
  return [g]<FloatElem T>(T x, T y) -> T {
    return static_cast<T>(g(static_cast<double>(x), static_cast<double>(y)));
  };
}

// The reference of a float-only unary ScalarOp: the ScalarOp table's double function,
// rounded once to f32.
inline ImplFn float_unary_impl(const char* name, ScalarOp op) {
  double (*g)(double) = scalar_op_info(op).reference1;
  LANES_CHECK(g != nullptr, std::string(name) + ": ScalarOp " + std::string(scalar_op_name(op)) +
                                " has no float reference function");
  return unary_impl(name, float_math(g));
}

// A float-only unary primitive on a ScalarOp with a <cmath> reference.
inline const Primitive& def_float_unary(const char* family, const char* name, ScalarOp op,
                                        Derivative derivative) {
  return register_primitive(elementwise_record(family, {name, op, kFloatTypes}, 1,
                                               float_unary_impl(name, op), std::move(derivative)));
}

}  // namespace lanes::internal
