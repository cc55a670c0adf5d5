// Shared by the AMDGPU tests: the registry's graphs (every lowerable primitive on the
// dtypes it accepts, called as the tests' primitive table says: tests/oracle/
// primitive_cases.h) and the transformation-test functions, each with example arguments.
#pragma once

#include <lanes/lanes.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/oracle/primitive_cases.h"
#include "tests/unit/difftest_util.h"

namespace lanes::amdgpu_test {

using internal::AbstractValue;
using internal::Graph;
using internal::Params;
using internal::Primitive;
using Ints = std::vector<std::int64_t>;

// A function with its example arguments.
struct Case {
  std::string name;
  Fn f;
  std::vector<Array> args;
};

// Operands for an elementwise primitive: a sine ramp (amplitude 0.9 or 2); where a unary
// row's domain starts at 1 or above (acosh), the ramp would be outside it everywhere, so
// floats become lo + |x|.
inline Array operand(DType t, int which, const testing::PrimitiveCase& row) {
  Array a = testing::sine_ramp(t, {37}, which ? 0.71 : 0.37, which ? 2.0 : 0.9);
  const double lo = row.domain_of(static_cast<std::size_t>(which)).lo;
  if (row.arity == 1 && lo >= 1 && is_float(t)) {
    visit_dtype(t, [&](auto z) {
      using T = decltype(z);
      for (T& v : std::span<T>(static_cast<T*>(a.raw()), static_cast<std::size_t>(a.size()))) {
        if constexpr (!std::is_same_v<T, bool>)
          v = static_cast<T>(lo + std::fabs(static_cast<double>(v)));
      }
    });
  }
  return a;
}

// One graph per (elementwise primitive, dtype it accepts): f(a[, b[, c]]) on [37]
// vectors, plus the same with a rank-0 last operand (broadcast inside the kernel).
// Convert is tried to every dtype.
inline std::vector<Case> elementwise_cases() {
  std::vector<Case> out;
  for (const Primitive* prim : internal::all_primitives()) {
    if (prim->lowering != internal::LoweringKind::Elementwise) continue;
    const testing::PrimitiveCase* row = testing::find_case(prim->name);
    if (row == nullptr) continue;  // PrimitiveCases.EveryRegisteredPrimitiveHasARow fails
    for (DType t : row->dtypes) {
      std::vector<DType> targets{t};
      if (!row->variants.empty()) targets = row->variants;
      for (DType to : targets) {
        std::vector<testing::Example> ex = testing::examples(*row, t, to, 37);
        // The [37] call, and the one with a rank-0 last operand (broadcast in the kernel).
        for (std::size_t k : {std::size_t{0}, std::size_t{2}}) {
          if (k >= ex.size()) continue;
          const testing::Example& e = ex[k];
          std::vector<Array> in;
          for (std::size_t i = 0; i < e.operands.size(); ++i) {
            const testing::Operand& o = e.operands[i];
            Array v = row->bool_first && i == 0
                          ? testing::sine_ramp(DType::Bool, {37})
                          : operand(o.dtype, static_cast<int>(row->bool_first ? i - 1 : i), *row);
            if (o.shape.empty()) {
              Array s = Array::empty(o.dtype, {});
              std::memcpy(s.raw(), v.raw(), dtype_size(o.dtype));
              v = s;
            }
            in.push_back(v);
          }
          std::string name = prim->name + "/" + std::string(dtype_name(t));
          if (!row->variants.empty()) name += "->" + std::string(dtype_name(to));
          if (k == 2) name += "/scalar";
          out.push_back({name, fn_variadic(e.call, prim->name), in});
        }
      }
    }
  }
  return out;
}

// One function per structural row of the table (every call of the row) on f64 and i32
// where the row accepts them.
inline std::vector<Case> table_structural_cases() {
  std::vector<Case> out;
  for (const testing::PrimitiveCase& row : testing::primitive_cases()) {
    if (row.kind != testing::RowKind::Structural) continue;
    for (DType t : {DType::F64, DType::I32}) {
      if (!row.accepts(t)) continue;
      testing::Example all = testing::combined(testing::examples(row, t));
      std::vector<Array> in;
      for (const testing::Operand& o : all.operands)
        in.push_back(
            testing::sine_ramp(o.dtype, o.shape, 0.37 + 0.1 * static_cast<double>(in.size())));
      out.push_back({"table/" + row.name + "/" + std::string(dtype_name(t)),
                     fn_variadic(all.call, row.name), in});
    }
  }
  return out;
}

inline const Primitive& need(const char* name) { return internal::primitive(name); }

inline Value B(const char* prim, std::vector<Value> in, Params ps = {}) {
  return internal::bind1(need(prim), in, std::move(ps));
}

// The structural, reduction and contraction primitives in one function (as
// lower_registry_test's), on f64 or i32.
inline Case structural_case(DType t) {
  Fn f = fn_variadic(
      [t](const std::vector<Value>& a) {
        Value x = a[0], v = a[1], w = a[2];
        Value xt = B("transpose", {x}, {{"permutation", Ints{1, 0}}});  // [4,3]
        Value vb =
            B("broadcast_in_dim", {v}, {{"shape", Shape{4, 3}}, {"broadcast_dimensions", Ints{0}}});
        Value p = B("mul", {xt, vb});
        Value s = B("slice", {p},
                    {{"start_indices", Ints{1, 0}},
                     {"limit_indices", Ints{4, 3}},
                     {"strides", Ints{2, 2}}});
        Value r = B("reshape", {p}, {{"new_sizes", Shape{2, 6}}});
        Value io =
            B("iota", {}, {{"dtype", t}, {"shape", Shape{2, 6}}, {"dimension", std::int64_t{1}}});
        Value c = B("concatenate", {B("mul", {r, io}), r}, {{"dimension", std::int64_t{0}}});
        Params ax1{{"axes", Ints{1}}};
        Params dims{{"lhs_contracting", Ints{1}},
                    {"rhs_contracting", Ints{0}},
                    {"lhs_batch", Ints{}},
                    {"rhs_batch", Ints{}}};
        return std::vector<Value>{
            s,
            c,
            B("reduce_sum", {c}, ax1),
            B("reduce_max", {p}, {{"axes", Ints{0, 1}}}),
            B("reduce_min", {c}, ax1),
            B("reduce_prod", {s}, ax1),
            B("argmax", {p}, {{"axis", std::int64_t{0}}, {"index_dtype", DType::I32}}),
            B("argmin", {c}, {{"axis", std::int64_t{1}}, {"index_dtype", DType::I64}}),
            B("dot_general", {x, w}, dims),
            x * 2.5};
      },
      "structural");
  return {"structural/" + std::string(dtype_name(t)),
          f,
          {testing::sine_ramp(t, {3, 4}), testing::sine_ramp(t, {4}, 0.91),
           testing::sine_ramp(t, {4, 5}, 1.3)}};
}

// Newton's sqrt per element, until x stops decreasing (jit_control_flow_test's form).
inline Value newton_sqrt(const Value& a) {
  using C2 = std::tuple<Value, Value>;
  auto [x, step] = while_loop([](C2 c) { return std::get<1>(c) > 0.0; },
                              [a](C2 c) {
                                Value x = std::get<0>(c), next = 0.5 * (x + a / x);
                                return std::make_tuple(next, x - next);
                              },
                              std::make_tuple(maximum(a, 1.0), Value(1.0)));
  (void)step;
  return x;
}

// The transformation tests' functions: vmap, grad, value_and_grad, jvp, control flow.
inline std::vector<Case> composition_cases() {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  Fn g = fn([](Value x) { return sin(x) * exp(-x * x); });
  Fn loss = fn([](Value w, Value x) { return sum(tanh(x * w) * w); });
  Fn piecewise = fn([](Value x) {
    return cond(
        x > 0.0, [](Value v) { return log1p(v) * 2.0; }, [](Value v) { return expm1(v); }, x);
  });
  Fn fori = fn([](Value x) {
    return fori_loop(
        2, 9, [x](Value i, Value c) { return c * 0.5 + x * i; }, x);
  });
  Fn mm = fn([](Value a, Value b) { return lanes::matmul(a, b); });
  // A per-element recurrence over 16 steps (its ys unused, so it fuses into a kernel).
  Fn recurrence = fn([](Value c0, Value xs) {
    auto [last, ys] =
        scan([](Value c, Value x) { return std::make_pair(c * 0.5 + sin(x), c); }, c0, xs);
    (void)ys;
    return last;
  });
  Array table = testing::sine_ramp(DType::F64, {64}, 0.23);
  Fn with_constant = fn([table](Value x) { return x * Value(table) + 1.0; });
  Array x = testing::sine_ramp(DType::F64, {64}), y = testing::sine_ramp(DType::F64, {64}, 0.9);
  Array pos = testing::sine_ramp(DType::F64, {64});
  for (double& v : std::span<double>(static_cast<double*>(pos.raw()), 64)) v = std::exp(8 * v);
  Array xf = testing::sine_ramp(DType::F32, {64}), yf = testing::sine_ramp(DType::F32, {64}, 0.9);
  return {
      {"vmap(f)/f64", vmap(f), {x, y}},
      {"vmap(f)/f32", vmap(f), {xf, yf}},
      {"vmap(grad(g))", vmap(grad(g)), {x}},
      {"grad(grad(g))", vmap(grad(grad(g))), {x}},
      {"value_and_grad(loss)",
       value_and_grad(loss),
       {testing::sine_ramp(DType::F64, {16}), testing::sine_ramp(DType::F64, {16}, 0.5)}},
      {"jvp_fn(f)", jvp_fn(f), {x, y, y, x}},
      {"vmap(newton_sqrt)", vmap(fn([](Value a) { return newton_sqrt(a); })), {pos}},
      {"vmap(cond)", vmap(piecewise), {x}},
      {"fori_loop", fori, {x}},
      {"cond(scalar)", piecewise, {Array::scalar(0.7)}},
      {"scan", recurrence, {x, testing::sine_ramp(DType::F64, {16, 64}, 0.13)}},
      {"constant", with_constant, {x}},
      {"matmul",
       mm,
       {testing::sine_ramp(DType::F64, {8, 16}), testing::sine_ramp(DType::F64, {16, 4}, 0.5)}},
  };
}

// Every primitive name in g and its sub-graphs.
inline void collect_primitives(const Graph& g, std::set<std::string>& out) {
  for (const auto& e : g.eqns) {
    out.insert(e.prim->name);
    for (const auto& [name, p] : e.params.entries()) {
      if (const auto* sub = std::get_if<internal::GraphRef>(&p)) {
        if (*sub) collect_primitives(**sub, out);
      } else if (const auto* subs = std::get_if<std::vector<internal::GraphRef>>(&p)) {
        for (const auto& s : *subs) {
          if (s) collect_primitives(*s, out);
        }
      }
    }
  }
}

}  // namespace lanes::amdgpu_test
