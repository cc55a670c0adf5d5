// scalar_eval: the scalar semantics of every ScalarOp, for the loop-IR reference
// interpreter (see loop_interpreter.h for the rules). The values are those of the ScalarOp
// table's reference (codegen/scalar_reference.h), evaluated in each dtype's own C++ type
// (f32 results are float results, integers wrap); this file only moves ScalarValues in and
// out of that type.
#include <string>
#include <type_traits>

#include "codegen/scalar_reference.h"
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

ScalarValue convert(const ScalarValue& a, DType to) {
  return visit_dtype(a.dtype, [&](auto s) {
    using S = decltype(s);
    return visit_dtype(to, [&](auto d) {
      using D = decltype(d);
      return put<D>(scalar_convert<D>(get<S>(a)));
    });
  });
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
      return scalar_compare<T>(op, get<T>(args[0]), get<T>(args[1]));
    }));
  }
  return visit_dtype(dtype, [&](auto t) -> ScalarValue {
    using T = decltype(t);
    if (arity == 1) return put<T>(scalar_reference<T>(op, get<T>(args[0])));
    return put<T>(scalar_reference<T>(op, get<T>(args[0]), get<T>(args[1])));
  });
}

}  // namespace lanes::internal
