// vmap: against a loop of per-element calls, stacked — for every primitive of the
// registry, under random in_axes/out_axes — plus nesting, functions of arrays, control
// flow with per-lane predicates and trip counts, chunking, jit composition and errors.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "engine/interpreter.h"
#include "engine/primitive.h"
#include "engine/trace.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/primitive_cases.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using lanes::testing::expect_error;

using internal::Params;
using Ints = std::vector<std::int64_t>;
using Body = std::function<std::vector<Value>(const std::vector<Value>&)>;

constexpr std::int64_t kBatch = 7;  // distinct from every per-element extent below

// --- array helpers: slices along an axis and stacking, through the reference impls ----
Array take(const Array& a, std::int64_t axis, std::int64_t i) {
  Ints lo(a.shape().size(), 0), hi = a.shape();
  lo[static_cast<std::size_t>(axis)] = i;
  hi[static_cast<std::size_t>(axis)] = i + 1;
  Params p{{"start_indices", lo}, {"limit_indices", hi}, {"strides", Ints(lo.size(), 1)}};
  Array s = internal::primitive("slice").impl(std::span<const Array>(&a, 1), p)[0];
  Shape shape = a.shape();
  shape.erase(shape.begin() + axis);
  return s.reshaped(shape);
}

Array stack(const std::vector<Array>& xs, std::int64_t axis) {
  std::vector<Array> parts;
  for (const Array& x : xs) {
    Shape s = x.shape();
    s.insert(s.begin() + axis, 1);
    parts.push_back(x.reshaped(s));
  }
  return internal::primitive("concatenate").impl(parts, Params{{"dimension", axis}})[0];
}

using Domain = testing::Domain;  // default [-2, 2]

Array random_array(DType dtype, const Shape& shape, Domain dom, std::mt19937& rng) {
  std::int64_t n = shape_size(shape);
  std::uniform_real_distribution<double> u(dom.lo, dom.hi);
  switch (dtype) {
    case DType::F64: {
      std::vector<double> v;
      for (std::int64_t i = 0; i < n; ++i) v.push_back(u(rng));
      return Array::from(v, shape);
    }
    case DType::F32: {
      std::vector<float> v;
      for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(u(rng)));
      return Array::from(v, shape);
    }
    case DType::I32: {
      std::vector<std::int32_t> v;
      for (std::int64_t i = 0; i < n; ++i)
        v.push_back(static_cast<std::int32_t>(std::floor(u(rng))));
      return Array::from(v, shape);
    }
    case DType::I64: {
      std::vector<std::int64_t> v;
      for (std::int64_t i = 0; i < n; ++i)
        v.push_back(static_cast<std::int64_t>(std::floor(u(rng))));
      return Array::from(v, shape);
    }
    case DType::Bool: {
      std::vector<bool> v;
      for (std::int64_t i = 0; i < n; ++i) v.push_back(u(rng) > (dom.lo + dom.hi) / 2);
      return Array::from(v, shape);
    }
  }
  return {};
}

std::int64_t norm_axis(const Axis& a, std::int64_t rank) {
  return a.index() < 0 ? a.index() + rank : a.index();
}

// The oracle: f called per batch element on slices, results stacked at out_axes.
std::vector<Array> loop_reference(const Fn& f, const std::vector<Arg>& args,
                                  const std::vector<Axis>& in, const std::vector<Axis>& out,
                                  std::int64_t batch) {
  std::vector<std::vector<Array>> per;  // [output][b]
  std::vector<Array> first;
  for (std::int64_t b = 0; b < batch; ++b) {
    std::vector<Arg> elem;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (!in[i].mapped()) {
        elem.push_back(args[i]);
      } else {
        elem.push_back(take(args[i].array(), norm_axis(in[i], args[i].array().rank()), b));
      }
    }
    Outputs o = f.call(elem);
    if (per.empty()) per.resize(o.size());
    for (std::size_t k = 0; k < o.size(); ++k) per[k].push_back(o[k]);
  }
  std::vector<Array> r;
  for (std::size_t k = 0; k < per.size(); ++k) {
    if (!out[k].mapped()) {
      r.push_back(per[k][0]);
    } else {
      r.push_back(stack(per[k], norm_axis(out[k], per[k][0].rank() + 1)));
    }
  }
  return r;
}

void expect_vmap_matches(const Fn& f, const std::vector<Arg>& args, const std::vector<Axis>& in,
                         const std::vector<Axis>& out, std::int64_t batch,
                         VmapOptions options = {}) {
  std::vector<Array> want = loop_reference(f, args, in, out, batch);
  Outputs got = vmap(f, in, out, "", options).call(args);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_TRUE(testing::arrays_close(got[k], want[k], 2)) << "output " << k;
  }
}

// --- the per-primitive case table ----------------------------------------------------
struct Operand {
  DType dtype;
  Shape shape;
};
struct Case {
  std::string prim;  // the primitive the case exercises
  std::vector<Operand> operands;
  Body body;
  Domain domain{};
  std::vector<Domain> domains{};  // per operand (table cases); empty: `domain` for all
  Domain domain_of(std::size_t i) const { return domains.empty() ? domain : domains[i]; }
};

Body bind_prim(const std::string& prim, Params params = {}) {
  return [prim, params](const std::vector<Value>& in) {
    return internal::bind(internal::primitive(prim), in, params);
  };
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  const Operand f3{DType::F64, {3}}, f0{DType::F64, {}};
  // Every generic row of the tests' primitive table (f64, f32 for unary elementwise rows,
  // an integer dtype where accepted), on its domains.
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    for (const testing::Example& e : testing::transform_examples(r, true)) {
      cases.push_back(testing::to_case<Case>(r.name, e));
    }
  }
  // Beyond the table: neg, abs and sign on i64 of rank 2.
  for (const char* n : {"neg", "abs", "sign"}) {
    cases.push_back({n, {{DType::I64, {2, 3}}}, bind_prim(n), {-5, 5}});
  }
  // cond: a per-element predicate (batched when p is mapped) and a shared one.
  cases.push_back(
      {"cond", {f0, f3}, [](const std::vector<Value>& in) {
         return std::vector<Value>{cond(
             in[0] > 0.0, [](Value v) { return v * 2.0; }, [](Value v) { return -v; }, in[1])};
       }});
  cases.push_back({"cond",
                   {{DType::I64, {}}, f3, f0},
                   [](const std::vector<Value>& in) {
                     Value y = in[2];  // captured by the branches
                     std::vector<std::function<Value(Value)>> fs{[](Value v) { return v; },
                                                                 [y](Value v) { return v * y; },
                                                                 [y](Value v) { return v + y; }};
                     return std::vector<Value>{switch_(in[0], fs, in[1])};
                   },
                   {-2, 4}});
  // while_loop: Newton's iteration for sqrt(a); trip counts differ per lane.
  cases.push_back({"while_loop",
                   {f0},
                   [](const std::vector<Value>& in) {
                     Value a = in[0];
                     auto [x, it] = while_loop(
                         [a](std::tuple<Value, Value> c) {
                           return abs(std::get<0>(c) * std::get<0>(c) - a) > 1e-12 * a;
                         },
                         [a](std::tuple<Value, Value> c) {
                           Value x = std::get<0>(c);
                           return std::make_tuple(0.5 * (x + a / x), std::get<1>(c) + 1);
                         },
                         std::make_tuple(Value(1.0), Value(0)));
                     return std::vector<Value>{x, it};
                   },
                   {0.01, 1000}});
  // A shared predicate (k unmapped) with a carry that the body batches (x mapped).
  cases.push_back({"while_loop",
                   {{DType::I64, {}}, f3},
                   [](const std::vector<Value>& in) {
                     Value x = in[1];
                     auto [i, acc] = while_loop(
                         [k = in[0]](std::tuple<Value, Value> c) { return std::get<0>(c) < k; },
                         [x](std::tuple<Value, Value> c) {
                           return std::make_tuple(std::get<0>(c) + 1, std::get<1>(c) * 0.5 + x);
                         },
                         std::make_tuple(Value(std::int64_t{0}), zeros_like(x)));
                     return std::vector<Value>{i, acc};
                   },
                   {0, 5}});
  // fori_loop with per-lane bounds (n mapped) and a carry batched by the body.
  cases.push_back({"fori_loop",
                   {f3, {DType::I64, {}}},
                   [](const std::vector<Value>& in) {
                     Value x = in[0];
                     Value r = fori_loop(
                         0, in[1],
                         [x](Value i, Value acc) { return acc * 0.5 + x * astype(i, DType::F64); },
                         ones_like(x));
                     return std::vector<Value>{r};
                   },
                   {0, 5}});
  cases.push_back({"fori_loop", {f3}, [](const std::vector<Value>& in) {
                     Value r = fori_loop(
                         1, 4, [](Value i, Value acc) { return sin(acc) + astype(i, DType::F64); },
                         in[0]);
                     return std::vector<Value>{r};
                   }});
  cases.push_back(
      {"scan", {{DType::F64, {4, 2}}, {DType::F64, {2}}}, [](const std::vector<Value>& in) {
         Value w = in[1];
         auto [c, ys] =
             scan([w](Value c, Value x) { return std::make_pair(c * w + x, sum(c * x)); },
                  zeros_like(w), in[0]);
         return std::vector<Value>{c, ys};
       }});
  cases.push_back({"scan", {f0}, [](const std::vector<Value>& in) {
                     Value a = in[0];
                     auto [c, ys] = scan([a](Value c) { return std::make_pair(c * a, c + 1.0); },
                                         Value(1.0), no_xs, {.length = 3, .reverse = true});
                     return std::vector<Value>{c, ys};
                   }});
  // The autodiff primitives: stop_gradient, and custom_jvp with a batched and a shared
  // operand (both of its graphs are batched).
  cases.push_back({"stop_gradient", {f3}, [](const std::vector<Value>& in) {
                     return std::vector<Value>{in[0] * stop_gradient(in[0])};
                   }});
  cases.push_back({"custom_jvp", {f3, f0}, [](const std::vector<Value>& in) {
                     Fn g = custom_jvp(fn([](Value x, Value y) { return x * sin(y); }),
                                       fn([](Value x, Value y, Value tx, Value ty) {
                                         return std::make_tuple(x * sin(y),
                                                                tx * sin(y) + x * cos(y) * ty);
                                       }));
                     return std::vector<Value>{g(in[0], in[1])};
                   }});
  cases.push_back({"custom_vjp", {f3, f0}, [](const std::vector<Value>& in) {
                     Fn g = custom_vjp(
                         fn([](Value x, Value y) { return x * sin(y); }),
                         fn([](Value x, Value y) { return std::make_tuple(x * sin(y), x, y); }),
                         fn([](Value x, Value y, Value ct) {
                           return std::make_tuple(ct * sin(y), sum(ct * x * cos(y)));
                         }));
                     return std::vector<Value>{g(in[0], in[1])};
                   }});
  return cases;
}

// Random in_axes (some none, some negative; at least one mapped) and out_axes.
void run_case(const Case& c, std::mt19937& rng, int trials) {
  Fn f = fn_variadic(c.body, c.prim);
  internal::Signature elem_sig;
  for (const Operand& o : c.operands) elem_sig.push_back({o.dtype, o.shape, false});
  std::vector<internal::AbstractValue> outs = f.impl()->graph_for(elem_sig)->output_avals();
  for (int t = 0; t < trials; ++t) {
    std::vector<Axis> in, out;
    std::vector<Arg> args;
    bool any = false;
    for (std::size_t i = 0; i < c.operands.size(); ++i) {
      auto rank = static_cast<int>(c.operands[i].shape.size());
      bool mapped = (t == 0 && i == 0) || rng() % 4 != 0 || (!any && i + 1 == c.operands.size());
      if (t == 0 && i > 0) mapped = true;  // trial 0: everything mapped at axis 0
      Shape s = c.operands[i].shape;
      if (mapped) {
        int axis = t == 0 ? 0 : static_cast<int>(rng() % static_cast<unsigned>(rank + 1));
        s.insert(s.begin() + axis, kBatch);
        if (t > 0 && rng() % 2) axis -= rank + 1;  // the same axis, counted from the end
        in.push_back(axis);
        any = true;
      } else {
        in.push_back(none);
      }
      args.push_back(random_array(c.operands[i].dtype, s, c.domain_of(i), rng));
    }
    for (const auto& o : outs) {
      int rank = o.rank() + 1;
      int axis = t == 0 ? 0 : static_cast<int>(rng() % static_cast<unsigned>(rank));
      if (t > 0 && rng() % 2) axis -= rank;
      out.push_back(axis);
    }
    std::string desc = c.prim + " in_axes {";
    for (const Axis& a : in) desc += a.to_string() + " ";
    desc += "} out_axes {";
    for (const Axis& a : out) desc += a.to_string() + " ";
    SCOPED_TRACE(desc + "}");
    try {
      expect_vmap_matches(f, args, in, out, kBatch);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

TEST(Vmap, EveryPrimitiveAgainstALoopWithRandomAxes) {
  std::mt19937 rng(1234);
  std::set<std::string> covered;
  for (const Case& c : all_cases()) {
    run_case(c, rng, 4);
    covered.insert(c.prim);
  }
  // Collectives and pmap need replicas: collective_vmap_test.cpp and pmap_test.cpp test them.
  for (const char* n :
       {"psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "axis_index", "pmap"}) {
    covered.insert(n);
  }
  for (const internal::Primitive* p : internal::all_primitives()) {
    EXPECT_TRUE(p->batch.is_defined()) << p->name << " has no batching rule";
    EXPECT_TRUE(covered.count(p->name)) << p->name << " has no vmap test case";
  }
}

// jit(vmap(f)) == vmap(f) interpreted, for every case with all arguments mapped at axis 0.
TEST(Vmap, JitOfVmapEqualsInterpreterForEveryCase) {
  std::mt19937 rng(99);
  for (const Case& c : all_cases()) {
    Fn f = fn_variadic(c.body, c.prim);
    std::vector<Arg> args;
    for (const Operand& o : c.operands) {
      Shape s = o.shape;
      s.insert(s.begin(), kBatch);
      args.push_back(random_array(o.dtype, s, c.domain_of(args.size()), rng));
    }
    SCOPED_TRACE(c.prim);
    try {
      SCOPED_TRACE(vmap(f).ir(args));
      Outputs want = vmap(f).call(args);
      Outputs got = jit(vmap(f)).call(args);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t k = 0; k < want.size(); ++k) {
        EXPECT_TRUE(testing::arrays_close(got[k], want[k], 4, 1e-13)) << "output " << k;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

// --- hand-checked behaviour -------------------------------------------------------------

TEST(Vmap, UnmappedArgumentIsShared) {
  Fn f = fn([](Value x, Value y) { return x * y; });
  Array r = vmap(f, {0, none})(Array::arange(0.0, 4.0), 2.0);
  EXPECT_TRUE(testing::arrays_close(r, Array::from({0.0, 2.0, 4.0, 6.0})));
}

TEST(Vmap, MatvecPerExample) {
  // W shared: [2,3]; xs: 3 examples as the columns of a [3,3]... batch along axis 1.
  Array W = Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Array xs = Array::from({1.0, 0.0, 2.0, 0.0, 1.0, -1.0, 3.0, 1.0, 0.5, 2.0, 2.0, 2.0}, {3, 4});
  Fn mv = fn([](Value w, Value x) { return dot(w, x); });
  Array r = vmap(mv, {none, 1}, 0)(W, xs);  // [4,2]
  ASSERT_EQ(r.shape(), (Shape{4, 2}));
  for (int b = 0; b < 4; ++b) {
    for (int i = 0; i < 2; ++i) {
      double want = 0;
      for (int k = 0; k < 3; ++k)
        want += W.data<double>()[i * 3 + k] * xs.data<double>()[k * 4 + b];
      EXPECT_DOUBLE_EQ(r.data<double>()[b * 2 + i], want);
    }
  }
}

TEST(Vmap, NestedVmapIsAnOuterTable) {
  Fn f = fn([](Value x, Value y) { return sum(x * y); });  // x, y: f64[2]
  Array xs = Array::from({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {3, 2});
  Array ys = Array::from({1.0, -1.0, 0.5, 2.0}, {2, 2});
  Fn table = vmap(vmap(f, {none, 0}), {0, none});
  Array r = table(xs, ys);
  ASSERT_EQ(r.shape(), (Shape{3, 2}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) {
      double want = xs.data<double>()[i * 2] * ys.data<double>()[j * 2] +
                    xs.data<double>()[i * 2 + 1] * ys.data<double>()[j * 2 + 1];
      EXPECT_DOUBLE_EQ(r.data<double>()[i * 2 + j], want);
    }
  }
  // The same through the loop oracle, with the inner vmap mapping the other argument.
  Fn inner = vmap(f, {0, none}, 0);
  expect_vmap_matches(inner, {xs, ys}, {none, 0}, {-1}, 2);
}

TEST(Vmap, NewtonSqrtWithPerLaneTripCounts) {
  Fn newton = fn([](Value a) {
    auto [x, it] = while_loop(
        [a](std::tuple<Value, Value> c) {
          return abs(std::get<0>(c) * std::get<0>(c) - a) > 1e-12 * a;
        },
        [a](std::tuple<Value, Value> c) {
          Value x = std::get<0>(c);
          return std::make_tuple(0.5 * (x + a / x), std::get<1>(c) + 1);
        },
        std::make_tuple(Value(1.0), Value(0)));
    return std::make_tuple(x, it);
  });
  std::vector<double> as{1.0, 4.0, 2.0, 1e6, 0.25};
  Outputs r = vmap(newton)(Array::from(as));
  std::set<std::int64_t> trips;
  for (std::size_t i = 0; i < as.size(); ++i) {
    EXPECT_NEAR(r[0].data<double>()[i], std::sqrt(as[i]), 1e-9 * std::sqrt(as[i]));
    trips.insert(r[1].data<std::int64_t>()[i]);
  }
  EXPECT_EQ(r[1].data<std::int64_t>()[0], 0);  // sqrt(1) = 1 needs no step
  EXPECT_GT(trips.size(), 2u);                 // lanes really stopped at different times
}

TEST(Vmap, CondWithBatchedPredicateSelectsPerLane) {
  Fn f = fn([](Value x) {
    return cond(
        x > 0.0, [](Value v) { return sqrt(v); }, [](Value v) { return v * v; }, x);
  });
  Array r = vmap(f)(Array::from({4.0, -3.0, 9.0, -0.5}));
  EXPECT_TRUE(testing::arrays_close(r, Array::from({2.0, 9.0, 3.0, 0.25})));
}

TEST(Vmap, UnmappedOutputIsBroadcastWhenOutAxesMapIt) {
  Fn f = fn([](Value x, Value y) { return std::make_tuple(x + y, y * 2.0); });
  Outputs r = vmap(f, {0, none}, {0, 1})(Array::from({1.0, 2.0, 3.0}), Array::from({10.0, 20.0}));
  EXPECT_EQ(r[0].shape(), (Shape{3, 2}));
  EXPECT_TRUE(
      testing::arrays_close(r[1], Array::from({20.0, 20.0, 20.0, 40.0, 40.0, 40.0}, {2, 3})));
  Outputs s =
      vmap(f, {0, none}, {0, none})(Array::from({1.0, 2.0, 3.0}), Array::from({10.0, 20.0}));
  EXPECT_TRUE(testing::arrays_close(s[1], Array::from({20.0, 40.0})));
}

TEST(Vmap, ChunkSizeGivesTheSameResult) {
  Fn f = fn([](Value v, Value w) { return std::make_tuple(sum(outer(v, v) * w), w * 2.0); });
  std::mt19937 rng(7);
  Array vs = random_array(DType::F64, {3, 11}, {}, rng);  // batch of 11 along axis 1
  Array w = random_array(DType::F64, {3, 3}, {}, rng);
  for (std::int64_t chunk : {1, 3, 4, 11, 20}) {
    SCOPED_TRACE(chunk);
    expect_vmap_matches(f, {vs, w}, {1, none}, {-1, none}, 11, {.chunk_size = chunk});
  }
}

TEST(Vmap, OfJitEqualsInterpreter) {
  Fn f = fn([](Value x, Value y) { return sin(x) * y + exp(-x * x); });
  std::mt19937 rng(3);
  Array xs = random_array(DType::F64, {5, 3}, {}, rng);
  Array y = random_array(DType::F64, {3}, {}, rng);
  // vmap(jit(f)) batches jit(f)'s graph: equal to the loop over f itself.
  std::vector<Array> loop = loop_reference(f, {xs, y}, {0, none}, {0}, 5);
  EXPECT_TRUE(testing::arrays_close(vmap(jit(f), {0, none})(xs, y), loop[0], 2));
  Array want = vmap(f, {0, none})(xs, y);
  try {
    Array got = jit(vmap(f, {0, none}))(xs, y);
    EXPECT_TRUE(testing::arrays_close(got, want, 4));
  } catch (const CompileError& e) {
    if (std::string(e.what()).find("not implemented") == std::string::npos) throw;
    GTEST_SKIP() << "jit lowering not on this branch yet: " << e.what();
  }
}

TEST(Vmap, CalledOnValuesInsideATrace) {
  Fn inner = vmap(fn([](Value x) { return x * x; }));
  Fn outer = fn([inner](Value xs) { return sum(Value(inner(xs))); });
  Array r = outer(Array::from({1.0, 2.0, 3.0}));
  EXPECT_DOUBLE_EQ(r.item<double>(), 14.0);
}

// --- errors ---------------------------------------------------------------------------

TEST(Vmap, Errors) {
  Fn f = fn([](Value x, Value y) { return x + y; }, "add2");
  Array a3 = Array::from({1.0, 2.0, 3.0}), a4 = Array::zeros(DType::F64, {4, 2});
  expect_error<ArgumentError>([&] { vmap(f, {0})(a3, a3); },
                              {"vmap(add2)", "in_axes has 1 entries", "2 arguments"});
  expect_error<ArgumentError>(
      [&] {
        vmap(f, {0, 2})(a3, a4);
      },
      {"vmap(add2)", "in_axes[1] = 2", "argument 1 of shape [4,2]"});
  expect_error<ArgumentError>(
      [&] {
        vmap(f, {0, -3})(a3, a4);
      },
      {"in_axes[1] = -3", "argument 1 of shape [4,2]"});
  expect_error<ArgumentError>([&] { vmap(f, 0)(a3, a4); },
                              {"different sizes", "argument 0 of shape [3] has size 3 along axis 0",
                               "argument 1 of shape [4,2] has size 4 along axis 0"});
  expect_error<ArgumentError>([&] { vmap(f, none)(a3, a3); },
                              {"vmap(add2)", "no argument is mapped"});
  expect_error<ArgumentError>(
      [&] {
        vmap(f, 0, {0, 1})(a3, a3);
      },
      {"out_axes has 2 entries", "returns 1 output"});
  expect_error<ArgumentError>([&] { vmap(f, 0, 2)(a3, a3); },
                              {"out_axes[0] = 2", "output 0 of per-element shape []"});
  expect_error<ArgumentError>(
      [&] { vmap(f, 0, none)(a3, a3); },
      {"output 0 depends on a mapped argument", "out_axes[0] cannot be none"});
  expect_error<ArgumentError>([&] { vmap(f, 0, 0, "", {.chunk_size = -1}); }, {"chunk_size"});
  expect_error<ArgumentError>([&] { vmap(Fn{}); }, {"empty"});
}

}  // namespace
}  // namespace lanes
