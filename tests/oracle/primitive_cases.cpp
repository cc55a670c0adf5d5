// The rows of the tests' primitive table (see primitive_cases.h), and the examples and
// operand values that the tests derive from a row.
#include "tests/oracle/primitive_cases.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "engine/primitive.h"
#include "engine/trace.h"

namespace lanes::testing {

bool PrimitiveCase::accepts(DType t) const {
  return std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
}

Domain PrimitiveCase::domain_of(std::size_t operand) const {
  if (domains.empty()) return {};
  return domains[std::min(operand, domains.size() - 1)];
}

PrimitiveCase unary(std::string name, std::vector<DType> dtypes) {
  PrimitiveCase r;
  r.name = std::move(name);
  r.dtypes = std::move(dtypes);
  r.arity = 1;
  return r;
}

PrimitiveCase binary(std::string name, std::vector<DType> dtypes) {
  PrimitiveCase r = unary(std::move(name), std::move(dtypes));
  r.arity = 2;
  return r;
}

PrimitiveCase structural(std::string name, std::vector<DType> dtypes,
                         std::vector<StructuralCall> calls) {
  PrimitiveCase r;
  r.name = std::move(name);
  r.kind = RowKind::Structural;
  r.dtypes = std::move(dtypes);
  r.calls = std::move(calls);
  return r;
}

PrimitiveCase special(std::string name, std::string why_and_where) {
  PrimitiveCase r;
  r.name = std::move(name);
  r.kind = RowKind::Special;
  r.special = std::move(why_and_where);
  r.differentiable = false;
  return r;
}

namespace {

using internal::Params;

Params dims(Ints lc, Ints rc, Ints lb = {}, Ints rb = {}) {
  return {{"lhs_contracting", std::move(lc)},
          {"rhs_contracting", std::move(rc)},
          {"lhs_batch", std::move(lb)},
          {"rhs_batch", std::move(rb)}};
}

// 1, 2, 3, ... as dtype t (bools alternate), for constants.
Array counting(DType t, const Shape& s) {
  Array a = Array::empty(t, s);
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = i % 2 == 0;
      } else {
        p[i] = static_cast<T>(i + 1);
      }
    }
  });
  return a;
}

PrimitiveCase math(std::string name, double lo, double hi) {
  return unary(std::move(name), kFloat).domain(lo, hi);
}

std::vector<PrimitiveCase> build() {
  using D = Domain;
  std::vector<PrimitiveCase> t = {
      // --- elementwise_unary: float math. domain: smooth and defined (derivatives, the
      // reference); jit_sweep: jit's random values (special values come on top).
      math("sin", -3, 3)
          .jit_sweep(-20, 20)
          .ulps(1, 4, 1)
          .ref([](double x) { return std::sin(x); })
          .large(),
      math("cos", -3, 3).jit_sweep(-20, 20).ulps(1, 4, 1).ref([](double x) { return std::cos(x); }),
      math("tan", -1.2, 1.2).jit_sweep(-1.6, 1.6).ulps(1, 4, 0.5).ref([](double x) {
        return std::tan(x);
      }),
      math("asin", -0.8, 0.8).jit_sweep(-1.1, 1.1).ulps(1, 3.5, 1).ref([](double x) {
        return std::asin(x);
      }),
      math("acos", -0.8, 0.8).jit_sweep(-1.1, 1.1).ulps(1, 4, 1).ref([](double x) {
        return std::acos(x);
      }),
      math("atan", -3, 3).jit_sweep(-50, 50).ulps(1, 4, 1).ref([](double x) {
        return std::atan(x);
      }),
      math("sinh", -2, 2).jit_sweep(-20, 20).ulps(1, 4, 2).ref([](double x) {
        return std::sinh(x);
      }),
      math("cosh", -2, 2).jit_sweep(-20, 20).ulps(1, 4, 2).ref([](double x) {
        return std::cosh(x);
      }),
      math("tanh", -2, 2)
          .jit_sweep(-10, 10)
          .ulps(1, 4, 2)
          .ref([](double x) { return std::tanh(x); })
          .large(),
      math("asinh", -2, 2).jit_sweep(-100, 100).ulps(1, 4, 2).ref([](double x) {
        return std::asinh(x);
      }),
      math("acosh", 1.2, 3).jit_sweep(0.5, 100).ulps(1, 4, 2).ref([](double x) {
        return std::acosh(x);
      }),
      math("atanh", -0.8, 0.8).jit_sweep(-1.1, 1.1).ulps(1, 4, 2).ref([](double x) {
        return std::atanh(x);
      }),
      math("exp", -2, 2)
          .jit_sweep(-100, 100)
          .ulps(1, 4, 1)
          .ref([](double x) { return std::exp(x); })
          .large(),
      math("exp2", -2, 2).jit_sweep(-150, 150).ulps(1, 4, 1).ref([](double x) {
        return std::exp2(x);
      }),
      math("expm1", -2, 2).jit_sweep(-10, 10).ulps(1, 4, 1).ref([](double x) {
        return std::expm1(x);
      }),
      math("log", 0.3, 3)
          .jit_sweep(-1, 1e4)
          .ulps(1, 4, 1)
          .ref([](double x) { return std::log(x); })
          .large(),
      math("log2", 0.3, 3).jit_sweep(-1, 1e4).ulps(1, 4, 2).ref([](double x) {
        return std::log2(x);
      }),
      math("log10", 0.3, 3).jit_sweep(-1, 1e4).ulps(1, 4, 2).ref([](double x) {
        return std::log10(x);
      }),
      math("log1p", -0.5, 2).jit_sweep(-1.5, 100).ulps(1, 4, 1).ref([](double x) {
        return std::log1p(x);
      }),
      math("sqrt", 0.3, 3).jit_sweep(-1, 100).ref([](double x) { return std::sqrt(x); }).large(),
      math("rsqrt", 0.3, 3).jit_sweep(-1, 100).ulps(1, 1, 0).ref([](double x) {
        return 1 / std::sqrt(x);
      }),
      math("cbrt", 0.3, 3).jit_sweep(-100, 100).ulps(1, 4, 4).ref([](double x) {
        return std::cbrt(x);
      }),
      math("erf", -2, 2).jit_sweep(-5, 5).ulps(1, 4, 1).ref([](double x) { return std::erf(x); }),
      math("erfc", -2, 2).jit_sweep(-3, 10).ulps(1.5, 4, 5).ref([](double x) {
        return std::erfc(x);
      }),
      math("logistic", -5, 5).jit_sweep(-20, 20).ulps(3, 5, 3).ref([](double x) {
        return 1 / (1 + std::exp(-x));
      }),
      // --- elementwise_unary: exact
      unary("neg", kNum).ref([](double x) { return -x; }).large(),
      unary("abs", kNum).domain(0.2, 2).ref([](double x) { return std::fabs(x); }),
      unary("sign", kNum).domain(0.1, 2).not_differentiable(),
      unary("floor", kFloat).domain(0.1, 0.4).not_differentiable().ref([](double x) {
        return std::floor(x);
      }),
      unary("ceil", kFloat).domain(0.1, 0.4).not_differentiable().ref([](double x) {
        return std::ceil(x);
      }),
      unary("round", kFloat).domain(0.1, 0.4).not_differentiable().ref([](double x) {
        return std::round(x);
      }),
      unary("not", kLogic).not_differentiable(),
      // --- elementwise_binary
      binary("add", kNum).ref([](double a, double b) { return a + b; }).large(),
      binary("sub", kNum).ref([](double a, double b) { return a - b; }),
      binary("mul", kNum).ref([](double a, double b) { return a * b; }),
      binary("div", kNum)
          .domain(0.5, 2)
          .ints(1, 5)
          .ref([](double a, double b) { return a / b; })
          .large(),
      // a / b in (2, 2.9): away from rem's jumps
      binary("rem", kNum)
          .domains2(D{2.1, 2.9}, D{1.0, 1.05})
          .ints(1, 5)
          .ref([](double a, double b) { return std::fmod(a, b); }),
      binary("pow", kNum)
          .domain(0.5, 2)
          .ints(0, 4)
          .jit_sweep(-4, 6)
          .ulps(1, 4, 1)
          .ref([](double a, double b) { return std::pow(a, b); }),
      binary("atan2", kFloat).domain(0.3, 2).ulps(1, 4, 0.5).ref([](double a, double b) {
        return std::atan2(a, b);
      }),
      binary("min", kNum).ref([](double a, double b) { return std::fmin(a, b); }),
      binary("max", kNum).ref([](double a, double b) { return std::fmax(a, b); }).large(),
      binary("and", kLogic).not_differentiable(),
      binary("or", kLogic).not_differentiable(),
      binary("xor", kLogic).not_differentiable(),
      // --- compare_select
      binary("lt", kAll)
          .not_differentiable()
          .ref([](double a, double b) { return a < b ? 1.0 : 0.0; })
          .large(),
      binary("le", kAll).not_differentiable().ref([](double a, double b) {
        return a <= b ? 1.0 : 0.0;
      }),
      binary("gt", kAll).not_differentiable().ref([](double a, double b) {
        return a > b ? 1.0 : 0.0;
      }),
      binary("ge", kAll).not_differentiable().ref([](double a, double b) {
        return a >= b ? 1.0 : 0.0;
      }),
      binary("eq", kAll).not_differentiable().ref([](double a, double b) {
        return a == b ? 1.0 : 0.0;
      }),
      binary("ne", kAll).not_differentiable().ref([](double a, double b) {
        return a != b ? 1.0 : 0.0;
      }),
  };
  {
    PrimitiveCase s = unary("select", kAll).large();
    s.arity = 3;
    s.bool_first = true;
    t.push_back(s);
    PrimitiveCase c = unary("convert", kAll).jit_sweep(-3e9, 3e9).large();
    c.params = {{"weak", false}};
    c.variants = kAll;
    c.variant_param = "dtype";
    t.push_back(c);
  }
  // --- shape ops
  t.push_back(structural(
      "broadcast_in_dim", kAll,
      {{{{3}}, {{"shape", Shape{2, 3}}, {"broadcast_dimensions", Ints{1}}}},
       {{{1, 3}}, {{"shape", Shape{4, 3}}, {"broadcast_dimensions", Ints{0, 1}}}},
       {std::vector<Shape>{Shape{}}, {{"shape", Shape{2}}, {"broadcast_dimensions", Ints{}}}}}));
  t.push_back(structural(
      "reshape", kAll,
      {{{{2, 3}}, {{"new_sizes", Shape{3, 2}}}}, {{{6}}, {{"new_sizes", Shape{2, 1, 3}}}}}));
  t.push_back(structural("transpose", kAll, {{{{2, 3, 4}}, {{"permutation", Ints{2, 0, 1}}}}}));
  t.push_back(structural("rev", kAll, {{{{2, 3, 4}}, {{"dimensions", Ints{0, 2}}}}}));
  t.push_back(structural(
      "slice", kAll,
      {{{{6, 4}},
        {{"start_indices", Ints{1, 0}}, {"limit_indices", Ints{6, 3}}, {"strides", Ints{2, 1}}}}}));
  t.push_back(structural("concatenate", kAll,
                         {{{{2, 3}, {1, 3}}, {{"dimension", std::int64_t{0}}}},
                          {{{2, 3}, {2, 1}, {2, 2}}, {{"dimension", std::int64_t{1}}}}}));
  {
    StructuralCall c;
    c.shapes = {{3}};
    c.call = [](const std::vector<Value>& in, DType ty) {
      return std::vector<Value>{in[0] * iota(ty, {3}), iota(ty, {2, 3}, 1)};
    };
    t.push_back(structural("iota", kNum, {c}));
  }
  {
    StructuralCall c;
    c.shapes = {{3}};
    c.call = [](const std::vector<Value>& in, DType ty) {
      Value k = constant(counting(ty, {3}));
      return std::vector<Value>{ty == kB ? in[0] ^ k : in[0] * k};
    };
    t.push_back(structural("constant", kAll, {c}));
  }
  // --- reductions
  for (const char* r : {"reduce_sum", "reduce_prod", "reduce_max", "reduce_min"}) {
    bool arith = std::string(r) == "reduce_sum" || std::string(r) == "reduce_prod";
    PrimitiveCase row = structural(r, arith ? kNum : kAll,
                                   {{{{3, 4}}, {{"axes", Ints{1}}}},
                                    {{{2, 3, 4}}, {{"axes", Ints{0, 2}}}},
                                    {{{2, 3}}, {{"axes", Ints{0, 1}}}}});
    row.int_domain = {-3, 3};
    t.push_back(row);
  }
  for (const char* r : {"argmax", "argmin"}) {
    t.push_back(structural(r, kAll,
                           {{{{3, 4}}, {{"axis", std::int64_t{1}}, {"index_dtype", kI64}}},
                            {{{3, 4}}, {{"axis", std::int64_t{0}}, {"index_dtype", kI32}}}})
                    .not_differentiable());
  }
  t.push_back(structural("dot_general", kNum,
                         {{{{2, 3}, {3, 4}}, dims({1}, {0})},
                          {{{3}, {3}}, dims({0}, {0})},
                          {{{2, 3, 4}, {2, 4, 5}}, dims({2}, {1}, {0}, {0})}})
                  .ints(-3, 3));
  // --- not generic: sub-graphs, user rules, replicas
  const char* kControl =
      "holds sub-graphs built from user functions: control_flow_test, jit_control_flow_test, "
      "the control-flow cases of vmap_test, jvp_test and grad_test, the fuzz generator";
  for (const char* n : {"cond", "while_loop", "fori_loop", "scan"})
    t.push_back(special(n, kControl));
  t.push_back(special("stop_gradient",
                      "its derivative is not that of the function it computes: Jvp.StopGradient, "
                      "Grad.StopGradientBlocksCotangents, vmap_test, jit_primitives_test"));
  t.push_back(special("custom_jvp",
                      "holds the user's function and rule: Jvp.CustomJvpSoftplus, "
                      "Grad.CustomJvpRuleIsUsedInReverseMode, vmap_test, jit_primitives_test"));
  t.push_back(special("custom_vjp",
                      "holds the user's fwd and bwd: custom_vjp_test, vmap_test, "
                      "jit_primitives_test"));
  for (const char* n : {"psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index"}) {
    t.push_back(special(n,
                        "needs a bound axis name and replicas: pmap_test, collective_vmap_test, "
                        "collective_grad_test, communicator_thread_test"));
  }
  t.push_back(special("pmap",
                      "runs replicas on devices: pmap_test, pmap_runtime_test, "
                      "pmap_grad_test"));
  return t;
}

}  // namespace

const std::vector<PrimitiveCase>& primitive_cases() {
  static const std::vector<PrimitiveCase> t = build();
  return t;
}

const PrimitiveCase* find_case(std::string_view name) {
  static const std::map<std::string, const PrimitiveCase*, std::less<>> index = [] {
    std::map<std::string, const PrimitiveCase*, std::less<>> m;
    for (const PrimitiveCase& r : primitive_cases()) m[r.name] = &r;
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

namespace {

Operand operand_of(const PrimitiveCase& row, std::size_t i, DType t, Shape s) {
  Domain d = is_float(t) ? row.domain_of(i) : is_int(t) ? row.int_domain : Domain{};
  return {t, std::move(s), d};
}

std::string describe(const std::string& name, const std::vector<Operand>& ops) {
  std::string s = name;
  for (const Operand& o : ops)
    s += " " + std::string(dtype_name(o.dtype)) + shape_to_string(o.shape);
  return s;
}

}  // namespace

std::vector<Example> examples(const PrimitiveCase& row, DType t, std::optional<DType> variant,
                              std::int64_t n) {
  std::vector<Example> out;
  if (row.kind == RowKind::Special) return out;
  const internal::Primitive& prim = internal::primitive(row.name);
  if (row.kind == RowKind::Structural) {
    for (const StructuralCall& c : row.calls) {
      Example e;
      for (std::size_t i = 0; i < c.shapes.size(); ++i) {
        DType dt = i < c.fixed.size() && c.fixed[i] ? *c.fixed[i] : t;
        e.operands.push_back(operand_of(row, i, dt, c.shapes[i]));
      }
      if (c.call) {
        e.call = [f = c.call, t](const std::vector<Value>& in) { return f(in, t); };
      } else {
        e.call = [&prim, ps = c.params](const std::vector<Value>& in) {
          return internal::bind(prim, in, ps);
        };
      }
      e.what = describe(row.name, e.operands);
      out.push_back(std::move(e));
    }
    return out;
  }
  internal::Params ps = row.params;
  if (!row.variant_param.empty()) ps.set(row.variant_param, variant.value_or(t));
  CallFn call = [&prim, ps](const std::vector<Value>& in) { return internal::bind(prim, in, ps); };
  auto shaped = [&](std::size_t scalar) {  // scalar: the operand made rank 0 (or none)
    Example e;
    for (std::size_t i = 0; i < static_cast<std::size_t>(row.arity); ++i) {
      DType dt = row.bool_first && i == 0 ? kB : t;
      e.operands.push_back(operand_of(row, i, dt, i == scalar ? Shape{} : Shape{n}));
    }
    e.call = call;
    e.what = describe(row.name, e.operands);
    if (variant) e.what += " to " + std::string(dtype_name(*variant));
    return e;
  };
  out.push_back(shaped(static_cast<std::size_t>(-1)));
  if (row.arity >= 2) {
    out.push_back(shaped(0));
    out.push_back(shaped(static_cast<std::size_t>(row.arity - 1)));
  }
  return out;
}

std::vector<Example> transform_examples(const PrimitiveCase& row, bool f32) {
  std::vector<Example> out;
  if (!row.generic()) return out;
  auto add = [&](DType t, std::optional<DType> v = {}) {
    for (Example& e : examples(row, t, v)) out.push_back(std::move(e));
  };
  std::optional<DType> variant;
  if (!row.variants.empty()) variant = kI32;
  if (row.accepts(kF64)) {
    add(kF64, variant);
  } else if (row.accepts(kB)) {
    add(kB, variant);
  }
  if (f32 && row.kind == RowKind::Elementwise && row.arity == 1 && row.accepts(kF32) &&
      row.variants.empty())
    add(kF32);
  if (row.accepts(kI32) && row.variants.empty()) add(kI32);
  return out;
}

Example combined(std::vector<Example> ex) {
  Example all;
  std::vector<std::size_t> counts;
  for (const Example& e : ex) {
    all.what += (all.what.empty() ? "" : "; ") + e.what;
    counts.push_back(e.operands.size());
    all.operands.insert(all.operands.end(), e.operands.begin(), e.operands.end());
  }
  all.call = [ex = std::move(ex), counts](const std::vector<Value>& in) {
    std::vector<Value> out;
    auto at = in.begin();
    for (std::size_t i = 0; i < ex.size(); ++i) {
      const auto end = at + static_cast<std::ptrdiff_t>(counts[i]);
      for (const Value& v : ex[i].call(std::vector<Value>(at, end))) out.push_back(v);
      at = end;
    }
    return out;
  };
  return all;
}

Array random_operand(const Operand& o, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(o.domain.lo, o.domain.hi);
  Array a = Array::empty(o.dtype, o.shape);
  visit_dtype(o.dtype, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      double v = u(rng);
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = v > (o.domain.lo + o.domain.hi) / 2;
      } else if constexpr (std::is_integral_v<T>) {
        p[i] = static_cast<T>(std::floor(v));
      } else {
        p[i] = static_cast<T>(v);
      }
    }
  });
  return a;
}

}  // namespace lanes::testing
