// lanes::Value: a traced value inside a function that Lanes is tracing.
//
// A Value is a handle to a variable of the graph that the innermost active trace is
// building, or a C++ scalar literal waiting to be used (weakly typed, as Python scalars
// are in JAX: `x * 2.0` keeps x's dtype). Operations on Values append equations to the
// trace; they throw lanes::TraceError when no trace is active.
//
//   lanes::Fn f = lanes::fn([](lanes::Value x) { return x * x + 1.0; });
#pragma once

#include <lanes/array.h>
#include <lanes/scalar.h>

#include <cstdint>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
namespace lanes::internal {
class Tracer;  // internal: declared before the public region, so it stays hidden
}  // namespace lanes::internal

#pragma GCC visibility push(default)

namespace lanes {

class Value {
 public:
  // Weakly typed scalar literals: double -> f64, int/int64 -> i64; float -> f32 and bool
  // are strongly typed.
  Value(double v);        // NOLINT(google-explicit-constructor): literals promote implicitly
  Value(float v);         // NOLINT(google-explicit-constructor)
  Value(int v);           // NOLINT(google-explicit-constructor)
  Value(std::int64_t v);  // NOLINT(google-explicit-constructor)
  Value(bool v);          // NOLINT(google-explicit-constructor)
  // An array constant, captured into the active trace.
  Value(const Array& a);  // NOLINT(google-explicit-constructor)

  DType dtype() const;
  Shape shape() const;
  int rank() const { return static_cast<int>(shape().size()); }
  bool weak_type() const;
  bool is_literal() const { return tracer_ == nullptr; }

  // --- for Lanes' own use ---------------------------------------------------
  struct Literal {
    Scalar value;  // exact: an i64 literal keeps all 64 bits
    bool weak = true;
    DType dtype() const { return value.dtype(); }
  };
  static Value from_var(internal::Tracer* tracer, std::uint64_t tracer_id, int var);
  static Value from_literal(Literal lit);
  internal::Tracer* tracer() const;  // validated: throws TraceError if the trace has ended
  std::uint64_t tracer_id() const { return tracer_id_; }
  int var() const { return var_; }
  const Literal& literal() const { return literal_; }

 private:
  Value() = default;
  internal::Tracer* tracer_ = nullptr;
  std::uint64_t tracer_id_ = 0;
  int var_ = -1;
  Literal literal_;
};

}  // namespace lanes
#pragma GCC visibility pop
