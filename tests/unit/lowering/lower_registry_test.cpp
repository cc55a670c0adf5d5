// Lowering of the registered primitives: every elementwise primitive on every dtype it
// accepts (with NaN, signed zeros, infinities, integer extremes and zero divisors), and the
// structural, reduction and contraction primitives on small graphs, must give bit-identical
// results through lower_to_loops + run_program_reference and through interpret. This is
// where scalar_eval is checked against the primitives' own reference implementations.
// A primitive that is not registered (its family has not landed) is skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tests/oracle/loop_interpreter.h"
#include "engine/interpreter.h"
#include "engine/lower/lower.h"
#include "engine/primitive.h"
#include "engine/trace.h"

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

void check(const Graph& g, const std::vector<Array>& inputs) {
  internal::loop::Program p = internal::lower_to_loops(g, {});
  std::vector<Array> want = internal::interpret(g, inputs);
  std::vector<Array> got = internal::run_program_reference(p, inputs);
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(want[i].dtype(), got[i].dtype()) << g.to_string();
    ASSERT_EQ(want[i].shape(), got[i].shape()) << g.to_string();
    for (std::int64_t k = 0; k < want[i].size(); ++k) {
      EXPECT_TRUE(same_bits(want[i].element_as_double(k), got[i].element_as_double(k)))
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
    const int arity = internal::scalar_op_arity(prim->scalar_op);
    for (DType t : kAllDTypes) {
      std::vector<Array> in;
      Params params;
      if (prim->scalar_op == internal::ScalarOp::Select) {
        in = {values(DType::Bool, 0), values(t, 0), values(t, 1)};
      } else if (prim->scalar_op == internal::ScalarOp::Convert) {
        in = {values(t, 0)};
      } else {
        for (int k = 0; k < arity; ++k) in.push_back(values(t, k));
      }
      std::vector<DType> targets{t};
      if (prim->scalar_op == internal::ScalarOp::Convert) {
        targets.assign(std::begin(kAllDTypes), std::end(kAllDTypes));
      }
      for (DType to : targets) {
        Params ps;
        if (prim->scalar_op == internal::ScalarOp::Convert) ps = {{"dtype", to}, {"weak", false}};
        Graph g;
        bool ok = try_trace(
            in,
            [&](std::span<const Value> a) {
              return std::vector<Value>{internal::bind1(*prim, a, ps)};
            },
            g);
        if (!ok) continue;
        SCOPED_TRACE(prim->name + " on " + std::string(dtype_name(t)));
        check(g, in);
        ++checked;
        // A rank-0 last operand broadcasts inside the kernel.
        if (in.size() >= 2) {
          std::vector<Array> in0 = in;
          in0.back() = Array::empty(t, {});
          std::memcpy(in0.back().raw(), in.back().raw(), dtype_size(t));
          Graph g0;
          if (try_trace(
                  in0,
                  [&](std::span<const Value> a) {
                    return std::vector<Value>{internal::bind1(*prim, a, ps)};
                  },
                  g0)) {
            check(g0, in0);
          }
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
