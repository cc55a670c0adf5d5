// scalar_eval: the scalar semantics of every ScalarOp, for the loop-IR reference
// interpreter (see loop_interpreter.h for the rules). The values are those of the ScalarOp
// table's reference (codegen/scalar_reference.h), evaluated in each dtype's own C++ type
// (f32 results are float results, integers wrap); this file only moves Scalars in and
// out of that type.
#include <string>
#include <type_traits>

#include "codegen/scalar_reference.h"
#include "tests/oracle/loop_interpreter.h"

namespace lanes::internal {

Scalar scalar_eval(ScalarOp op, DType dtype, std::span<const Scalar> args) {
  int arity = scalar_op_arity(op);
  if (static_cast<int>(args.size()) != arity) {
    throw InternalError("scalar_eval: " + std::string(scalar_op_name(op)) + " takes " +
                        std::to_string(arity) + " operands, got " + std::to_string(args.size()));
  }
  // Scalar::convert is astype's rule (sem_convert, as scalar_convert); as<T>() on a
  // Scalar of T's own dtype is exact.
  if (op == ScalarOp::Convert) return args[0].convert(dtype);
  if (op == ScalarOp::Select) return (args[0].as<bool>() ? args[1] : args[2]).convert(dtype);
  DType in = args[0].dtype();
  if (scalar_op_is_comparison(op)) {
    return Scalar::of<bool>(visit_dtype(in, [&](auto t) {
      using T = decltype(t);
      return scalar_compare<T>(op, args[0].as<T>(), args[1].as<T>());
    }));
  }
  return visit_dtype(dtype, [&](auto t) -> Scalar {
    using T = decltype(t);
    if (arity == 1) return Scalar::of<T>(scalar_reference<T>(op, args[0].as<T>()));
    return Scalar::of<T>(scalar_reference<T>(op, args[0].as<T>(), args[1].as<T>()));
  });
}

}  // namespace lanes::internal
