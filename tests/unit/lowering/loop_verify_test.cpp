// loop::verify (codegen/loop_verify.h): a well-formed hand-built kernel verifies; each
// malformed variant of it fails with an InternalError that names the kernel, the op and
// what is wrong; the backends and the loop-IR interpreter refuse malformed kernels through
// it; and every program the lowering makes of the registry's and the transformation
// tests' functions verifies (lower_to_loops also verifies its output, so every lowering
// test checks that too).
#include "codegen/loop_verify.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/cpu/cpu_jit.h"
#include "engine/jit_pipeline.h"
#include "engine/lower/lower.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/loop_interpreter.h"
#include "tests/unit/amdgpu_test_util.h"
#include "tests/unit/loop_ir_build_util.h"

namespace lanes {
namespace {

namespace loop = internal::loop;
using internal::ScalarOp;
using loop::Block;
using loop::Kernel;
using loop::Op;
using loop::OpKind;
using loop::Program;

using testing::add_op;
using testing::const_op;
using testing::load_op;
using testing::loop_op;
using testing::result_op;
using testing::scalar_op;

const loop::AffineIndex kI0{{{0, 1}}, 0};  // b[i0]

// out[i] = sin(x[i]) + sum_k w[k] * x[i], if (x[i] < 1) that else -that, and a while
// loop halving it while it is above 1 (%22 = i0 as i64, unused): every op kind, well
// formed.
//   b0: f64[8] input, b1: f64[4] input (w), b2: f64[8] output
Program valid_program() {
  Program p;
  p.num_inputs = 2;
  p.buffers.resize(3);
  p.buffers[0] = {DType::F64, {8}, loop::BufferKind::Input, 0, {}};
  p.buffers[1] = {DType::F64, {4}, loop::BufferKind::Input, 1, {}};
  p.buffers[2] = {DType::F64, {8}, loop::BufferKind::Output, 0, {}};
  Kernel k;
  k.name = "k";
  k.extents = {8};
  k.num_index_vars = 2;
  Block& b = k.body;
  Op iv = loop_op(OpKind::IndexVar, DType::I64);  // %22 = i0
  iv.index_var = 0;
  add_op(b, 22, std::move(iv));
  add_op(b, 0, load_op(0, DType::F64, kI0));                // %0 = x[i0]
  add_op(b, 1, scalar_op(ScalarOp::Sin, DType::F64, {0}));  // %1 = sin %0
  add_op(b, 2, const_op(DType::F64, 0));                    // %2 = 0
  {
    Op l;  // %3 = loop i1 in [0, 4) carries(%4 = %2) { %5 = w[i1]; %6 = %5 * %0; %7 = %4 + %6 }
    l.kind = OpKind::Loop;
    l.dtype = DType::F64;
    l.index_var = 1;
    l.trip_count = 4;
    l.args = {2};
    Block body;
    body.params = {4};
    body.param_dtypes = {DType::F64};
    add_op(body, 5, load_op(1, DType::F64, {{{1, 1}}, 0}));
    add_op(body, 6, scalar_op(ScalarOp::Mul, DType::F64, {5, 0}));
    add_op(body, 7, scalar_op(ScalarOp::Add, DType::F64, {4, 6}));
    body.yields = {7};
    l.blocks.push_back(std::move(body));
    add_op(b, 3, std::move(l));
  }
  add_op(b, 8, result_op(3, 0, DType::F64));                     // %8 = result 0 of %3
  add_op(b, 9, scalar_op(ScalarOp::Add, DType::F64, {1, 8}));    // %9 = %1 + %8
  add_op(b, 10, const_op(DType::F64, 1));                        // %10 = 1
  add_op(b, 11, scalar_op(ScalarOp::Lt, DType::Bool, {0, 10}));  // %11 = %0 < 1
  {
    Op i;  // %12 = if %11 { yield %9 } else { %13 = neg %9; yield %13 }
    i.kind = OpKind::If;
    i.dtype = DType::F64;
    i.args = {11};
    Block then_b, else_b;
    then_b.yields = {9};
    add_op(else_b, 13, scalar_op(ScalarOp::Neg, DType::F64, {9}));
    else_b.yields = {13};
    i.blocks.push_back(std::move(then_b));
    i.blocks.push_back(std::move(else_b));
    add_op(b, 12, std::move(i));
  }
  add_op(b, 14, result_op(12, 0, DType::F64));  // %14
  {
    Op w;  // %15 = while carries(%16 = %14) { %17 = %16 > 1; yield %17 }
           //        do (%18) { %19 = %18 * 0.5 (%20); yield %19 }
    w.kind = OpKind::While;
    w.dtype = DType::F64;
    w.args = {14};
    Block cond, body;
    cond.params = {16};
    cond.param_dtypes = {DType::F64};
    add_op(cond, 17, scalar_op(ScalarOp::Gt, DType::Bool, {16, 10}));
    cond.yields = {17};
    body.params = {18};
    body.param_dtypes = {DType::F64};
    add_op(body, 20, const_op(DType::F64, 0.5));
    add_op(body, 19, scalar_op(ScalarOp::Mul, DType::F64, {18, 20}));
    body.yields = {19};
    w.blocks.push_back(std::move(cond));
    w.blocks.push_back(std::move(body));
    add_op(b, 15, std::move(w));
  }
  add_op(b, 21, result_op(15, 0, DType::F64));  // %21
  k.num_ops = 23;
  k.stores.push_back({2, kI0, 21});
  p.steps.push_back(std::move(k));
  p.outputs.push_back(loop::OutputSource{2});
  return p;
}

Kernel& kernel(Program& p) { return std::get<Kernel>(p.steps[0]); }
// The top-level op with id `id`.
Op& top(Program& p, int id) {
  Block& b = kernel(p).body;
  for (std::size_t i = 0; i < b.ids.size(); ++i) {
    if (b.ids[i] == id) return b.ops[i];
  }
  throw std::runtime_error("no op %" + std::to_string(id));
}
Block& loop_body(Program& p) { return top(p, 3).blocks[0]; }

// verify(p) throws an InternalError whose message contains every one of `parts`.
void expect_error(const Program& p, std::initializer_list<std::string> parts) {
  try {
    loop::verify(p);
    ADD_FAILURE() << "verified:\n" << p.to_string();
  } catch (const InternalError& e) {
    const std::string msg = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(msg.find(part), std::string::npos) << "\"" << part << "\" not in: " << msg;
    }
  }
}

struct Malformed {
  const char* what;
  std::function<void(Program&)> mutate;
  std::initializer_list<std::string> message;
};

TEST(LoopVerify, AWellFormedKernelVerifiesAndRuns) {
  Program p = valid_program();
  EXPECT_NO_THROW(loop::verify(p));
  Array x = Array::arange(8, DType::F64);
  Array w = Array::full(DType::F64, {4}, 0.25);
  std::vector<Array> out = internal::run_program_reference(p, std::vector<Array>{x, w});
  for (int i = 0; i < 8; ++i) {
    double v = std::sin(i) + i;
    if (!(i < 1.0)) v = -v;
    while (v > 1) v *= 0.5;
    EXPECT_DOUBLE_EQ(out[0].element_as_double(i), v) << i;
  }
}

TEST(LoopVerify, EachBrokenInvariantIsNamed) {
  const Malformed cases[] = {
      // The kernel.
      {"rank 0", [](Program& p) { kernel(p).extents.clear(); }, {"kernel k has rank 0"}},
      {"negative extent", [](Program& p) { kernel(p).extents = {-1}; }, {"negative extent -1"}},
      {"vector axis", [](Program& p) { kernel(p).vector_axis = 1; }, {"vector axis 1"}},
      {"index vars below rank",
       [](Program& p) {
         kernel(p).extents = {8, 1, 1};
         kernel(p).stores[0].index = kI0;
       },
       {"num_index_vars 2 below its rank 3"}},
      // Ids and scopes.
      {"id out of range",
       [](Program& p) { kernel(p).body.ids[1] = 40; },
       {"kernel k: op %40 (Load): defines id %40 outside [0, 23)"}},
      {"id defined twice",
       [](Program& p) { kernel(p).body.ids[3] = 1; },
       {"op %1 (Const): defines id %1 twice"}},
      {"use before definition",
       [](Program& p) { top(p, 1).args = {9}; },
       {"op %1 (Scalar Sin): operand %9 is not defined before its use"}},
      {"use out of scope",
       [](Program& p) {
         top(p, 9).args = {1, 6};
       },
       {"op %9 (Scalar Add): operand %6 is out of scope"}},
      {"a block's ids and ops differ",
       [](Program& p) { loop_body(p).ids.pop_back(); },
       {"op %3 (Loop): has a block whose ids and ops"}},
      // Scalar ops.
      {"arity",
       [](Program& p) { top(p, 9).args = {1}; },
       {"op %9 (Scalar Add): has 1 operands, expected 2"}},
      {"no ScalarOp",
       [](Program& p) { top(p, 1).sop = ScalarOp::None; },
       {"op %1 (Scalar None): has no ScalarOp"}},
      {"operand dtype",
       [](Program& p) {
         top(p, 9).args = {1, 22};
       },
       {"op %9 (Scalar Add): operand 1 is i64, expected f64"}},
      {"comparison result",
       [](Program& p) { top(p, 11).dtype = DType::F64; },
       {"op %11 (Scalar Lt): the result is f64, expected bool"}},
      {"comparison operands",
       [](Program& p) {
         top(p, 11).args = {0, 22};
       },
       {"op %11 (Scalar Lt): operand 1 is i64, expected f64"}},
      {"select predicate",
       [](Program& p) {
         top(p, 9) = scalar_op(ScalarOp::Select, DType::F64, {1, 8, 1});
       },
       {"op %9 (Scalar Select): the predicate is f64, expected bool"}},
      // Loads, index variables, stores.
      {"unknown buffer",
       [](Program& p) { top(p, 0).buffer = 7; },
       {"op %0 (Load): uses unknown buffer b7"}},
      {"load dtype",
       [](Program& p) { top(p, 0).dtype = DType::F32; },
       {"op %0 (Load): its dtype (b0's) is f32, expected f64"}},
      {"load out of bounds",
       [](Program& p) { top(p, 0).index.offset = 1; },
       {"op %0 (Load): accesses b0[1 .. 8] of 8 elements"}},
      {"unbound index variable",
       [](Program& p) {
         top(p, 0).index = {{{1, 1}}, 0};
       },
       {"op %0 (Load): indexes b0 with unbound index variable i1"}},
      {"IndexVar unbound",
       [](Program& p) { top(p, 22).index_var = 1; },
       {"op %22 (IndexVar): reads unbound index variable i1"}},
      {"store into an input",
       [](Program& p) { kernel(p).stores[0].buffer = 0; },
       {"store 0: stores to b0, not an Output or Temp buffer"}},
      {"store dtype",
       [](Program& p) { kernel(p).stores[0].value = 22; },
       {"store 0: stores %22 of i64 into b2 of f64"}},
      {"store of an inner value",
       [](Program& p) { kernel(p).stores[0].value = 7; },
       {"store 0: stores %7, not a value of the body"}},
      {"store at a loop variable",
       [](Program& p) {
         kernel(p).stores[0].index = {{{1, 1}}, 0};
       },
       {"store 0: indexes b2 with index variable i1, not a parallel dimension"}},
      // Loop, While, If, LoopResult.
      {"loop param dtype",
       [](Program& p) { loop_body(p).param_dtypes = {DType::F32}; },
       {"op %3 (Loop): body param 0 is f32, expected f64"}},
      {"loop yields",
       [](Program& p) {
         loop_body(p).yields = {7, 7};
       },
       {"op %3 (Loop): yields 2 values for 1 carries"}},
      {"loop yield dtype",
       [](Program& p) {
         add_op(loop_body(p), 23, const_op(DType::I32, 0));
         kernel(p).num_ops = 24;
         loop_body(p).yields = {23};
       },
       {"op %3 (Loop): yield 0 is i32, expected f64"}},
      {"loop over a parallel dimension",
       [](Program& p) { top(p, 3).index_var = 0; },
       {"op %3 (Loop): has index variable i0 outside [1, 2)"}},
      {"negative trip count",
       [](Program& p) { top(p, 3).trip_count = -2; },
       {"op %3 (Loop): has trip count -2"}},
      {"lane loop of a count of lanes not a power of two",
       [](Program& p) {
         top(p, 3).lanes = true;
         top(p, 3).sop = ScalarOp::Add;
         top(p, 3).trip_count = 3;
       },
       {"op %3 (Loop): is a lane loop of 3 lanes, not a power of two"}},
      {"lane loop folded by an op that does not reassociate",
       [](Program& p) {
         top(p, 3).lanes = true;
         top(p, 3).sop = ScalarOp::Sub;
       },
       {"op %3 (Loop): is a lane loop folded by "}},
      {"loop without its body",
       [](Program& p) { top(p, 3).blocks.clear(); },
       {"op %3 (Loop): has 0 blocks, expected 1"}},
      {"while cond yields",
       [](Program& p) {
         top(p, 15).blocks[0].yields = {17, 17};
       },
       {"op %15 (While): has a cond block with 2 yields, expected 1"}},
      {"while condition dtype",
       [](Program& p) { top(p, 15).blocks[0].yields = {16}; },
       {"op %15 (While): the condition is f64, expected bool"}},
      {"while body params",
       [](Program& p) { top(p, 15).blocks[1].params.clear(); },
       {"op %15 (While): has 1 carries but its body block 0 params"}},
      {"while body reads the cond block",
       [](Program& p) {
         top(p, 15).blocks[1].ops[1].args = {18, 17};
       },
       {"op %19 (Scalar Mul): operand %17 is out of scope"}},
      {"if predicate",
       [](Program& p) { top(p, 12).args = {9}; },
       {"op %12 (If): the predicate is f64, expected bool"}},
      {"if arms differ",
       [](Program& p) { top(p, 12).blocks[1].yields = {11}; },
       {"op %12 (If): else yield 0 is bool, expected f64"}},
      {"if arm with params",
       [](Program& p) {
         top(p, 12).blocks[0].params = {23};
         top(p, 12).blocks[0].param_dtypes = {DType::F64};
         kernel(p).num_ops = 24;
       },
       {"op %12 (If): has an arm with params"}},
      {"result of a non-loop",
       [](Program& p) { top(p, 8).args = {1}; },
       {"op %8 (LoopResult): reads %1, not a Loop, While or If"}},
      {"result index",
       [](Program& p) { top(p, 8).result_index = 1; },
       {"op %8 (LoopResult): reads result 1 of %3, which has 1"}},
      {"result dtype",
       [](Program& p) { top(p, 21).dtype = DType::F32; },
       {"op %21 (LoopResult): its dtype is f32, expected f64"}},
      // The partials fold mark.
      {"fold of a non-loop",
       [](Program& p) {
         kernel(p).fold.loop = 9;
         kernel(p).fold.buffers = {1};
       },
       {"kernel k folds partials in %9, not a top-level Loop"}},
      {"fold buffers",
       [](Program& p) {
         kernel(p).fold.loop = 3;
         kernel(p).fold.buffers = {1, 1};
       },
       {"kernel k folds 2 partial buffers into the 1 carries of %3"}},
      {"fold reads off its index",
       [](Program& p) {
         kernel(p).fold.loop = 3;
         kernel(p).fold.buffers = {0};
         loop_body(p).ops[0] = load_op(0, DType::F64, {{{1, 1}}, 2});
       },
       {"op %5 (Load): reads partial buffer b0 off the fold's index variable"}},
      // The program.
      {"input index",
       [](Program& p) { p.buffers[1].io_index = 2; },
       {"input buffer b1 is argument 2 of 2"}},
      {"output buffer",
       [](Program& p) { p.outputs[0].buffer = 3; },
       {"output reads unknown buffer b3"}},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.what);
    Program p = valid_program();
    c.mutate(p);
    expect_error(p, c.message);
  }
}

TEST(LoopVerify, AccessesThatMayNotRunAreNotBoundsChecked) {
  // A load under an If arm may be out of range for the points that do not take the arm;
  // one inside a Loop of zero trips never runs.
  Program p = valid_program();
  top(p, 12).blocks[1].ops[0] = load_op(0, DType::F64, {{{0, 1}}, 4});  // %13 = x[i0 + 4]
  EXPECT_NO_THROW(loop::verify(p));
  Program q = valid_program();
  top(q, 3).trip_count = 0;
  loop_body(q).ops[0] = load_op(1, DType::F64, {{{1, 1}, {0, 1}}, 0});  // w[i1 + i0]
  EXPECT_NO_THROW(loop::verify(q));
}

TEST(LoopVerify, BackendsAndTheInterpreterRefuseMalformedKernels) {
  Program p = valid_program();
  top(p, 9).args = {1};
  const std::vector<Array> args{Array::arange(8, DType::F64), Array::full(DType::F64, {4}, 1.0)};
  EXPECT_THROW(internal::run_program_reference(p, args), InternalError);
  EXPECT_THROW(internal::cpu::compile_kernels(p, {}), InternalError);
  if (internal::amdgpu::toolchain_available()) {
    EXPECT_THROW(internal::amdgpu::compile_amdgpu(p, "gfx90a"), InternalError);
  }
}

TEST(LoopVerify, EveryLoweredProgramVerifies) {
  using namespace amdgpu_test;
  std::vector<Case> cases = elementwise_cases();
  cases.push_back(structural_case(DType::F64));
  cases.push_back(structural_case(DType::I32));
  for (const Case& c : composition_cases()) cases.push_back(c);
  ASSERT_GT(cases.size(), 100u);
  std::size_t kernels = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    internal::Signature sig;
    for (const Array& a : c.args) sig.push_back(internal::aval_of(a));
    const Graph g = internal::optimize_graph(*c.f.impl()->graph_for(sig));
    // lower_to_loops verifies too; this names the case that fails.
    Program p = internal::lower_to_loops(g, {});
    EXPECT_NO_THROW(loop::verify(p)) << p.to_string();
    for (const auto& s : p.steps) kernels += std::holds_alternative<Kernel>(s) ? 1 : 0;
  }
  EXPECT_GT(kernels, cases.size() / 2);
}

}  // namespace
}  // namespace lanes
