// Bad input, eager and jitted: each mistake a user can make raises a lanes::Error subtype
// whose message names the primitive or function, the argument and the shapes; jit raises
// the same error as the eager call (errors come from tracing), and an error leaves no
// broken cache entry behind (the same jitted Fn still works for correct calls, and fails
// again, the same way, for the same bad call). Nothing aborts: allocations too large to
// satisfy are RuntimeErrors.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/unit/difftest_util.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Params;

// Runs body, expects E whose message holds every fragment; returns the message.
template <class E>
std::string expect_error(const std::function<void()>& body,
                         const std::vector<std::string>& fragments) {
  try {
    body();
  } catch (const E& e) {
    std::string msg = e.what();
    for (const std::string& f : fragments) {
      EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
    }
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

// The same bad call eagerly and through jit: the same type and message, twice for the
// jitted Fn (the failed signature left nothing broken in its cache), and then a good call
// of the same jitted Fn matches the interpreter.
template <class E>
void expect_same_error_eager_and_jit(const Fn& f, const std::vector<Arg>& bad,
                                     const std::vector<std::string>& fragments,
                                     const std::vector<Arg>& good) {
  Fn j = jit(f);
  std::string eager = expect_error<E>([&] { (void)f.call(bad); }, fragments);
  std::string jitted = expect_error<E>([&] { (void)j.call(bad); }, fragments);
  EXPECT_EQ(eager, jitted);
  EXPECT_EQ(expect_error<E>([&] { (void)j.call(bad); }, fragments), jitted);
  Outputs want = f.call(good);
  Outputs got = j.call(good);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(testing::same_array(got[i], want[i]));
}

Array f64s(std::vector<double> v) { return Array::from(v); }
Array ramp(Shape s) {
  Array a = Array::empty(DType::F64, s);
  auto d = a.mutable_data<double>();
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = 0.5 * static_cast<double>(i) - 1;
  return a;
}

// Binds a primitive directly (no DSL broadcasting or promotion) on fresh inputs.
void bind_on(const char* prim, const std::vector<AbstractValue>& in, Params ps = {}) {
  internal::trace_graph(in, [&](std::span<const Value> v) {
    return std::vector<Value>{
        internal::bind1(internal::primitive(prim), std::vector<Value>(v.begin(), v.end()), ps)};
  });
}

TEST(BadInput, ShapeMismatch) {
  Fn f = fn([](Value x, Value y) { return x + y; });
  expect_same_error_eager_and_jit<ShapeError>(f, {f64s({1, 2, 3}), f64s({1, 2, 3, 4})},
                                              {"add", "[3]", "[4]", "broadcast"},
                                              {f64s({1, 2, 3}), f64s({4, 5, 6})});
  // At the primitive level there is no broadcasting: [1] with [3] is an error too.
  expect_error<ShapeError>(
      [] {
        bind_on("add", {{DType::F64, {3}, false}, {DType::F64, {4}, false}});
      },
      {"add", "operand 1", "[4]", "[3]"});
  expect_error<ShapeError>(
      [] {
        bind_on("mul", {{DType::F32, {1}, false}, {DType::F32, {3}, false}});
      },
      {"mul", "operand 1", "[3]", "[1]"});
}

TEST(BadInput, WhereNeedsABoolPredicate) {
  Fn f = fn([](Value p, Value a) { return where(p, a, -a); });
  expect_same_error_eager_and_jit<DTypeError>(
      f, {f64s({1, 0, 1}), f64s({1, 2, 3})}, {"where", "predicate", "operand 0", "f64[3]"},
      {Array::from(std::vector<bool>{true, false, true}), f64s({1, 2, 3})});
}

TEST(BadInput, IntegerOperandsToAFloatOnlyPrimitive) {
  // The DSL promotes ints to f64 for sin; the primitive itself takes floats only.
  expect_error<DTypeError>(
      [] {
        bind_on("sin", {{DType::I32, {3}, false}});
      },
      {"sin", "operand 0", "i32", "i32[3]", "f32"});
  expect_error<DTypeError>(
      [] {
        bind_on("log1p", {{DType::I64, {2, 2}, false}});
      },
      {"log1p", "operand 0", "i64[2,2]"});
  expect_error<DTypeError>(
      [] {
        bind_on("atan2", {{DType::F64, {3}, false}, {DType::I32, {3}, false}});
      },
      {"atan2", "operand 1", "i32[3]"});
  // Operands of different dtypes at the primitive level.
  expect_error<DTypeError>(
      [] {
        bind_on("add", {{DType::F32, {3}, false}, {DType::F64, {3}, false}});
      },
      {"add", "operand 1", "f64", "f32[3]", "f64[3]"});
  // Bool arithmetic the DSL rejects (jnp has no bool subtraction).
  Fn g = fn([](Value a, Value b) { return a - b; });
  expect_same_error_eager_and_jit<DTypeError>(
      g, {Array::from(std::vector<bool>{true}), Array::from(std::vector<bool>{false})},
      {"sub", "bool"}, {f64s({3}), f64s({1})});
}

TEST(BadInput, WrongNumberOfArguments) {
  Fn f = fn([](Value x, Value y) { return x * y; }, "scale");
  expect_error<ArgumentError>([&] { (void)f(1.0); }, {"scale", "expects 2 arguments", "got 1"});
  expect_error<ArgumentError>([&] { (void)f(1.0, 2.0, 3.0); },
                              {"scale", "expects 2 arguments", "got 3"});
  Fn j = jit(f);
  expect_error<ArgumentError>([&] { (void)j(1.0); }, {"jit(scale)", "expects 2", "got 1"});
  expect_error<ArgumentError>(
      [&] {
        (void)j(f64s({1, 2}), 1.0, 2.0);
      },
      {"jit(scale)", "expects 2", "got 3"});
  EXPECT_EQ(static_cast<Array>(j(3.0, 4.0)).item<double>(), 12.0);  // still works
  // Called with Values inside another trace.
  Fn outer = fn([&](Value x) { return f(x, x, x); });
  expect_error<ArgumentError>([&] { (void)outer(1.0); }, {"scale", "expects 2", "got 3"});
  Fn outer_j = fn([&](Value x) { return j(x); });
  expect_error<ArgumentError>([&] { (void)jit(outer_j)(1.0); }, {"scale", "expects 2", "got 1"});
}

TEST(BadInput, ReductionOverAMissingAxis) {
  Fn f = fn([](Value x) { return sum(x, {2}); });
  expect_same_error_eager_and_jit<ShapeError>(f, {ramp({2, 3})}, {"sum", "axis 2", "[2,3]"},
                                              {ramp({2, 3, 4})});
  Fn g = fn([](Value x) { return argmax(x, -3); });
  expect_same_error_eager_and_jit<ShapeError>(g, {ramp({2, 3})}, {"argmax", "axis -3", "[2,3]"},
                                              {ramp({4, 2, 3})});
  Fn m = fn([](Value x) { return max(x, {0, 0}); });
  expect_error<ShapeError>(
      [&] {
        (void)jit(m)(ramp({2, 3}));
      },
      {"max", "axis 0", "twice", "[2,3]"});
  expect_error<ShapeError>(
      [] {
        bind_on("reduce_sum", {{DType::F64, {2, 3}, false}},
                {{"axes", std::vector<std::int64_t>{5}}});
      },
      {"reduce_sum", "5", "[2,3]"});
}

TEST(BadInput, ReshapeToAWrongSize) {
  Fn f = fn([](Value x) { return reshape(x, {4, 2}); });
  expect_same_error_eager_and_jit<ShapeError>(f, {ramp({2, 3})}, {"reshape", "[2,3]", "[4,2]"},
                                              {ramp({8})});
  Fn g = fn([](Value x) { return reshape(x, {-1, 4}); });
  expect_same_error_eager_and_jit<ShapeError>(g, {ramp({2, 3})}, {"reshape", "[2,3]", "[-1,4]"},
                                              {ramp({2, 4})});
}

TEST(BadInput, DotOfMismatchedExtents) {
  Fn f = fn([](Value a, Value b) { return dot(a, b); });
  expect_same_error_eager_and_jit<ShapeError>(f, {ramp({2, 3}), ramp({4, 5})},
                                              {"dot", "[2,3]", "[4,5]", "3", "4"},
                                              {ramp({2, 3}), ramp({3, 5})});
  Fn g = fn([](Value a, Value b) { return matmul(a, b); });
  expect_same_error_eager_and_jit<ShapeError>(g, {ramp({5, 2, 3}), ramp({5, 2, 3})},
                                              {"matmul", "[5,2,3]"},
                                              {ramp({5, 2, 3}), ramp({5, 3, 2})});
  expect_error<ShapeError>(
      [] {
        bind_on("dot_general", {{DType::F64, {2, 3}, false}, {DType::F64, {4, 5}, false}},
                {{"lhs_contracting", std::vector<std::int64_t>{1}},
                 {"rhs_contracting", std::vector<std::int64_t>{0}},
                 {"lhs_batch", std::vector<std::int64_t>{}},
                 {"rhs_batch", std::vector<std::int64_t>{}}});
      },
      {"dot_general", "contracting", "extent 3", "4", "[2,3]", "[4,5]"});
}

TEST(BadInput, ValueOperationOutsideATrace) {
  expect_error<TraceError>([] { (void)sin(Value(1.0)); }, {"sin", "no active trace"});
  expect_error<TraceError>([] { (void)(Value(1.0) + Value(2.0)); }, {"add", "no active trace"});
  expect_error<TraceError>([] { (void)mean(Value(1.0)); }, {"no active trace"});
  expect_error<TraceError>([] { (void)where(Value(true), Value(1.0), Value(2.0)); },
                           {"no active trace"});
  expect_error<TraceError>([] { (void)iota(DType::F64, {3}); }, {"iota", "no active trace"});
}

TEST(BadInput, IdentityShortcutsOutsideATrace) {
  // value.h promises a TraceError for every Value operation outside a trace, also where
  // the DSL would return its operand unchanged because the op is the identity.
  expect_error<TraceError>([] { (void)sum(Value(1.0)); }, {"sum", "no active trace"});
  expect_error<TraceError>([] { (void)reshape(Value(1.0), {}); }, {"no active trace"});
  expect_error<TraceError>([] { (void)astype(Value(1.0), DType::F64); }, {"no active trace"});
  expect_error<TraceError>([] { (void)floor(Value(3)); }, {"floor", "no active trace"});
  expect_error<TraceError>([] { (void)transpose(Value(1.0)); }, {"no active trace"});
  expect_error<TraceError>([] { (void)squeeze(Value(1.0), {}); }, {"squeeze", "no active trace"});
  expect_error<TraceError>([] { (void)broadcast_to(Value(1.0), {}); }, {"no active trace"});
}

TEST(BadInput, ValueUsedAfterItsTraceEnded) {
  std::optional<Value> leaked;
  Fn f = fn([&](Value x) {
    leaked = x * 2.0;
    return *leaked;
  });
  (void)f(1.0);
  ASSERT_TRUE(leaked.has_value());
  // Outside any trace, and inside a later one: both name the problem.
  expect_error<TraceError>([&] { (void)sin(*leaked); }, {"after the trace"});
  Fn g = fn([&](Value y) { return y + *leaked; });
  expect_error<TraceError>([&] { (void)g(1.0); }, {"after the trace"});
  expect_error<TraceError>([&] { (void)jit(g)(1.0); }, {"after the trace"});
  expect_error<TraceError>([&] { (void)leaked->shape(); }, {"after the trace"});
}

TEST(BadInput, EmptyFn) {
  Fn empty;
  expect_error<ArgumentError>([&] { (void)empty(1.0); }, {"empty lanes::Fn"});
  expect_error<ArgumentError>([&] { (void)jit(empty); }, {"jit", "empty lanes::Fn"});
  expect_error<ArgumentError>([&] { (void)empty.ir({1.0}); }, {"empty lanes::Fn"});
}

TEST(BadInput, AnErrorThrownWhileTracingLeavesNoBrokenCacheEntry) {
  // The traced function fails for one call and succeeds for the next with the very same
  // signature: nothing of the failed trace (graph or executable) may be cached.
  bool fail = true;
  int traces = 0;
  Fn f = fn([&](Value x) {
    ++traces;
    if (fail) throw ArgumentError("user code: refusing to trace");
    return sin(x) * 2.0;
  });
  Fn j = jit(f);
  Array x = ramp({5});
  expect_error<ArgumentError>([&] { (void)j(x); }, {"refusing to trace"});
  expect_error<ArgumentError>([&] { (void)j(x); }, {"refusing to trace"});
  EXPECT_EQ(traces, 2);
  fail = false;
  Array got = j(x);
  EXPECT_TRUE(testing::same_array(got, f(x), {1, 0}));
  // A trace that failed halfway left no tracer behind: Values outside are errors again.
  expect_error<TraceError>([] { (void)sin(Value(1.0)); }, {"no active trace"});
}

TEST(BadInput, AllocationsTooLargeAreRuntimeErrors) {
  const Shape huge{std::int64_t{1} << 40, std::int64_t{1} << 20};
  auto is_lanes_error = [](const std::function<void()>& body) {
    try {
      body();
    } catch (const RuntimeError& e) {
      return std::string("RuntimeError: ") + e.what();
    } catch (const ShapeError& e) {
      return std::string("ShapeError: ") + e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a RuntimeError/ShapeError: " << e.what();
      return std::string();
    }
    ADD_FAILURE() << "no exception";
    return std::string();
  };
  std::string msg = is_lanes_error([&] { (void)Array::zeros(DType::F64, huge); });
  EXPECT_NE(msg.find("[1099511627776,1048576]"), std::string::npos) << msg;
  (void)is_lanes_error([&] { (void)Array::empty(DType::I32, {std::int64_t{1} << 62, 8}); });
  // A function whose output is that big: eagerly, and jitted (the executable allocates).
  Fn f = fn([&](Value x) { return broadcast_to(x, huge); });
  (void)is_lanes_error([&] { (void)f(1.0); });
  Fn j = jit(f);
  (void)is_lanes_error([&] { (void)j(1.0); });
  Fn g = fn([&](Value x) { return iota(DType::F64, huge, 1) * x; });
  (void)is_lanes_error([&] { (void)jit(g)(2.0); });
  // The failed calls left the jitted Fn usable for a size that fits.
  Fn small = jit(fn([](Value x) { return broadcast_to(x, {2, 3}); }));
  Array r = small(1.5);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.data<double>()[5], 1.5);
}

}  // namespace
}  // namespace lanes
