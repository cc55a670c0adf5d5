// The tests' one table of how each primitive is called. For every registered primitive
// one row says: which element dtypes its shape rule accepts, how to call it (elementwise:
// its arity and params; structural: operand shapes and params, or a call), on which
// values (a domain per float operand where it is smooth and defined, an integer range, a
// wider sweep for jit), its vector-math tolerance in jit, an independent reference from
// <cmath> where there is one, and whether it has a derivative to check. A primitive that
// cannot be called generically (control flow, custom derivatives, collectives, pmap) has
// a Special row saying why and where it is tested.
//
// Read by the registry walks (primitive_registry_test, lower_registry_test), the jit,
// vmap, jvp and grad tests, the AMDGPU tests and the fuzz generator: a new primitive
// needs one row here to be tested by all of them, and a registered primitive without a
// row fails PrimitiveCases.EveryRegisteredPrimitiveHasARow. Every generic row is vmapped,
// jvp'd and transposed, jitted, lowered to the loop IR and compiled for AMDGPU; grad
// against finite differences only where `differentiable`. (A primitive that one of
// these does not apply to would add a property here; none so far.)
//
//   unary("logistic", kFloat).domain(-5, 5).ulps(1, 4, 1).ref(...)
//   structural("rev", kAll, {{{3, 4}}, {{"axes", Ints{0}}}})
#pragma once

#include <lanes/lanes.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/ir/params.h"

namespace lanes::testing {

using Ints = std::vector<std::int64_t>;

inline constexpr DType kB = DType::Bool, kI32 = DType::I32, kI64 = DType::I64, kF32 = DType::F32,
                       kF64 = DType::F64;
inline const std::vector<DType> kAll{kB, kI32, kI64, kF32, kF64};
inline const std::vector<DType> kNum{kI32, kI64, kF32, kF64};
inline const std::vector<DType> kFloat{kF32, kF64};
inline const std::vector<DType> kLogic{kB, kI32, kI64};

struct Domain {
  double lo = -2, hi = 2;
};

// The vector-math bound of docs/precision.md (precise, fast) and glibc's f64 bound for
// the interpreter's own result; all zero: exact.
struct MathUlps {
  double precise = 0, fast = 0, glibc_f64 = 0.5;
};

using CallFn = std::function<std::vector<Value>(const std::vector<Value>&)>;

// One concrete call: operands (dtype, shape and the values to draw) and the traced body.
struct Operand {
  DType dtype;
  Shape shape;
  Domain domain{};
};
struct Example {
  std::string what;  // "sin f64[3]", for failure messages
  std::vector<Operand> operands;
  CallFn call;
};

// A structural call, for any element dtype t the row accepts: operands of `shapes` (of
// dtype t unless `fixed` names another), bound with `params`, or through `call` when set
// (a call that needs t: iota's dtype, ...).
struct StructuralCall {
  StructuralCall() = default;
  StructuralCall(std::vector<Shape> s, internal::Params p = {})  // NOLINT: rows are literals
      : shapes(std::move(s)), params(std::move(p)) {}
  std::vector<Shape> shapes;
  internal::Params params;
  std::function<std::vector<Value>(const std::vector<Value>&, DType t)> call;
  std::vector<std::optional<DType>> fixed;
};

enum class RowKind { Elementwise, Structural, Special };

struct PrimitiveCase {
  std::string name;
  RowKind kind = RowKind::Elementwise;
  std::vector<DType> dtypes;  // element dtypes the shape rule accepts; others: DTypeError
  // Elementwise: operand count, params, and (convert) target dtypes set as `variant_param`.
  int arity = 1;
  internal::Params params;
  std::vector<DType> variants;
  std::string variant_param;
  bool bool_first = false;  // select: operand 0 is the bool predicate
  // Structural: its calls.
  std::vector<StructuralCall> calls;
  // Values: float operands on domains[i] (the last one repeats), integers on int_domain;
  // jit draws its random floats from `sweep` (between special values) instead.
  std::vector<Domain> domains{Domain{}};
  Domain int_domain{-5, 5};
  Domain sweep{-10, 10};
  MathUlps math;
  std::function<double(double)> reference1;          // independent f64 reference, unary
  std::function<double(double, double)> reference2;  // ... binary
  bool differentiable = true;  // float output with a derivative to check on `domains`
  bool big = false;            // jit also runs it at 1000003 elements
  std::string special;         // Special rows: why it is not called generically, and where

  PrimitiveCase& domain(double lo, double hi) {
    domains = {{lo, hi}};
    return *this;
  }
  PrimitiveCase& domains2(Domain a, Domain b) {
    domains = {a, b};
    return *this;
  }
  PrimitiveCase& ints(double lo, double hi) {
    int_domain = {lo, hi};
    return *this;
  }
  PrimitiveCase& jit_sweep(double lo, double hi) {
    sweep = {lo, hi};
    return *this;
  }
  PrimitiveCase& ulps(double precise, double fast, double glibc_f64) {
    math = {precise, fast, glibc_f64};
    return *this;
  }
  PrimitiveCase& ref(std::function<double(double)> f) {
    reference1 = std::move(f);
    return *this;
  }
  PrimitiveCase& ref(std::function<double(double, double)> f) {
    reference2 = std::move(f);
    return *this;
  }
  PrimitiveCase& not_differentiable() {
    differentiable = false;
    return *this;
  }
  PrimitiveCase& large() {
    big = true;
    return *this;
  }

  bool generic() const { return kind != RowKind::Special; }
  bool accepts(DType t) const;
  Domain domain_of(std::size_t operand) const;
};

// Row builders: the one line a new primitive adds to primitive_cases.cpp.
PrimitiveCase unary(std::string name, std::vector<DType> dtypes);
PrimitiveCase binary(std::string name, std::vector<DType> dtypes);
PrimitiveCase structural(std::string name, std::vector<DType> dtypes,
                         std::vector<StructuralCall> calls);
PrimitiveCase special(std::string name, std::string why_and_where);

// The table, in a stable order (new rows go at the end of their family), and one row.
const std::vector<PrimitiveCase>& primitive_cases();
const PrimitiveCase* find_case(std::string_view name);

// The examples of a row on element dtype t (which the row accepts) and, for rows with
// variants, target `variant`: elementwise operands are [n] (and, for arity >= 2, the
// same with a rank-0 first or last operand); structural ones are the row's calls.
std::vector<Example> examples(const PrimitiveCase& row, DType t, std::optional<DType> variant = {},
                              std::int64_t n = 3);
// The transformation tests' examples of a row: f64 (or bool where no float is accepted),
// an integer dtype where accepted, and with `f32` f32 for unary elementwise rows.
std::vector<Example> transform_examples(const PrimitiveCase& row, bool f32 = false);

// All examples of a list as one: their operands in turn, and a call that returns all
// their outputs (one function per row, for the jit and AMDGPU tests).
Example combined(std::vector<Example> ex);

// A transformation test's case of an example: `Case` has `operands` of {dtype, shape},
// per-operand `domains` of Domain, and its body third.
template <class Case>
Case to_case(const std::string& prim, const Example& e) {
  Case c{prim, {}, e.call};
  for (const Operand& o : e.operands) {
    c.operands.push_back({o.dtype, o.shape});
    c.domains.push_back(o.domain);
  }
  return c;
}

// Random values of an operand: uniform on its domain (integers rounded down, bools
// above the middle).
Array random_operand(const Operand& o, std::mt19937& rng);

}  // namespace lanes::testing
