// Tracing: graphs from C++ callables, literals, closure conversion and trace errors.
#include "engine/trace.h"
#include "frontend/fn_impl.h"

#include <lanes/lanes.h>

#include <gtest/gtest.h>

namespace lanes {
namespace {

using internal::AbstractValue;

TEST(Tracer, ValueOutsideTraceThrows) {
  Value two(2.0);
  EXPECT_TRUE(two.is_literal());
  try {
    (void)constant(Array::scalar(1.0));
    FAIL() << "expected TraceError";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("no active trace"), std::string::npos);
  }
}

TEST(Tracer, LiteralsAreWeaklyTyped) {
  EXPECT_TRUE(Value(2.0).weak_type());
  EXPECT_EQ(Value(2.0).dtype(), DType::F64);
  EXPECT_TRUE(Value(3).weak_type());
  EXPECT_EQ(Value(3).dtype(), DType::I64);
  EXPECT_FALSE(Value(2.0f).weak_type());
  EXPECT_FALSE(Value(true).weak_type());
}

TEST(Tracer, ConstantBecomesEquation) {
  Array c = Array::from(std::vector<double>{1, 2});
  internal::TracedGraph t = internal::trace_graph(
      std::vector<AbstractValue>{}, [&](std::span<const Value>) { return std::vector<Value>{constant(c)}; });
  ASSERT_EQ(t.graph->eqns.size(), 1u);
  EXPECT_EQ(t.graph->eqns[0].prim->name, "constant");
  EXPECT_EQ(t.graph->output_avals()[0].shape, (Shape{2}));
}

TEST(Tracer, CapturedOuterValueBecomesTrailingInput) {
  std::vector<AbstractValue> outer_in{{DType::F64, {3}, false}};
  internal::TracedGraph outer = internal::trace_graph(outer_in, [&](std::span<const Value> xs) {
    Value x = xs[0];
    // An inner trace that only returns the outer value: it must be captured.
    internal::TracedGraph inner = internal::trace_graph(
        std::vector<AbstractValue>{}, [&](std::span<const Value>) { return std::vector<Value>{x}; });
    EXPECT_EQ(inner.graph->inputs.size(), 1u);
    EXPECT_EQ(inner.captures.size(), 1u);
    EXPECT_EQ(inner.captures[0].var(), x.var());
    EXPECT_EQ(inner.graph->aval(inner.graph->inputs[0]).shape, (Shape{3}));
    return std::vector<Value>{x};
  });
  EXPECT_TRUE(outer.captures.empty());
}

TEST(Tracer, EscapedValueIsDetected) {
  Value escaped(0.0);
  Fn f = fn([&](Value x) {
    escaped = x;
    return x;
  });
  Array r = f(Array::scalar(1.5));
  EXPECT_EQ(r.item<double>(), 1.5);
  EXPECT_THROW((void)escaped.shape(), TraceError);
}

TEST(Fn, ArityIsChecked) {
  Fn f = fn([](Value x, Value y) { return std::make_tuple(y, x); });
  EXPECT_EQ(f.arity(), 2);
  try {
    (void)f(Array::scalar(1.0));
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("expects 2 arguments, got 1"), std::string::npos);
  }
}

TEST(Fn, TupleOutputsAndPassThrough) {
  Fn f = fn([](Value x, Value y) { return std::make_tuple(y, x); });
  Outputs o = f(Array::scalar(1.0), Array::scalar(2.0f));
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].dtype(), DType::F32);
  EXPECT_EQ(o[1].item<double>(), 1.0);
  EXPECT_THROW((void)static_cast<Array>(o), ArgumentError);
}

TEST(Fn, TracedOncePerSignature) {
  int traces = 0;
  Fn f = fn([&](Value x) {
    ++traces;
    return x;
  });
  (void)f(Array::zeros(DType::F32, {3}));
  (void)f(Array::ones(DType::F32, {3}));
  EXPECT_EQ(traces, 1);
  (void)f(Array::zeros(DType::F32, {4}));
  EXPECT_EQ(traces, 2);
  (void)f(2.0);  // weak f64 scalar: a new signature
  EXPECT_EQ(traces, 3);
}

TEST(Fn, CallWithValuesInlines) {
  Fn inner = fn([](Value x) { return std::make_tuple(x, x); });
  Fn outer = fn([&](Value x) {
    Values v = inner(x);
    return v[1];
  });
  EXPECT_EQ(static_cast<Array>(outer(Array::scalar(4.0))).item<double>(), 4.0);
  EXPECT_EQ(outer.ir({Array::scalar(4.0)}).find("constant"), std::string::npos);
}

}  // namespace
}  // namespace lanes
