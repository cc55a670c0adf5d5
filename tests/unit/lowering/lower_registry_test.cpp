// Lowering of the registered primitives: every elementwise primitive on every dtype it
// accepts (with NaN, signed zeros, infinities, integer extremes and zero divisors), and the
// structural, reduction and contraction primitives on small graphs, must give bit-identical
// results through lower_to_loops + run_program_reference and through interpret. This is
// where scalar_eval is checked against the primitives' own reference implementations.
// How each primitive is called (which operand is the predicate, convert's targets, the
// structural calls) comes from the tests' primitive table (tests/oracle/primitive_cases.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/interpreter.h"
#include "engine/lower/lower.h"
#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/oracle/primitive_cases.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Graph;
using internal::Params;
using internal::Primitive;
using Ints = std::vector<std::int64_t>;

Array values(DType t, int which) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> f0{0.5, -1.25, 0.0, -0.0, 3.0, nan, inf, -2.5, 0.75, -inf};
  std::vector<double> f1{2.0, 0.0, -0.0, 1.5, -3.0, 1.0, nan, inf, 0.75, -0.5};
  const double i32min = std::numeric_limits<std::int32_t>::min();
  const double i32max = std::numeric_limits<std::int32_t>::max();
  std::vector<double> i0{5, -7, 0, i32min, i32max, 3, -1, 2, 9, -9};
  std::vector<double> i1{2, 0, -1, -1, 1, -4, 3, 31, 9, 0};
  const std::vector<double>& src = is_float(t) ? (which ? f1 : f0) : (which ? i1 : i0);
  Array a = Array::empty(t, {10});
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::size_t i = 0; i < src.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = ((i * 7 + static_cast<std::size_t>(which)) % 3) == 0;
      } else {
        p[i] = static_cast<T>(src[i]);
      }
    }
  });
  return a;
}

bool same_bits(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// Traces `body` over inputs shaped like `inputs`; returns false if the shape rule rejects
// the operands (a dtype the primitive does not accept).
bool try_trace(const std::vector<Array>& inputs,
               const std::function<std::vector<Value>(std::span<const Value>)>& body, Graph& g) {
  std::vector<AbstractValue> avals;
  for (const Array& a : inputs) avals.push_back(internal::aval_of(a));
  try {
    g = *internal::trace_graph(avals, body).graph;
  } catch (const DTypeError&) {
    return false;
  }
  return true;
}

// rel > 0: floats within rel * max(1, |interpret|) instead of bit-identical (f32 sums and
// products, which the interpreter accumulates in double and the loop IR in f32).
void check(const Graph& g, const std::vector<Array>& inputs, double rel = 0) {
  internal::loop::Program p = internal::lower_to_loops(g, {});
  std::vector<Array> want = internal::interpret(g, inputs);
  std::vector<Array> got = internal::run_program_reference(p, inputs);
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(want[i].dtype(), got[i].dtype()) << g.to_string();
    ASSERT_EQ(want[i].shape(), got[i].shape()) << g.to_string();
    for (std::int64_t k = 0; k < want[i].size(); ++k) {
      const double w = want[i].element_as_double(k), v = got[i].element_as_double(k);
      const bool loose = rel > 0 && is_float(want[i].dtype()) && std::isfinite(w);
      EXPECT_TRUE(loose ? std::fabs(w - v) <= rel * std::max(1.0, std::fabs(w)) : same_bits(w, v))
          << "element " << k << ": interpret " << want[i].element_as_double(k) << ", lowered "
          << got[i].element_as_double(k) << "\n"
          << g.to_string() << p.to_string();
    }
  }
}

TEST(LowerRegistry, EveryElementwisePrimitiveOnEveryDtype) {
  int checked = 0;
  for (const Primitive* prim : internal::all_primitives()) {
    if (prim->lowering != internal::LoweringKind::Elementwise) continue;
    const testing::PrimitiveCase* row = testing::find_case(prim->name);
    ASSERT_NE(row, nullptr) << prim->name << " has no row in tests/oracle/primitive_cases.cpp";
    for (DType t : kAllDTypes) {
      std::vector<DType> targets{t};
      if (!row->variants.empty()) targets = row->variants;
      for (DType to : targets) {
        // The row's examples: [10] operands, and (two or more operands) the same with a
        // rank-0 first or last operand, which broadcasts inside the kernel.
        for (const testing::Example& e : testing::examples(*row, t, to, 10)) {
          std::vector<Array> in;
          for (std::size_t k = 0; k < e.operands.size(); ++k) {
            const testing::Operand& o = e.operands[k];
            Array v = values(o.dtype, static_cast<int>(k % 2));
            if (o.shape.empty()) {
              Array s = Array::empty(o.dtype, {});
              std::memcpy(s.raw(), v.raw(), dtype_size(o.dtype));
              v = s;
            }
            in.push_back(v);
          }
          Graph g;
          bool ok = try_trace(
              in,
              [&](std::span<const Value> a) {
                return e.call(std::vector<Value>(a.begin(), a.end()));
              },
              g);
          if (!ok) continue;
          SCOPED_TRACE(e.what + " from " + std::string(dtype_name(t)));
          check(g, in);
          ++checked;
        }
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no elementwise primitive is registered yet";
}

const Primitive* need(const char* name) { return internal::find_primitive(name); }

Array ramp(DType t, Shape s, double scale = 0.37) {
  Array a = Array::empty(t, s);
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      double v = std::sin(scale * static_cast<double>(i + 1)) * 8.0;
      p[i] = is_float(t) ? static_cast<T>(v) : static_cast<T>(std::lround(v));
    }
  });
  return a;
}

// Every structural row of the table (shape ops, reductions, contractions, ...) on every
// dtype it accepts, at the row's shapes; f32 within 1e-5 (the interpreter sums in double).
TEST(LowerRegistry, EveryStructuralTableRowOnEveryDtype) {
  int checked = 0;
  for (const testing::PrimitiveCase& row : testing::primitive_cases()) {
    if (row.kind != testing::RowKind::Structural) continue;
    for (DType t : row.dtypes) {
      for (const testing::Example& e : testing::examples(row, t)) {
        SCOPED_TRACE(e.what);
        std::vector<Array> in;
        for (std::size_t k = 0; k < e.operands.size(); ++k) {
          in.push_back(
              ramp(e.operands[k].dtype, e.operands[k].shape, 0.37 + 0.5 * static_cast<double>(k)));
        }
        Graph g;
        ASSERT_TRUE(try_trace(
            in,
            [&](std::span<const Value> a) {
              return e.call(std::vector<Value>(a.begin(), a.end()));
            },
            g));
        check(g, in, t == DType::F32 ? 1e-5 : 0);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(LowerRegistry, StructuralReductionAndDotPrimitives) {
  const Primitive *bcast = need("broadcast_in_dim"), *transpose = need("transpose"),
                  *slice = need("slice"), *reshape = need("reshape"), *iota = need("iota"),
                  *concat = need("concatenate"), *rsum = need("reduce_sum"),
                  *rmax = need("reduce_max"), *rmin = need("reduce_min"),
                  *rprod = need("reduce_prod"), *argmax = need("argmax"), *argmin = need("argmin"),
                  *dot = need("dot_general"), *mul = need("mul"), *sinp = need("sin");
  if (!bcast || !transpose || !slice || !reshape || !iota || !concat || !rsum || !rmax || !rmin ||
      !rprod || !argmax || !argmin || !dot || !mul || !sinp) {
    GTEST_SKIP() << "the shape, reduce and elementwise families are not all registered yet";
  }
  auto B = [](const Primitive* p, std::vector<Value> in, Params ps = {}) {
    return internal::bind1(*p, in, std::move(ps));
  };
  for (DType t : {DType::F64, DType::I32}) {
    SCOPED_TRACE(std::string(dtype_name(t)));
    std::vector<Array> in{ramp(t, {3, 4}), ramp(t, {4}, 0.91), ramp(t, {4, 5}, 1.3)};
    Graph g;
    ASSERT_TRUE(try_trace(
        in,
        [&](std::span<const Value> a) {
          Value x = a[0], v = a[1], w = a[2];
          Value xt = B(transpose, {x}, {{"permutation", Ints{1, 0}}});  // [4,3]
          Value vb = B(bcast, {v}, {{"shape", Shape{4, 3}}, {"broadcast_dimensions", Ints{0}}});
          Value p = B(mul, {xt, vb});  // [4,3]
          Value s = B(slice, {p},
                      {{"start_indices", Ints{1, 0}},
                       {"limit_indices", Ints{4, 3}},
                       {"strides", Ints{2, 2}}});                   // [2,2]
          Value r = B(reshape, {p}, {{"new_sizes", Shape{2, 6}}});  // [2,6]
          Value io =
              B(iota, {}, {{"dtype", t}, {"shape", Shape{2, 6}}, {"dimension", std::int64_t{1}}});
          Value c = B(concat, {B(mul, {r, io}), r}, {{"dimension", std::int64_t{0}}});  // [4,6]
          Params ax1{{"axes", Ints{1}}};
          Params dims{{"lhs_contracting", Ints{1}},
                      {"rhs_contracting", Ints{0}},
                      {"lhs_batch", Ints{}},
                      {"rhs_batch", Ints{}}};
          Value d = B(dot, {x, w}, dims);  // [3,5]
          return std::vector<Value>{
              s,
              c,
              B(rsum, {c}, ax1),
              B(rmax, {p}, {{"axes", Ints{0, 1}}}),
              B(rmin, {c}, ax1),
              B(rprod, {s}, ax1),
              B(argmax, {p}, {{"axis", std::int64_t{0}}, {"index_dtype", DType::I32}}),
              B(argmin, {c}, {{"axis", std::int64_t{1}}, {"index_dtype", DType::I64}}),
              d};
        },
        g));
    check(g, in);
  }
  // The promised fusion on the real primitives: sum(sin(x) * W, axis=1) is one kernel.
  std::vector<Array> in{ramp(DType::F64, {5}), ramp(DType::F64, {3, 5}, 0.7)};
  Graph g;
  ASSERT_TRUE(try_trace(
      in,
      [&](std::span<const Value> a) {
        Value xb = B(bcast, {B(sinp, {a[0]})},
                     {{"shape", Shape{3, 5}}, {"broadcast_dimensions", Ints{1}}});
        return std::vector<Value>{B(rsum, {B(mul, {xb, a[1]})}, {{"axes", Ints{1}}})};
      },
      g));
  check(g, in);
  internal::loop::Program p = internal::lower_to_loops(g, {});
  EXPECT_EQ(p.steps.size(), 1u) << p.to_string();
}

}  // namespace
}  // namespace lanes
