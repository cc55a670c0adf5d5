// Lowering: run_program_reference(lower_to_loops(g)) must equal interpret(g) bit for bit,
// and fusion must have the promised structure (one kernel for elementwise chains and for
// reductions of inlined intermediates, no batch-sized temporaries, broadcasts and
// transposes folded into load indices).
#include "engine/lower/lower.h"

#include <gtest/gtest.h>
#include <lanes/control_flow.h>
#include <lanes/ops.h>

#include <cmath>
#include <cstring>

#include "codegen/backend.h"
#include "engine/interpreter.h"
#include "engine/lower/fusion.h"
#include "lower_test_prims.h"
#include "test_util.h"
#include "tests/oracle/loop_interpreter.h"

namespace lanes {
namespace {

using internal::AbstractValue;
using internal::Graph;
using internal::LoweringKind;
using internal::Params;
using internal::loop::BufferKind;
using internal::loop::Kernel;
using internal::loop::Op;
using internal::loop::OpKind;
using internal::loop::Program;
using lower_test::prims;
namespace lower = internal::lower;

using Body = std::function<std::vector<Value>(std::span<const Value>)>;

Graph trace(std::vector<AbstractValue> ins, const Body& f) {
  return *internal::trace_graph(ins, f).graph;
}

Value B(const internal::Primitive& p, std::vector<Value> in, Params params = {}) {
  return internal::bind1(p, in, std::move(params));
}

AbstractValue f64(Shape s) { return {DType::F64, std::move(s), false}; }

// Deterministic, irregular test data.
Array data(Shape s, double seed = 1.0) {
  return lower_test::build(DType::F64, s, [&, k = 0](const lower_test::Idx&) mutable {
    ++k;
    return std::sin(seed * 1.37 * k + 0.3) * 2.0;
  });
}

bool same_bits(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// Lowers g, runs both interpreters and expects identical results; returns the program.
Program check(const Graph& g, const std::vector<Array>& inputs) {
  Program p = internal::lower_to_loops(g, {});
  std::vector<Array> want = internal::interpret(g, inputs);
  std::vector<Array> got = internal::run_program_reference(p, inputs);
  const std::string ctx = g.to_string() + "\n" + p.to_string();
  EXPECT_EQ(want.size(), got.size()) << ctx;
  for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    EXPECT_EQ(want[i].dtype(), got[i].dtype()) << ctx;
    EXPECT_EQ(want[i].shape(), got[i].shape()) << ctx;
    if (want[i].shape() != got[i].shape()) continue;
    for (std::int64_t k = 0; k < want[i].size(); ++k) {
      EXPECT_TRUE(same_bits(want[i].element_as_double(k), got[i].element_as_double(k)))
          << "output " << i << " element " << k << ": " << want[i].element_as_double(k) << " vs "
          << got[i].element_as_double(k) << "\n"
          << ctx;
    }
  }
  // The CPU backend agrees (scalar and 4-wide), within the vector math's ULP bounds.
  for (int width : {1, 4}) {
    JitOptions o;
    o.vector_width = width;
    std::vector<Array> jitted = internal::compile_cpu(p, o)->run(inputs);
    EXPECT_EQ(jitted.size(), want.size());
    for (std::size_t i = 0; i < std::min(want.size(), jitted.size()); ++i) {
      EXPECT_TRUE(testing::arrays_close(jitted[i], want[i], 16, 1e-12))
          << "width " << width << " output " << i << "\n"
          << ctx;
    }
  }
  return p;
}

std::vector<const Kernel*> kernels(const Program& p) {
  std::vector<const Kernel*> ks;
  for (const auto& s : p.steps) {
    if (const Kernel* k = std::get_if<Kernel>(&s)) ks.push_back(k);
  }
  return ks;
}

int count_buffers(const Program& p, BufferKind kind) {
  int n = 0;
  for (const auto& b : p.buffers) n += b.kind == kind;
  return n;
}

void collect(const internal::loop::Block& b, std::vector<const Op*>& ops) {
  for (const Op& op : b.ops) {
    ops.push_back(&op);
    for (const auto& inner : op.blocks) collect(inner, ops);
  }
}

std::vector<const Op*> ops_of(const Kernel& k, OpKind kind) {
  std::vector<const Op*> all, r;
  collect(k.body, all);
  for (const Op* op : all) {
    if (op->kind == kind) r.push_back(op);
  }
  return r;
}

TEST(Lower, ElementwiseChainIsOneKernel) {
  const auto& P = prims();
  // sin(x) * y + exp(-(x * x))
  Graph g = trace({f64({5, 7}), f64({5, 7})}, [&](std::span<const Value> a) {
    Value x = a[0], y = a[1];
    Value e = B(P.exp, {B(P.neg, {B(P.mul, {x, x})})});
    return std::vector<Value>{B(P.add, {B(P.mul, {B(P.sin, {x}), y}), e})};
  });
  Program p = check(g, {data({5, 7}), data({5, 7}, 2.0)});
  ASSERT_EQ(kernels(p).size(), 1u) << p.to_string();
  EXPECT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 0);
  const Kernel& k = *kernels(p)[0];
  EXPECT_EQ(k.extents, (Shape{5, 7}));
  EXPECT_EQ(k.vector_axis, -1);
  EXPECT_EQ(k.num_index_vars, 2);
  // x is loaded once although used three times.
  EXPECT_EQ(ops_of(k, OpKind::Load).size(), 2u);
  EXPECT_TRUE(ops_of(k, OpKind::Loop).empty());
}

TEST(Lower, BatchedOuterProductSumIsOneKernelWithoutTemporaries) {
  const auto& P = prims();
  const std::int64_t Bn = 6, n = 4;
  // s[b] = sum_ij v[b,i] v[b,j] W[i,j]
  Graph g = trace({f64({Bn, n}), f64({n, n})}, [&](std::span<const Value> a) {
    Value v = a[0], W = a[1];
    Params bi{{"shape", Shape{Bn, n, n}},
              {"broadcast_dimensions", std::vector<std::int64_t>{0, 1}}};
    Params bj{{"shape", Shape{Bn, n, n}},
              {"broadcast_dimensions", std::vector<std::int64_t>{0, 2}}};
    Params bw{{"shape", Shape{Bn, n, n}},
              {"broadcast_dimensions", std::vector<std::int64_t>{1, 2}}};
    Value outer = B(P.mul, {B(P.broadcast_in_dim, {v}, bi), B(P.broadcast_in_dim, {v}, bj)});
    Value t = B(P.mul, {outer, B(P.broadcast_in_dim, {W}, bw)});
    return std::vector<Value>{B(P.reduce_sum, {t}, {{"axes", std::vector<std::int64_t>{1, 2}}})};
  });
  Program p = check(g, {data({Bn, n}), data({n, n}, 3.0)});
  ASSERT_EQ(kernels(p).size(), 1u) << p.to_string();
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 0);
  const Kernel& k = *kernels(p)[0];
  EXPECT_EQ(k.extents, (Shape{Bn}));
  EXPECT_EQ(ops_of(k, OpKind::Loop).size(), 2u);  // i and j
  EXPECT_EQ(k.num_index_vars, 3);
  // v[b,i] is loaded in the i loop, hoisted out of the j loop.
  const Op* outer_loop = ops_of(k, OpKind::Loop)[0];
  int loads_in_i = 0;
  for (const Op& op : outer_loop->blocks[0].ops) loads_in_i += op.kind == OpKind::Load;
  EXPECT_EQ(loads_in_i, 1) << p.to_string();
}

TEST(Lower, BroadcastAndTransposeFoldIntoLoads) {
  const auto& P = prims();
  // y[i,j] = x[j,i] + b[j]  with x: [3,4], b: [3], y: [4,3]
  Graph g = trace({f64({3, 4}), f64({3})}, [&](std::span<const Value> a) {
    Value xt = B(P.transpose, {a[0]}, {{"permutation", std::vector<std::int64_t>{1, 0}}});
    Value bb = B(P.broadcast_in_dim, {a[1]},
                 {{"shape", Shape{4, 3}}, {"broadcast_dimensions", std::vector<std::int64_t>{1}}});
    return std::vector<Value>{B(P.add, {xt, bb})};
  });
  Program p = check(g, {data({3, 4}), data({3}, 5.0)});
  ASSERT_EQ(kernels(p).size(), 1u);
  auto loads = ops_of(*kernels(p)[0], OpKind::Load);
  ASSERT_EQ(loads.size(), 2u);
  const Op* lx = loads[0]->buffer == 0 ? loads[0] : loads[1];
  const Op* lb = loads[0]->buffer == 0 ? loads[1] : loads[0];
  EXPECT_EQ(lx->index.stride_of(0), 1);  // i walks x's columns
  EXPECT_EQ(lx->index.stride_of(1), 4);  // j walks x's rows
  EXPECT_EQ(lb->index.stride_of(0), 0);  // b does not depend on i
  EXPECT_EQ(lb->index.stride_of(1), 1);
}

TEST(Lower, MatrixVectorReductionIsOneKernel) {
  const auto& P = prims();
  // sum(x * W, axis=1) with x broadcast along rows of W.
  Graph g = trace({f64({5}), f64({3, 5})}, [&](std::span<const Value> a) {
    Value xb = B(P.broadcast_in_dim, {a[0]},
                 {{"shape", Shape{3, 5}}, {"broadcast_dimensions", std::vector<std::int64_t>{1}}});
    return std::vector<Value>{
        B(P.reduce_sum, {B(P.mul, {xb, a[1]})}, {{"axes", std::vector<std::int64_t>{1}}})};
  });
  Program p = check(g, {data({5}), data({3, 5}, 2.5)});
  ASSERT_EQ(kernels(p).size(), 1u);
  EXPECT_EQ(kernels(p)[0]->extents, (Shape{3}));
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::Loop).size(), 1u);
}

TEST(Lower, BroadcastReductionIsMaterialized) {
  const auto& P = prims();
  // x - sum(x): the sum must not be recomputed for every element.
  Graph g = trace({f64({9})}, [&](std::span<const Value> a) {
    Value s = B(P.reduce_sum, {a[0]}, {{"axes", std::vector<std::int64_t>{0}}});
    return std::vector<Value>{B(P.sub, {a[0], s})};
  });
  Program p = check(g, {data({9})});
  ASSERT_EQ(kernels(p).size(), 2u) << p.to_string();
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 1);
  EXPECT_EQ(kernels(p)[0]->extents, (Shape{1}));
  EXPECT_TRUE(ops_of(*kernels(p)[1], OpKind::Loop).empty());
}

TEST(Lower, NestedReductionsFuse) {
  const auto& P = prims();
  // max over rows of (sum over columns of sin(x))
  Graph g = trace({f64({4, 6})}, [&](std::span<const Value> a) {
    Value r = B(P.reduce_sum, {B(P.sin, {a[0]})}, {{"axes", std::vector<std::int64_t>{1}}});
    return std::vector<Value>{B(P.reduce_max, {r}, {{"axes", std::vector<std::int64_t>{0}}})};
  });
  Program p = check(g, {data({4, 6})});
  ASSERT_EQ(kernels(p).size(), 1u);
  EXPECT_EQ(ops_of(*kernels(p)[0], OpKind::Loop).size(), 2u);
}

TEST(Lower, ReshapeOfFusedValueMaterializesItsOperand) {
  const auto& P = prims();
  Graph g = trace({f64({6})}, [&](std::span<const Value> a) {
    Value r = B(P.reshape, {B(P.sin, {a[0]})}, {{"new_sizes", Shape{2, 3}}});
    Value t = B(P.transpose, {r}, {{"permutation", std::vector<std::int64_t>{1, 0}}});
    return std::vector<Value>{B(P.exp, {t})};
  });
  Program p = check(g, {data({6})});
  EXPECT_EQ(kernels(p).size(), 2u) << p.to_string();
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 1);
}

TEST(Lower, ReshapeOfInputFoldsIntoLoad) {
  const auto& P = prims();
  Graph g = trace({f64({6})}, [&](std::span<const Value> a) {
    Value r = B(P.reshape, {a[0]}, {{"new_sizes", Shape{2, 3}}});
    Value u = B(P.reshape, {B(P.sin, {r})}, {{"new_sizes", Shape{1, 2, 1, 3}}});  // unit dims only
    return std::vector<Value>{u};
  });
  Program p = check(g, {data({6})});
  EXPECT_EQ(kernels(p).size(), 1u) << p.to_string();
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 0);
}

TEST(Lower, SliceIotaConvertSelect) {
  const auto& P = prims();
  // where(iota < 3, x[1:9:2] * 2.0, convert(iota))  over [4]
  Graph g = trace({f64({10})}, [&](std::span<const Value> a) {
    Value s = B(P.slice, {a[0]},
                {{"start_indices", std::vector<std::int64_t>{1}},
                 {"limit_indices", std::vector<std::int64_t>{9}},
                 {"strides", std::vector<std::int64_t>{2}}});
    Value io =
        B(P.iota, {}, {{"dtype", DType::I32}, {"shape", Shape{4}}, {"dimension", std::int64_t{0}}});
    Value pred =
        B(P.lt, {io, Value::from_literal(internal::make_literal(Scalar::of_int(DType::I32, 3)))});
    Value f = B(P.convert, {io}, {{"dtype", DType::F64}, {"weak", false}});
    return std::vector<Value>{B(P.select, {pred, B(P.mul, {s, Value(2.0)}), f})};
  });
  Program p = check(g, {data({10})});
  EXPECT_EQ(kernels(p).size(), 1u);
  std::vector<Array> out =
      internal::run_program_reference(p, std::vector<Array>{Array::arange(10, DType::F64)});
  EXPECT_EQ(out[0].element_as_double(0), 2.0);   // x[1] * 2
  EXPECT_EQ(out[0].element_as_double(2), 10.0);  // x[5] * 2
  EXPECT_EQ(out[0].element_as_double(3), 3.0);   // iota
}

TEST(Lower, ConcatenateWritesSlabsFromFusedOperands) {
  const auto& P = prims();
  Graph g = trace({f64({2, 3}), f64({2, 2})}, [&](std::span<const Value> a) {
    return std::vector<Value>{
        B(P.concatenate, {B(P.sin, {a[0]}), B(P.exp, {a[1]})}, {{"dimension", std::int64_t{1}}})};
  });
  Program p = check(g, {data({2, 3}), data({2, 2}, 4.0)});
  EXPECT_EQ(kernels(p).size(), 2u);
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 0);
}

TEST(Lower, ArgmaxWithTiesAndNaN) {
  const auto& P = prims();
  Graph g = trace({f64({3, 4})}, [&](std::span<const Value> a) {
    return std::vector<Value>{
        B(P.argmax, {B(P.neg, {a[0]})}, {{"axis", std::int64_t{1}}, {"index_dtype", DType::I32}})};
  });
  Array x = Array::from(std::vector<double>{3, 1, 1, 2,  // max of -x: -1 at index 1 (tie: first)
                                            0, NAN, 5, NAN,  // first NaN: 1
                                            -2, -7, -7, 0},  // 7 at index 1
                        {3, 4});
  Program p = check(g, {x});
  std::vector<Array> out = internal::run_program_reference(p, std::vector<Array>{x});
  EXPECT_EQ(out[0].dtype(), DType::I32);
  EXPECT_EQ(out[0].element_as_double(0), 1);
  EXPECT_EQ(out[0].element_as_double(1), 1);
  EXPECT_EQ(out[0].element_as_double(2), 1);
}

TEST(Lower, DotGeneralMatmulAndBatched) {
  const auto& P = prims();
  Params mm{{"lhs_contracting", std::vector<std::int64_t>{1}},
            {"rhs_contracting", std::vector<std::int64_t>{0}},
            {"lhs_batch", std::vector<std::int64_t>{}},
            {"rhs_batch", std::vector<std::int64_t>{}}};
  Graph g = trace({f64({3, 5}), f64({5, 2})}, [&](std::span<const Value> a) {
    return std::vector<Value>{B(P.dot_general, {a[0], a[1]}, mm)};
  });
  Program p = check(g, {data({3, 5}), data({5, 2}, 2.0)});
  EXPECT_EQ(kernels(p).size(), 1u);
  // Batched, contracting the lhs' first free axis against rhs' last: [b,k,m] x [b,n,k].
  Params bm{{"lhs_contracting", std::vector<std::int64_t>{1}},
            {"rhs_contracting", std::vector<std::int64_t>{2}},
            {"lhs_batch", std::vector<std::int64_t>{0}},
            {"rhs_batch", std::vector<std::int64_t>{0}}};
  Graph gb = trace({f64({2, 4, 3}), f64({2, 5, 4})}, [&](std::span<const Value> a) {
    return std::vector<Value>{B(P.dot_general, {B(P.sin, {a[0]}), a[1]}, bm)};
  });
  check(gb, {data({2, 4, 3}), data({2, 5, 4}, 3.0)});
  // Hand-computed 2x2 product.
  Graph g2 = trace({f64({2, 2}), f64({2, 2})}, [&](std::span<const Value> a) {
    return std::vector<Value>{B(P.dot_general, {a[0], a[1]}, mm)};
  });
  std::vector<Array> out = internal::run_program_reference(
      internal::lower_to_loops(g2, {}),
      std::vector<Array>{Array::from(std::vector<double>{1, 2, 3, 4}, {2, 2}),
                         Array::from(std::vector<double>{5, 6, 7, 8}, {2, 2})});
  EXPECT_EQ(out[0].element_as_double(0), 19);
  EXPECT_EQ(out[0].element_as_double(1), 22);
  EXPECT_EQ(out[0].element_as_double(2), 43);
  EXPECT_EQ(out[0].element_as_double(3), 50);
}

TEST(Lower, UnloweredPrimitiveBecomesHostStep) {
  const auto& P = prims();
  Graph g = trace({f64({5})}, [&](std::span<const Value> a) {
    Value c = B(P.cumsum, {B(P.sin, {a[0]})});
    return std::vector<Value>{B(P.mul, {c, a[0]})};
  });
  Program p = check(g, {data({5})});
  ASSERT_EQ(p.steps.size(), 3u) << p.to_string();
  EXPECT_TRUE(std::holds_alternative<internal::loop::HostStep>(p.steps[1]));
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 2);
}

TEST(Lower, SharedExpensiveValueIsMaterializedOnce) {
  const auto& P = prims();
  // r = sum(x, axis=1) feeds two outputs of different kernels.
  Graph g = trace({f64({3, 4})}, [&](std::span<const Value> a) {
    Value r = B(P.reduce_sum, {a[0]}, {{"axes", std::vector<std::int64_t>{1}}});
    return std::vector<Value>{B(P.sin, {r}), B(P.exp, {r})};
  });
  Program p = check(g, {data({3, 4})});
  // r, sin(r) and exp(r) have one shape: one kernel computes r once (one reduction loop),
  // stores it, and reads sin's and exp's operand from its register, not from memory.
  ASSERT_EQ(kernels(p).size(), 1u) << p.to_string();
  EXPECT_EQ(count_buffers(p, BufferKind::Temp), 1);
  const Kernel& k = *kernels(p)[0];
  EXPECT_EQ(k.stores.size(), 3u);
  EXPECT_EQ(ops_of(k, OpKind::Loop).size(), 1u);
  EXPECT_EQ(ops_of(k, OpKind::Load).size(), 1u);  // x, inside the loop
}

TEST(Lower, OutputsFromInputsLiteralsConstantsAndRepeats) {
  const auto& P = prims();
  Array c = Array::from(std::vector<double>{1.5, -2.5});
  Graph g = trace({f64({2})}, [&](std::span<const Value> a) {
    Value s = B(P.sin, {a[0]});
    return std::vector<Value>{a[0], Value(7.0), constant(c), s, s, B(P.add, {s, constant(c)})};
  });
  Program p = check(g, {data({2})});
  EXPECT_EQ(p.outputs[0].buffer, 0);  // the input, passed through
  EXPECT_LT(p.outputs[1].buffer, 0);
  EXPECT_TRUE(p.outputs[1].literal.identical(Scalar::of_double(DType::F64, 7.0)));
  EXPECT_EQ(p.outputs[3].buffer, p.outputs[4].buffer);
  EXPECT_EQ(p.buffers[static_cast<std::size_t>(p.outputs[2].buffer)].kind, BufferKind::Output);
}

TEST(Lower, RankZeroValues) {
  const auto& P = prims();
  Graph g = trace({f64({}), f64({4})}, [&](std::span<const Value> a) {
    Value t = B(P.mul, {a[0], a[1]});  // rank-0 operand of an elementwise op
    Value s = B(P.reduce_sum, {t}, {{"axes", std::vector<std::int64_t>{0}}});
    return std::vector<Value>{s, B(P.exp, {a[0]})};
  });
  Program p = check(g, {Array::scalar(0.5), data({4})});
  ASSERT_EQ(kernels(p).size(), 1u);  // both rank-0 results in one kernel over {1}
  EXPECT_EQ(kernels(p)[0]->extents, (Shape{1}));
  EXPECT_EQ(kernels(p)[0]->stores.size(), 2u);
}

TEST(Lower, ProgramPrinterShowsKernelsLoopsAndBuffers) {
  const auto& P = prims();
  Graph g = trace({f64({3, 4})}, [&](std::span<const Value> a) {
    return std::vector<Value>{B(P.reduce_sum, {a[0]}, {{"axes", std::vector<std::int64_t>{1}}})};
  });
  std::string text = internal::lower_to_loops(g, {}).to_string();
  EXPECT_NE(text.find("b0: f64[3,4] input 0"), std::string::npos) << text;
  EXPECT_NE(text.find("b1: f64[3] output 0"), std::string::npos) << text;
  EXPECT_NE(text.find("loop i1 in [0, 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("load b0[4*i0 + i1]"), std::string::npos) << text;
  EXPECT_NE(text.find("store b1[i0]"), std::string::npos) << text;
}

namespace rule4 {

// A chain of `n` sin equations on f64[8].
Graph sin_chain(int n) {
  return trace({f64({8})}, [&](std::span<const Value> a) {
    Value y = a[0];
    for (int i = 0; i < n; ++i) y = B(prims().sin, {y});
    return std::vector<Value>{y};
  });
}

}  // namespace rule4

// Fusion rule 4: a value used in a later segment than its own is materialized, and each
// segment is its own kernel.
TEST(Lower, LongProgramsAreCutIntoSegments) {
  const int n = 2 * lower::kSegmentEqns + 100;
  Graph g = rule4::sin_chain(n);
  lower::FusionPlan plan = lower::plan_fusion(g);
  for (int i = 0; i < n; ++i) {
    const bool crosses = (i + 1) % lower::kSegmentEqns == 0 || i + 1 == n;  // or an output
    EXPECT_EQ(
        plan.materialized[static_cast<std::size_t>(g.eqns[static_cast<std::size_t>(i)].outputs[0])],
        crosses)
        << "equation " << i;
  }
  Program p = check(g, {data({8})});
  EXPECT_EQ(kernels(p).size(), 3u);
  // A program of one segment is not cut.
  Graph short_chain = rule4::sin_chain(lower::kSegmentEqns);
  EXPECT_EQ(kernels(check(short_chain, {data({8})})).size(), 1u);
}

// Fusion rule 4: an inlined path through kMaxInlinedLoops producers with loops ends at a
// materialized value, so the kernel builder's nested expansion stays bounded.
TEST(Lower, InlinedLoopsAreCutEveryKMaxInlinedLoops) {
  const int n = 2 * lower::kMaxInlinedLoops + 5;
  Graph g = trace({f64({8})}, [&](std::span<const Value> a) {
    Value y = a[0];
    for (int i = 0; i < n; ++i) {
      y = fori_loop(
          0, 3, [](Value, Value acc) { return acc * 0.5 + 1.0; }, y);
    }
    return std::vector<Value>{y};
  });
  lower::FusionPlan plan = lower::plan_fusion(g);
  int loops = 0;
  int materialized_loops = 0;
  for (std::size_t i = 0; i < g.eqns.size(); ++i) {
    if (plan.eqn_kind[i] != LoweringKind::ControlFlow) continue;
    ++loops;
    materialized_loops += plan.materialized[static_cast<std::size_t>(g.eqns[i].outputs[0])];
  }
  ASSERT_EQ(loops, n) << "the loops are inlined";
  // The 16th, the 32nd, and the last (the output).
  EXPECT_EQ(materialized_loops, 3);
  check(g, {data({8})});
}

}  // namespace
}  // namespace lanes
