// Building loop IR by hand in tests (kernels the lowering does not produce, or malformed
// ones for the verifier): one op of each kind, and appending an op with a chosen id to a
// block.
#pragma once

#include <utility>
#include <vector>

#include "codegen/loop_ir.h"

namespace lanes::testing {

inline internal::loop::Op loop_op(internal::loop::OpKind kind, DType dt) {
  internal::loop::Op op;
  op.kind = kind;
  op.dtype = dt;
  return op;
}

inline internal::loop::Op scalar_op(internal::ScalarOp sop, DType dt, std::vector<int> args) {
  internal::loop::Op op = loop_op(internal::loop::OpKind::Scalar, dt);
  op.sop = sop;
  op.args = std::move(args);
  return op;
}

inline internal::loop::Op const_op(DType dt, double v) {
  internal::loop::Op op = loop_op(internal::loop::OpKind::Const, dt);
  op.value = Scalar::of_double(dt, v);
  return op;
}

// buffers[buffer][index], of the buffer's dtype `dt`.
inline internal::loop::Op load_op(int buffer, DType dt, internal::loop::AffineIndex index) {
  internal::loop::Op op = loop_op(internal::loop::OpKind::Load, dt);
  op.buffer = buffer;
  op.index = std::move(index);
  return op;
}

// Result k (of dtype dt) of the Loop, While or If op `of`.
inline internal::loop::Op result_op(int of, int k, DType dt) {
  internal::loop::Op op = loop_op(internal::loop::OpKind::LoopResult, dt);
  op.args = {of};
  op.result_index = k;
  return op;
}

inline void add_op(internal::loop::Block& b, int id, internal::loop::Op op) {
  b.ids.push_back(id);
  b.ops.push_back(std::move(op));
}

}  // namespace lanes::testing
