#include "codegen/cpu/inner_vectorization.h"

#include <cstdlib>

#include "codegen/cpu/scalar_codegen.h"

namespace lanes::internal::cpu {

namespace {

using loop::Block;
using loop::Op;
using loop::OpKind;

bool is_gather(const Op& load, int vector_axis) {
  return std::llabs(load.index.stride_of(vector_axis)) > 1;
}

// Whether `loop` can run in SIMD along its own index: no nested control flow, no
// vector-math call (LLVM's vectorizer would leave the loop scalar around it, slower
// than the batch lanes' vector math even with their gathers), every load contiguous or
// invariant along the index (and at least one contiguous), and each carry updated by an
// Add or Mul of the carry.
bool vectorizable_reduction(const Op& loop) {
  if (!loop.reassociable || loop.trip_count < kMinVectorizedReductionTrips) return false;
  const Block& body = loop.blocks.at(0);
  bool contiguous = false;
  for (const Op& op : body.ops) {
    if (op.kind == OpKind::Loop || op.kind == OpKind::While || op.kind == OpKind::If) return false;
    if (op.kind == OpKind::Scalar && calls_math_library(op.sop)) return false;
    if (op.kind != OpKind::Load) continue;
    const std::int64_t s = op.index.stride_of(loop.index_var);
    if (s != 0 && s != 1) return false;
    contiguous = contiguous || s == 1;
  }
  if (!contiguous) return false;
  for (std::size_t c = 0; c < body.yields.size(); ++c) {
    const Op* combine = nullptr;
    for (std::size_t i = 0; i < body.ops.size(); ++i) {
      if (body.ids[i] == body.yields[c]) combine = &body.ops[i];
    }
    if (combine == nullptr || combine->kind != OpKind::Scalar ||
        (combine->sop != ScalarOp::Add && combine->sop != ScalarOp::Mul)) {
      return false;
    }
    const int carry = body.params.at(c);
    if (combine->args.at(0) != carry && combine->args.at(1) != carry) return false;
  }
  return true;
}

bool gathers_in(const Block& block, int vector_axis) {
  for (const Op& op : block.ops) {
    if (op.kind == OpKind::Load && is_gather(op, vector_axis)) return true;
  }
  return false;
}

// Whether the loads in `block` (at any depth) read contiguously or invariantly along
// index variable `var`: -1 if one strides by more than one element, else whether one
// reads contiguously.
int contiguous_along(const Block& block, int var) {
  int contiguous = 0;
  for (const Op& op : block.ops) {
    if (op.kind == OpKind::Load) {
      const std::int64_t s = op.index.stride_of(var);
      if (s != 0 && s != 1) return -1;
      contiguous = contiguous || s == 1;
    }
    for (const Block& b : op.blocks) {
      const int c = contiguous_along(b, var);
      if (c < 0) return -1;
      contiguous = contiguous || c;
    }
  }
  return contiguous;
}

// Whether some vectorizable innermost reduction loop in `block` gathers along the
// vector axis, or `block` holds a lane loop that reads contiguously along its lanes.
bool find_gathering_reduction(const Block& block, int vector_axis) {
  for (const Op& op : block.ops) {
    if (op.kind == OpKind::Loop && op.lanes && contiguous_along(op.blocks[0], op.index_var) > 0) {
      return true;
    }
    if (op.kind == OpKind::Loop && vectorizable_reduction(op) &&
        gathers_in(op.blocks[0], vector_axis)) {
      return true;
    }
    for (const Block& b : op.blocks) {
      if (find_gathering_reduction(b, vector_axis)) return true;
    }
  }
  return false;
}

}  // namespace

bool vectorize_inner_reductions(const loop::Kernel& kernel) {
  const int rank = static_cast<int>(kernel.extents.size());
  const int va = kernel.vector_axis < 0 ? rank - 1 : kernel.vector_axis;
  return find_gathering_reduction(kernel.body, va);
}

}  // namespace lanes::internal::cpu
