// JIT against the reference interpreter for every primitive of the registry and every
// dtype it accepts: sizes 0, 1, 3, W-1, W, W+1 at forced vector widths 1, 2, 4, 8, 16, in
// both precision modes, on inputs full of special values (signed zeros, infinities, NaN,
// subnormals, integer extremes, zero divisors). A second suite runs every primitive at
// the host width on an input that pairs every special value with every other, and a
// representative subset at 1000003 elements (the threaded path).
//
// How to call each primitive, its dtypes, jit's value sweep and its vector-math bound come
// from the tests' primitive table (tests/oracle/primitive_cases.h): elementwise rows and
// structural rows without a jit entry of their own below are run from it as they are;
// the entries below sweep the structural primitives' minor axis around the width. A
// generic row without an entry, or a primitive without a row, fails EveryPrimitiveHasAnEntry.
// Tolerances come from docs/precision.md (exact for everything that is not vector math) plus the
// reference's own error: the interpreter computes f64 math with glibc (whose bounds are glibc's
// x86_64 libm-test-ulps) and f32 math in double rounded once (<= 0.5 ulp). Float sums, products and
// dot products accumulate in double in the interpreter and in the element type in the JIT; their
// tolerance is the standard error bound of recursive summation.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/oracle/primitive_cases.h"
#include "tests/unit/difftest_util.h"

namespace lanes {
namespace {

using internal::Params;
using testing::Tolerance;
using Ints = std::vector<std::int64_t>;
using Body = std::function<std::vector<Value>(const std::vector<Value>&)>;

constexpr DType kB = DType::Bool, kI32 = DType::I32, kI64 = DType::I64, kF32 = DType::F32,
                kF64 = DType::F64;
const std::vector<DType> kAll{kB, kI32, kI64, kF32, kF64};
const std::vector<DType> kNum{kI32, kI64, kF32, kF64};

constexpr int kWidths[] = {1, 2, 4, 8, 16};
constexpr std::int64_t kBig = 1000003;

// --- input values -------------------------------------------------------------------------

std::vector<double> float_specials(DType t) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double sub = t == kF32 ? std::numeric_limits<float>::denorm_min()
                               : std::numeric_limits<double>::denorm_min();
  const double tiny =
      t == kF32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  const double big =
      t == kF32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  return {0.0,   -0.0, inf,          -inf,          nan,  sub,   -sub, tiny / 3, tiny,
          -tiny, big,  -big,         1.0,           -1.0, 0.5,   -0.5, 2.5,      -2.5,
          3e9,   -3e9, 2147483647.5, -2147483648.0, 1e19, -1e19, 1e-7, 0.999999};
}

std::vector<double> int_specials(DType t) {
  std::vector<double> v{0, 1, -1, 2, -2, 3, -3, 7, 31, 32, 63, 64};
  if (t == kI32) {
    v.insert(v.end(), {-2147483648.0, -2147483647.0, 2147483647.0, 2147483646.0});
  }
  return v;
}

// The values of a special slot for i64 that a double cannot hold.
std::int64_t i64_special(std::size_t k) {
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::int64_t v[] = {
      lo, lo + 1, hi, hi - 1, (std::int64_t{1} << 32) + 5, -((std::int64_t{1} << 53) + 1)};
  return v[k % std::size(v)];
}

std::size_t num_specials(DType t) {
  if (t == kB) return 2;
  return is_float(t) ? float_specials(t).size() : int_specials(t).size() + (t == kI64 ? 6 : 0);
}

// How an operand is filled: special values at even positions (operand k of an n-ary op
// walks the special list at its own rate, so the first 2*S^2 elements pair every special
// of operand 0 with every special of operand 1), random values of [lo, hi] at odd ones.
struct Fill {
  double lo = -10, hi = 10;
  bool specials = true;
};

Array make_input(DType t, const Shape& shape, int operand, std::uint32_t seed, Fill fill = {}) {
  Array a = Array::empty(t, shape);
  std::mt19937_64 rng(seed * 7919u + static_cast<std::uint32_t>(operand) * 104729u + 1);
  const std::size_t S = num_specials(t);
  const std::vector<double> fs = is_float(t) ? float_specials(t) : int_specials(t);
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (fill.specials && i % 2 == 0) {
        std::size_t j = u / 2 + seed;
        std::size_t k = operand == 0 ? (j / S) % S : operand == 1 ? j % S : (j / 3) % S;
        if constexpr (std::is_same_v<T, bool>) {
          p[i] = k % 2 == 1;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          p[i] = k < fs.size() ? static_cast<T>(fs[k]) : i64_special(k - fs.size());
        } else {
          p[i] = static_cast<T>(fs[k]);
        }
        continue;
      }
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = (rng() & 1) != 0;
      } else if constexpr (std::is_integral_v<T>) {
        // Mostly small values (meaningful sums, shifts of pow), some of the full range.
        p[i] = rng() % 4 == 0 ? static_cast<T>(rng())
                              : static_cast<T>(static_cast<std::int64_t>(rng() % 201) - 100);
      } else {
        std::uniform_real_distribution<double> d(fill.lo, fill.hi);
        p[i] = static_cast<T>(d(rng));
      }
    }
  });
  return a;
}

// --- tolerances ---------------------------------------------------------------------------

// ULP bounds of docs/precision.md (precise, fast) and glibc's f64 bound for the reference.
using testing::MathUlps;

std::uint64_t math_ulps(const MathUlps& m, DType t, Precision p) {
  double bound = p == Precision::Precise ? m.precise : m.fast;
  if (bound == 0) return 0;  // exact ops stay bit-exact
  double ref = t == kF64 ? m.glibc_f64 : 0.5;
  return static_cast<std::uint64_t>(std::ceil(bound + ref));
}

// Bound of recursive summation of `terms` values in the element type, against a sum in
// double rounded once: (terms + 1) * u * sum|x| (Higham, Accuracy and Stability, 4.2).
double sum_abs_tol(DType t, std::int64_t terms, double sum_abs) {
  if (t != kF32) return 0;  // f64 accumulates in the same order in both: exact
  return static_cast<double>(terms + 1) * std::ldexp(1.0, -24) * sum_abs;
}

double finite_abs_sum(const Array& a) {
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    double v = a.element_as_double(i);
    if (std::isfinite(v)) s += std::fabs(v);
  }
  return s;
}

double finite_abs_max(const Array& a) {
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    double v = a.element_as_double(i);
    if (std::isfinite(v)) s = std::max(s, std::fabs(v));
  }
  return s;
}

// --- the table ----------------------------------------------------------------------------

// One call of a primitive: inputs, the traced body and a tolerance per output (empty:
// the entry's math tolerance for every output).
struct Case {
  std::vector<Array> inputs;
  Body body;
  std::vector<Tolerance> tols;
};

struct Entry {
  std::vector<DType> dtypes;    // what the shape rule accepts; others raise DTypeError
  std::vector<DType> variants;  // convert: target dtypes; empty: one plain variant
  MathUlps ulps;                // vector-math bound (zero: exact)
  bool big = false;             // also run at kBig elements
  std::function<Case(DType t, DType variant, std::int64_t n, std::uint32_t seed)> make;
};

Value B(const char* prim, std::vector<Value> in, Params ps = {}) {
  return internal::bind1(internal::primitive(prim), in, std::move(ps));
}

Entry elementwise(std::string name, std::vector<DType> dtypes, int arity, MathUlps ulps = {},
                  Fill fill = {}, bool big = false) {
  Entry e;
  e.dtypes = std::move(dtypes);
  e.ulps = ulps;
  e.big = big;
  e.make = [name, arity, fill](DType t, DType, std::int64_t n, std::uint32_t seed) {
    Case c;
    for (int k = 0; k < arity; ++k) c.inputs.push_back(make_input(t, {n}, k, seed, fill));
    c.body = [name](const std::vector<Value>& a) { return std::vector<Value>{B(name.c_str(), a)}; };
    return c;
  };
  return e;
}

// A dtype-generic step for loop bodies: x + x for numbers (wraps for ints), not x for bool.
Value step(const Value& x) { return x.dtype() == kB ? B("not", {x}) : B("add", {x, x}); }
Value combine(const Value& a, const Value& b) {
  return a.dtype() == kB ? B("xor", {a, b}) : B("add", {a, b});
}

// Values for sums and dot products: moderate (no overflow in f32 accumulation), with a
// few specials in the last row only, so other rows stay finite (none in a rank-0 value).
Array moderate(DType t, const Shape& s, int operand, std::uint32_t seed) {
  Array a = make_input(t, s, operand, seed, {-4, 4, false});
  if (is_float(t) && a.size() > 0 && !s.empty()) {
    const double specials[] = {0.0,
                               -0.0,
                               std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN(),
                               1e-310,
                               -1.0};
    std::int64_t row = s.back() == 0 ? 0 : a.size() / s.back() - 1;
    for (std::int64_t j = 0; j < s.back(); j += 3) {
      double v = specials[static_cast<std::size_t>((j / 3 + seed) % std::size(specials))];
      std::int64_t i = row * s.back() + j;
      if (t == kF32)
        a.mutable_data<float>()[static_cast<std::size_t>(i)] = static_cast<float>(v);
      else
        a.mutable_data<double>()[static_cast<std::size_t>(i)] = v;
    }
  }
  return a;
}

// The dtypes of a row of the shared table.
const std::vector<DType>& dtypes_of(const char* name) {
  const testing::PrimitiveCase* r = testing::find_case(name);
  if (r == nullptr) throw std::logic_error(std::string("no row for ") + name);
  return r->dtypes;
}

// A structural row of the shared table run at its own shapes (n does not change them):
// every call of the row in one case.
Entry from_row(const testing::PrimitiveCase& r) {
  Entry e;
  e.dtypes = r.dtypes;
  e.big = r.big;
  e.ulps = r.math;
  e.make = [&r](DType t, DType, std::int64_t, std::uint32_t seed) {
    Case c;
    testing::Example all = testing::combined(testing::examples(r, t));
    int k = 0;
    for (const testing::Operand& o : all.operands)
      c.inputs.push_back(moderate(o.dtype, o.shape, k++, seed));
    c.body = all.call;
    return c;
  };
  return e;
}

std::map<std::string, Entry> build_table() {
  std::map<std::string, Entry> t;
  // --- select and convert
  {
    Entry e;
    e.dtypes = dtypes_of("select");
    e.big = true;
    e.make = [](DType ty, DType, std::int64_t n, std::uint32_t seed) {
      Case c;
      c.inputs = {make_input(kB, {n}, 2, seed), make_input(ty, {n}, 0, seed),
                  make_input(ty, {n}, 1, seed)};
      c.body = [](const std::vector<Value>& a) { return std::vector<Value>{B("select", a)}; };
      return c;
    };
    t["select"] = e;
  }
  {
    Entry e;
    e.dtypes = dtypes_of("convert");
    e.variants = testing::find_case("convert")->variants;
    e.big = true;
    e.make = [](DType from, DType to, std::int64_t n, std::uint32_t seed) {
      Case c;
      c.inputs = {make_input(from, {n}, 0, seed, {-3e9, 3e9})};
      c.body = [to](const std::vector<Value>& a) {
        return std::vector<Value>{B("convert", a, {{"dtype", to}, {"weak", false}})};
      };
      return c;
    };
    t["convert"] = e;
  }
  // --- shapes: n is the extent of the minor (vector) axis
  // dtypes: the row's, for primitives with a row that is not special (control flow,
  // custom derivatives: all dtypes).
  auto structural = [&](const char* name, std::vector<DType> dtypes,
                        std::function<Case(DType, std::int64_t, std::uint32_t)> make) {
    Entry e;
    const testing::PrimitiveCase* row = testing::find_case(name);
    e.dtypes = row && row->generic() ? row->dtypes : std::move(dtypes);
    e.make = [make](DType ty, DType, std::int64_t n, std::uint32_t seed) {
      return make(ty, n, seed);
    };
    t[name] = e;
  };
  structural("broadcast_in_dim", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed), make_input(ty, {}, 1, seed + 1),
                make_input(ty, {1, n}, 1, seed)};
    c.body = [n](const std::vector<Value>& a) {
      return std::vector<Value>{
          B("broadcast_in_dim", {a[0]},
            {{"shape", Shape{3, n}}, {"broadcast_dimensions", Ints{1}}}),
          B("broadcast_in_dim", {a[0]},
            {{"shape", Shape{n, 2}}, {"broadcast_dimensions", Ints{0}}}),
          B("broadcast_in_dim", {a[1]}, {{"shape", Shape{2, n}}, {"broadcast_dimensions", Ints{}}}),
          B("broadcast_in_dim", {a[2]},
            {{"shape", Shape{2, 3, n}}, {"broadcast_dimensions", Ints{1, 2}}})};
    };
    return c;
  });
  structural("reshape", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {2, n}, 0, seed)};
    c.body = [n](const std::vector<Value>& a) {
      return std::vector<Value>{B("reshape", {a[0]}, {{"new_sizes", Shape{n, 2}}}),
                                B("reshape", {a[0]}, {{"new_sizes", Shape{2 * n}}}),
                                B("reshape", {a[0]}, {{"new_sizes", Shape{2, 1, n}}})};
    };
    return c;
  });
  structural("transpose", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {3, n}, 0, seed), make_input(ty, {2, n, 3}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      return std::vector<Value>{B("transpose", {a[0]}, {{"permutation", Ints{1, 0}}}),
                                B("transpose", {a[1]}, {{"permutation", Ints{2, 0, 1}}})};
    };
    return c;
  });
  structural("slice", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {3, n + 3}, 0, seed)};
    c.body = [n](const std::vector<Value>& a) {
      return std::vector<Value>{B("slice", {a[0]},
                                  {{"start_indices", Ints{0, 1}},
                                   {"limit_indices", Ints{3, n + 1}},
                                   {"strides", Ints{1, 1}}}),
                                B("slice", {a[0]},
                                  {{"start_indices", Ints{1, 0}},
                                   {"limit_indices", Ints{3, n + 3}},
                                   {"strides", Ints{2, 2}}})};
    };
    return c;
  });
  structural("concatenate", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {2, n}, 0, seed), make_input(ty, {2, 3}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      return std::vector<Value>{
          B("concatenate", {a[0], a[1], a[0]}, {{"dimension", std::int64_t{1}}}),
          B("concatenate", {a[0], a[0]}, {{"dimension", std::int64_t{0}}})};
    };
    return c;
  });
  structural("iota", kNum, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed)};
    c.body = [ty, n](const std::vector<Value>& a) {
      Value row =
          B("iota", {}, {{"dtype", ty}, {"shape", Shape{n}}, {"dimension", std::int64_t{0}}});
      return std::vector<Value>{
          B("iota", {}, {{"dtype", ty}, {"shape", Shape{2, n}}, {"dimension", std::int64_t{1}}}),
          B("iota", {}, {{"dtype", ty}, {"shape", Shape{n, 3}}, {"dimension", std::int64_t{0}}}),
          B("mul", {row, a[0]})};
    };
    return c;
  });
  structural("constant", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed)};
    Array k = make_input(ty, {n}, 1, seed);
    c.body = [k](const std::vector<Value>& a) {
      Value kv = constant(k);
      return std::vector<Value>{kv, B("eq", {a[0], kv})};
    };
    return c;
  });
  // --- reductions over the minor axis, the major axis and both
  auto reduction = [&](const char* name, bool arithmetic, bool big) {
    Entry e;
    e.dtypes = dtypes_of(name);
    e.big = big;
    e.make = [name, arithmetic](DType ty, DType, std::int64_t n, std::uint32_t seed) {
      Case c;
      bool prod = std::string(name) == "reduce_prod";
      Array x = arithmetic ? (prod ? make_input(ty, {3, n}, 0, seed, {0.5, 2, false})
                                   : moderate(ty, {3, n}, 0, seed))
                           : make_input(ty, {3, n}, 0, seed);
      c.inputs = {x};
      c.body = [name](const std::vector<Value>& a) {
        return std::vector<Value>{B(name, {a[0]}, {{"axes", Ints{1}}}),
                                  B(name, {a[0]}, {{"axes", Ints{0}}}),
                                  B(name, {a[0]}, {{"axes", Ints{0, 1}}})};
      };
      if (arithmetic && ty == kF32) {
        const std::int64_t terms[] = {n, 3, 3 * n};
        for (std::int64_t k : terms) {
          // Products: each of the k-1 roundings is at most 1/2 ulp, i.e. <= 1 ulp each.
          c.tols.push_back(prod ? Tolerance{static_cast<std::uint64_t>(k + 1), 0}
                                : Tolerance{1, sum_abs_tol(ty, k, finite_abs_sum(x))});
        }
      } else if (arithmetic && ty == kF64) {
        // The reduction over the major axis (3 terms, along the vector axis) accumulates
        // in the interpreter's order: exact. The minor-axis one may run in SIMD along its
        // own loop (codegen/cpu/inner_vectorization.h) and the full one in per-lane
        // partials (engine/lower/split_reduction.h), both in another order: each order is
        // within k roundings of the exact value, so they agree within 2k.
        const double u = std::ldexp(1.0, -53);
        auto reordered = [&](std::int64_t k) {
          return prod ? Tolerance{static_cast<std::uint64_t>(2 * k + 2), 0}
                      : Tolerance{1, 2.0 * static_cast<double>(k + 1) * u * finite_abs_sum(x)};
        };
        c.tols = {reordered(n), Tolerance{}, reordered(3 * n)};
      }
      return c;
    };
    t[name] = e;
  };
  reduction("reduce_sum", true, true);
  reduction("reduce_prod", true, false);
  reduction("reduce_max", false, true);
  reduction("reduce_min", false, false);
  for (const char* name : {"argmax", "argmin"}) {
    Entry e;
    e.dtypes = dtypes_of(name);
    e.big = std::string(name) == "argmax";
    e.make = [name](DType ty, DType, std::int64_t n, std::uint32_t seed) {
      Case c;
      c.inputs = {make_input(ty, {3, n}, 0, seed)};
      c.body = [name, n](const std::vector<Value>& a) {
        std::vector<Value> out{B(name, {a[0]}, {{"axis", std::int64_t{0}}, {"index_dtype", kI64}})};
        // The extreme of an empty axis is an error; only reduce the minor axis if n > 0.
        if (n > 0)
          out.push_back(B(name, {a[0]}, {{"axis", std::int64_t{1}}, {"index_dtype", kI32}}));
        return out;
      };
      return c;
    };
    t[name] = e;
  }
  // --- dot_general: dot, matvec, matmul, batched matmul and outer product (n contracts)
  {
    Entry e;
    e.dtypes = dtypes_of("dot_general");
    e.big = true;
    e.make = [](DType ty, DType, std::int64_t n, std::uint32_t seed) {
      Case c;
      c.inputs = {moderate(ty, {3, n}, 0, seed), moderate(ty, {n, 2}, 1, seed),
                  moderate(ty, {2, 3, n}, 2, seed), moderate(ty, {2, n, 2}, 3, seed),
                  moderate(ty, {2}, 4, seed)};
      auto dims = [](Ints lc, Ints rc, Ints lb = {}, Ints rb = {}) {
        return Params{
            {"lhs_contracting", lc}, {"rhs_contracting", rc}, {"lhs_batch", lb}, {"rhs_batch", rb}};
      };
      c.body = [dims](const std::vector<Value>& a) {
        Value row = B("slice", {a[0]},
                      {{"start_indices", Ints{0, 0}},
                       {"limit_indices", Ints{1, a[0].shape()[1]}},
                       {"strides", Ints{1, 1}}});
        Value v = B("reshape", {row}, {{"new_sizes", Shape{a[0].shape()[1]}}});  // [n]
        return std::vector<Value>{
            B("dot_general", {v, v}, dims({0}, {0})),                  // dot
            B("dot_general", {a[0], v}, dims({1}, {0})),               // matvec
            B("dot_general", {a[0], a[1]}, dims({1}, {0})),            // matmul
            B("dot_general", {a[2], a[3]}, dims({2}, {1}, {0}, {0})),  // batched
            B("dot_general", {v, a[4]}, dims({}, {}))};                // outer [n, 2]
      };
      if (ty == kF32) {
        // Each output sums n products of at most max|a| * max|b| (outer: one product).
        double m = 0;
        for (const Array& x : c.inputs) m = std::max(m, finite_abs_max(x));
        double tol = sum_abs_tol(ty, n, static_cast<double>(n) * m * m);
        c.tols = {{1, tol}, {1, tol}, {1, tol}, {1, tol}, {0, 0}};
      } else if (ty == kF64) {
        // Contractions may be summed in another order than the interpreter's (a SIMD
        // reduction along the contracted axis): both are within n roundings of the
        // exact sum of products. The outer product is exact.
        double m = 0;
        for (const Array& x : c.inputs) m = std::max(m, finite_abs_max(x));
        const double tol = 2.0 * static_cast<double>(n + 1) * std::ldexp(1.0, -53) *
                           static_cast<double>(n) * m * m;
        c.tols = {{1, tol}, {1, tol}, {1, tol}, {1, tol}, {0, 0}};
      }
      return c;
    };
    t["dot_general"] = e;
  }
  // --- control flow (a host step in the JIT for now, but the same primitive)
  structural("cond", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {Array::from(std::vector<bool>{seed % 2 == 0}, Shape{}),
                make_input(ty, {n}, 0, seed), make_input(ty, {n}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      Value x = a[1], y = a[2];
      auto [p0, q0] = cond(
          a[0], [](Value u, Value v) { return std::make_tuple(step(v), u); },
          [](Value u, Value v) { return std::make_tuple(u, v); }, x, y);
      Value r1 = cond(
          B("not", {a[0]}), [x](Value v) { return combine(v, x); }, [](Value v) { return step(v); },
          y);
      return std::vector<Value>{p0, q0, r1};
    };
    return c;
  });
  structural("while_loop", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {Array::scalar<std::int64_t>(static_cast<std::int64_t>(seed % 5)),
                make_input(ty, {n}, 0, seed)};
    c.body = [](const std::vector<Value>& a) {
      Value k = a[0];
      auto [i, x] = while_loop([k](std::tuple<Value, Value> s) { return std::get<0>(s) < k; },
                               [](std::tuple<Value, Value> s) {
                                 return std::make_tuple(std::get<0>(s) + 1, step(std::get<1>(s)));
                               },
                               std::make_tuple(Value(std::int64_t{0}), a[1]));
      return std::vector<Value>{i, x};
    };
    return c;
  });
  structural("fori_loop", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {Array::scalar<std::int64_t>(static_cast<std::int64_t>(seed % 4)),
                make_input(ty, {n}, 0, seed), make_input(ty, {n}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      Value y = a[2];
      return std::vector<Value>{fori_loop(
          Value(std::int64_t{0}), a[0], [y](Value, Value acc) { return combine(step(acc), y); },
          a[1])};
    };
    return c;
  });
  structural("scan", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {2}, 0, seed), make_input(ty, {n, 2}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      auto [carry, ys] =
          scan([](Value cv, Value x) { return std::make_pair(combine(cv, x), cv); }, a[0], a[1]);
      return std::vector<Value>{carry, ys};
    };
    return c;
  });
  // --- autodiff primitives: jit evaluates them as the identity and as their primal graph
  structural("stop_gradient", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed)};
    c.body = [](const std::vector<Value>& a) {
      Value s = stop_gradient(a[0]);
      return std::vector<Value>{s, B("eq", {s, a[0]})};
    };
    return c;
  });
  structural("custom_jvp", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed), make_input(ty, {n}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      Fn g = custom_jvp(fn([](Value x, Value y) {
                          return std::make_tuple(x, B("eq", {x, y}));
                        }),
                        fn([](Value x, Value y, Value tx, Value) {
                          return std::make_tuple(x, B("eq", {x, y}), tx, B("eq", {x, x}));
                        }));
      return std::vector<Value>(g(a[0], a[1]));
    };
    return c;
  });
  structural("custom_vjp", kAll, [](DType ty, std::int64_t n, std::uint32_t seed) {
    Case c;
    c.inputs = {make_input(ty, {n}, 0, seed), make_input(ty, {n}, 1, seed)};
    c.body = [](const std::vector<Value>& a) {
      Fn g = custom_vjp(fn([](Value x, Value y) {
                          return std::make_tuple(x, B("eq", {x, y}));
                        }),
                        fn([](Value x, Value y) {
                          return std::make_tuple(x, B("eq", {x, y}), y);
                        }),
                        fn([](Value, Value gx, Value) { return std::make_tuple(gx, gx); }));
      return std::vector<Value>(g(a[0], a[1]));
    };
    return c;
  });
  // Every other row of the shared table: elementwise ones from their arity, dtypes, sweep
  // and bound; structural ones at their own shapes.
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (!r.generic() || t.count(r.name)) continue;
    if (r.kind == testing::RowKind::Elementwise) {
      t[r.name] = elementwise(r.name, r.dtypes, r.arity, r.math, {r.sweep.lo, r.sweep.hi}, r.big);
    } else {
      t[r.name] = from_row(r);
    }
  }
  return t;
}

const std::map<std::string, Entry>& table() {
  static const std::map<std::string, Entry> t = build_table();
  return t;
}

// --- the tests ----------------------------------------------------------------------------

TEST(JitPrimitives, EveryPrimitiveHasAnEntry) {
  for (const internal::Primitive* p : internal::all_primitives()) {
    // Collectives and pmap need replicas: tested by pmap_test.cpp and collective_*_test.cpp.
    if (p->family == "collectives" || p->family == "pmap") continue;
    EXPECT_TRUE(table().count(p->name))
        << "primitive " << p->name << " (" << p->family
        << ") has no entry: add its row to tests/oracle/primitive_cases.cpp";
  }
  for (const auto& [name, e] : table()) {
    EXPECT_NE(internal::find_primitive(name), nullptr) << name << " is not registered";
  }
}

// The structural rows run as the shared table calls them, at its shapes (what a new
// structural primitive gets without an entry of its own here): jit equals the
// interpreter, within reordered-summation bounds for float sums and contractions.
TEST(JitPrimitives, StructuralRowsAsTheTableCallsThem) {
  int checked = 0;
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (r.kind != testing::RowKind::Structural) continue;
    Entry e = from_row(r);
    for (DType t : e.dtypes) {
      SCOPED_TRACE(r.name + " " + std::string(dtype_name(t)));
      Case c = e.make(t, t, 3, 5);
      Fn f = fn_variadic(c.body, r.name);
      std::vector<Arg> args(c.inputs.begin(), c.inputs.end());
      Outputs want = f.call(args);
      Outputs got = jit(f).call(args);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t k = 0; k < want.size(); ++k) {
        const Tolerance tol{4, t == kF32 ? 1e-4 : 1e-12};
        EXPECT_TRUE(testing::same_array(got[k], want[k], tol)) << "output " << k;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

// The dtypes an entry leaves out are rejected by the shape rule with a DTypeError that
// names the primitive (so the table's dtype lists are the primitive's real ones).
TEST(JitPrimitives, DtypesOutsideTheTableAreRejected) {
  for (const auto& [name, e] : table()) {
    for (DType t : kAll) {
      if (std::find(e.dtypes.begin(), e.dtypes.end(), t) != e.dtypes.end()) continue;
      Case c = e.make(t, e.variants.empty() ? t : e.variants[0], 3, 1);
      std::vector<internal::AbstractValue> avals;
      for (const Array& a : c.inputs) avals.push_back(internal::aval_of(a));
      try {
        internal::trace_graph(avals, [&](std::span<const Value> v) {
          return c.body(std::vector<Value>(v.begin(), v.end()));
        });
        ADD_FAILURE() << name << " accepted " << dtype_name(t);
      } catch (const DTypeError& err) {
        EXPECT_NE(std::string(err.what()).find(name), std::string::npos) << err.what();
      }
    }
  }
}

// Known bug, found by the special-pairs suite: SLEEF returns inf for finite results near
// the top of the range (outside the domains docs/precision.md lists for its bounds), so
// jit and the interpreter disagree there. A fix belongs in
// codegen/cpu/scalar_codegen.cpp (e.g. asinh(x) = sign(x) (log|x| + ln 2) for huge |x|).
// SLEEF overflows to inf for these near the top of the range; the code generator guards
// them (docs/precision.md, "Guards"), so jit gives the interpreter's finite values.
TEST(JitPrimitives, NoOverflowNearTheTopOfTheRange) {
  Fn f = fn([](Value x) { return std::make_tuple(asinh(x), acosh(x), log1p(x), pow(x, 1.0)); });
  for (double x : {1e200, std::numeric_limits<double>::max()}) {
    testing::expect_jit_matches(f, {x}, {}, {{3, 0}});
  }
  for (float x : {1e30f, std::numeric_limits<float>::max()}) {
    testing::expect_jit_matches(f, {Array::scalar(x)}, {}, {{2, 0}});
  }
}

struct Param {
  std::string prim;
  DType dtype;
  DType variant;  // convert's target; otherwise equal to dtype
  int width;      // 0: the host's width
};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const Param& p = info.param;
  std::string s = p.prim + "_" + std::string(dtype_name(p.dtype));
  if (!table().at(p.prim).variants.empty()) s += "_to_" + std::string(dtype_name(p.variant));
  if (p.width > 0) s += "_w" + std::to_string(p.width);
  return s;
}

std::vector<Param> params(bool big_only, bool with_widths) {
  std::vector<Param> out;
  for (const auto& [name, e] : table()) {
    if (big_only && !e.big) continue;
    for (DType t : e.dtypes) {
      std::vector<DType> vs = e.variants.empty() ? std::vector<DType>{t} : e.variants;
      for (DType v : vs) {
        if (with_widths) {
          for (int w : kWidths) out.push_back({name, t, v, w});
        } else {
          out.push_back({name, t, v, 0});
        }
      }
    }
  }
  return out;
}

// Runs the cases of all `sizes` as one function (one compile per precision: each size is
// its own kernel of the module) eagerly and jitted, naming size and width on failure.
// Precise always; Fast where the entry has vector math or `fast_always` (Fast changes only
// the vector-math provider: exact ops are exact in both modes, docs/precision.md).
void run_sizes(const Param& p, const std::vector<std::int64_t>& sizes, bool fast_always) {
  const Entry& e = table().at(p.prim);
  std::vector<Case> cases;
  std::vector<Arg> args;
  for (std::int64_t n : sizes) {
    const auto seed = static_cast<std::uint32_t>(n * 31 + p.width);
    cases.push_back(e.make(p.dtype, p.variant, n, seed));
    args.insert(args.end(), cases.back().inputs.begin(), cases.back().inputs.end());
  }
  // The number of outputs of each case, recorded while tracing.
  auto counts = std::make_shared<std::vector<std::size_t>>();
  Fn f = fn_variadic(
      [cases, counts](const std::vector<Value>& a) {
        counts->clear();
        std::vector<Value> out;
        std::size_t k = 0;
        for (const Case& c : cases) {
          std::vector<Value> in(a.begin() + static_cast<std::ptrdiff_t>(k),
                                a.begin() + static_cast<std::ptrdiff_t>(k + c.inputs.size()));
          k += c.inputs.size();
          std::vector<Value> r = c.body(in);
          counts->push_back(r.size());
          out.insert(out.end(), r.begin(), r.end());
        }
        return out;
      },
      p.prim);
  Outputs want = f.call(args);
  ASSERT_EQ(counts->size(), cases.size());
  const bool has_math = e.ulps.precise != 0 || e.ulps.fast != 0;
  std::vector<Precision> precisions{Precision::Precise};
  if (has_math || fast_always) precisions.push_back(Precision::Fast);
  for (Precision prec : precisions) {
    JitOptions o;
    o.precision = prec;
    o.vector_width = p.width;
    const char* pname = prec == Precision::Precise ? "precise" : "fast";
    Outputs got = jit(f, o).call(args);
    ASSERT_EQ(got.size(), want.size());
    std::size_t i = 0;
    for (std::size_t c = 0; c < cases.size(); ++c) {
      for (std::size_t k = 0; k < (*counts)[c]; ++k, ++i) {
        Tolerance tol = cases[c].tols.empty()
                            ? Tolerance{math_ulps(e.ulps, want[i].dtype(), prec), 0}
                            : cases[c].tols.at(k);
        EXPECT_TRUE(testing::same_array(got[i], want[i], tol))
            << p.prim << " " << dtype_name(p.dtype) << " output " << k << " at size " << sizes[c]
            << ", width " << p.width << ", " << pname;
      }
    }
  }
}

class JitPrimitive : public ::testing::TestWithParam<Param> {};

TEST_P(JitPrimitive, MatchesInterpreterAtSizesAroundTheWidth) {
  const int w = GetParam().width;
  std::vector<std::int64_t> sizes{0, 1, 3};
  for (std::int64_t n : {w - 1, w, w + 1}) {
    if (std::find(sizes.begin(), sizes.end(), n) == sizes.end()) sizes.push_back(n);
  }
  run_sizes(GetParam(), sizes, false);
}

INSTANTIATE_TEST_SUITE_P(Registry, JitPrimitive, ::testing::ValuesIn(params(false, true)),
                         param_name);

// Every primitive at the host width on an input that pairs every special value of one
// operand with every special value of the other (2 * S^2 elements).
class JitPrimitiveSpecialPairs : public ::testing::TestWithParam<Param> {};

TEST_P(JitPrimitiveSpecialPairs, MatchesInterpreter) {
  const std::size_t s = num_specials(GetParam().dtype);
  run_sizes(GetParam(), {static_cast<std::int64_t>(2 * s * s + 5)}, true);
}

INSTANTIATE_TEST_SUITE_P(Registry, JitPrimitiveSpecialPairs,
                         ::testing::ValuesIn(params(false, false)), param_name);

// A representative subset at 1000003 elements: the threaded path and its chunk tails.
class JitPrimitiveBig : public ::testing::TestWithParam<Param> {};

TEST_P(JitPrimitiveBig, MatchesInterpreter) { run_sizes(GetParam(), {kBig}, false); }

INSTANTIATE_TEST_SUITE_P(Registry, JitPrimitiveBig, ::testing::ValuesIn(params(true, false)),
                         param_name);

}  // namespace
}  // namespace lanes
