// The shared walk over a kernel body (see loop_emitter.h).
//
// Loop: a header with the index variable and one phi per carry, the body, the back edge.
// A lane loop (loop::Op::lanes), unless the backend runs its lanes in SIMD: a loop over
// the lanes, each from the initial carries, storing its yields to a stack slot per lane;
// then the halving fold of the slots.
// While with a uniform condition is a plain loop; with a varying one it keeps the
// active-lane mask in a phi: each iteration evaluates the condition for all lanes,
// narrows the mask, leaves when no lane is active (an `or` reduction), runs the body with
// the mask as the execution mask of nested control flow, and updates only the active
// lanes' carries. Every While also leaves when the backend's cancel flag (cancel_flag())
// is set, checked once per iteration. If with a uniform predicate is a real branch; with a varying
// one both blocks run, each under the execution mask of the lanes that take it (so loops inside
// stop for the others), and the results are blended. The mask of the enclosing While
// body or If arm limits nested Whiles, so a loop never runs for a lane that would not
// reach it.
#include "codegen/llvm/loop_emitter.h"

#include <lanes/error.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <array>

#include "codegen/lane_fold.h"
#include "codegen/loop_verify.h"
#include "runtime/check.h"

namespace lanes::internal::llvmgen {

using llvm::Value;
using loop::Block;
using loop::Op;
using loop::OpKind;

LoopEmitter::LoopEmitter(llvm::Module& m, const loop::Kernel& k,
                         const std::vector<loop::Buffer>& bufs, Precision precision,
                         MathCallHook math, const char* backend)
    : m_(m),
      k_(k),
      bufs_(bufs),
      precision_(precision),
      math_(math),
      backend_(backend),
      b_(m.getContext()) {}

void LoopEmitter::fail(const std::string& what) const {
  LANES_FAIL(std::string(backend_) + ": kernel " + k_.name + ": " + what);
}

void LoopEmitter::index_kernel() {
  loop::verify(k_, bufs_);
  const auto n = static_cast<std::size_t>(k_.num_ops);
  def_.assign(n, nullptr);
  dtype_.assign(n, DType::F64);
  varying_.assign(n, 0);
  vals_.assign(n, nullptr);
  loop_results_.assign(n, {});
  used_.assign(bufs_.size(), 0);
  stored_.assign(bufs_.size(), 0);
  buffer_ptrs_.assign(bufs_.size(), nullptr);
  idx_.assign(static_cast<std::size_t>(k_.num_index_vars), nullptr);
  has_while_ = false;
  std::vector<const Block*> work{&k_.body};
  while (!work.empty()) {
    const Block& block = *work.back();
    work.pop_back();
    for (std::size_t i = 0; i < block.params.size(); ++i) {
      dtype_[block.params[i]] = block.param_dtypes[i];
    }
    for (std::size_t i = 0; i < block.ops.size(); ++i) {
      const Op& op = block.ops[i];
      const int id = block.ids[i];
      def_[id] = &op;
      dtype_[id] = op.dtype;  // loop::verify: comparisons are bool
      if (op.kind == OpKind::Load) used_[op.buffer] = 1;
      if (op.kind == OpKind::While) has_while_ = true;
      for (const Block& inner : op.blocks) work.push_back(&inner);
    }
  }
  // Where each store goes (see emit_point): after its value's op, or at the end.
  std::vector<char> loaded = used_;
  bool early = buffers_disjoint();
  for (const loop::Store& s : k_.stores) {
    early = early && !loaded[s.buffer] && !stored_[s.buffer];
    used_[s.buffer] = stored_[s.buffer] = 1;
  }
  const std::size_t end = k_.body.ops.size();
  std::vector<std::size_t> position(n, end);
  if (early) {
    for (std::size_t i = 0; i < end; ++i) position[static_cast<std::size_t>(k_.body.ids[i])] = i;
  }
  stores_at_.assign(end + 1, {});
  for (const loop::Store& s : k_.stores) {
    stores_at_[position[static_cast<std::size_t>(s.value)]].push_back(&s);
  }
}

bool LoopEmitter::result_varying(const Op& op, int k) const {
  if (op.kind == OpKind::If) {
    return varying_[op.args[0]] || varying_[op.blocks[0].yields[k]] ||
           varying_[op.blocks[1].yields[k]];
  }
  return varying_[op.blocks.back().params[k]];
}

Value* LoopEmitter::value(int id) const {
  if (vals_[id] == nullptr) fail("op %" + std::to_string(id) + " used before it is defined");
  return vals_[id];
}

LoopEmitter::LoopBlocks LoopEmitter::begin_loop(const char* header, const char* body,
                                                const char* exit) {
  llvm::LLVMContext& ctx = m_.getContext();
  LoopBlocks l{b_.GetInsertBlock(), llvm::BasicBlock::Create(ctx, header, fn_),
               llvm::BasicBlock::Create(ctx, body, fn_), llvm::BasicBlock::Create(ctx, exit, fn_)};
  b_.CreateBr(l.header);
  b_.SetInsertPoint(l.header);
  return l;
}

Value* LoopEmitter::lane_offsets(std::int64_t stride) {
  std::vector<llvm::Constant*> c;
  for (int l = 0; l < lanes_; ++l) c.push_back(b_.getInt64(stride * l));
  return llvm::ConstantVector::get(c);
}

Value* LoopEmitter::all_lanes() {
  return llvm::ConstantInt::getTrue(llvm::FixedVectorType::get(b_.getInt1Ty(), lanes_));
}

llvm::Type* LoopEmitter::mem_type(DType t) {
  return t == DType::Bool ? b_.getInt8Ty() : register_type(m_.getContext(), t, 1);
}

Value* LoopEmitter::element_offset(const loop::AffineIndex& index) {
  Value* off = b_.getInt64(index.offset);
  for (const auto& [var, stride] : index.terms) {
    if (idx_[var] == nullptr) fail("indexes with unbound index variable " + std::to_string(var));
    off = b_.CreateAdd(off, b_.CreateMul(idx_[var], b_.getInt64(stride)));
  }
  return off;
}

Value* LoopEmitter::emit_scalar(const Op& op, std::span<Value* const> args,
                                std::span<const DType> dtypes) {
  return emit_scalar_op(b_, op.sop, op.dtype, args, dtypes, precision_, math_);
}

void LoopEmitter::emit_loop(const Op& op, int id, Value* start, std::int64_t step) {
  if (op.lanes) {
    emit_lanes(op, id);
    return;
  }
  const Block& body = op.blocks[0];
  const std::size_t n = op.args.size();
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = widen(value(op.args[c]), vec(body.params[c]));
  const auto [pre, header, body_bb, exit] = begin_loop("inner", "inner_body", "inner_exit");
  llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, "k");
  i->addIncoming(start != nullptr ? start : b_.getInt64(0), pre);
  std::vector<llvm::PHINode*> phis(n);
  for (std::size_t c = 0; c < n; ++c) {
    phis[c] = b_.CreatePHI(init[c]->getType(), 2);
    phis[c]->addIncoming(init[c], pre);
  }
  b_.CreateCondBr(b_.CreateICmpSLT(i, b_.getInt64(op.trip_count)), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  Value* saved = idx_[op.index_var];
  idx_[op.index_var] = i;
  for (std::size_t c = 0; c < n; ++c) vals_[body.params[c]] = phis[c];
  emit_block(body);
  std::vector<Value*> next(n);
  for (std::size_t c = 0; c < n; ++c) next[c] = widen(value(body.yields[c]), vec(body.params[c]));
  on_loop_latch(op, phis, next);
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  i->addIncoming(b_.CreateAdd(i, b_.getInt64(step), "", /*HasNUW=*/false, /*HasNSW=*/true), latch);
  for (std::size_t c = 0; c < n; ++c) phis[c]->addIncoming(next[c], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  idx_[op.index_var] = saved;
  loop_results_[id].assign(phis.begin(), phis.end());
}

Value* LoopEmitter::fold_pair(const Op& op, DType dt, Value* a, Value* b) {
  Op f;
  f.kind = OpKind::Scalar;
  f.sop = op.sop;
  f.dtype = dt;
  const std::array<Value*, 2> args{a, b};
  const std::array<DType, 2> dts{dt, dt};
  return emit_scalar(f, args, dts);
}

void LoopEmitter::emit_lanes(const Op& op, int id) {
  const Block& body = op.blocks[0];
  const std::size_t n = op.args.size();
  const std::uint64_t k = static_cast<std::uint64_t>(op.trip_count);
  // One stack slot per lane and carry (allocas in the entry block: one per function).
  std::vector<llvm::Type*> types(n);
  std::vector<llvm::AllocaInst*> slots(n);
  llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
  for (std::size_t c = 0; c < n; ++c) {
    types[c] =
        register_type(m_.getContext(), body.param_dtypes[c], vec(body.params[c]) ? lanes_ : 1);
    slots[c] = entry.CreateAlloca(llvm::ArrayType::get(types[c], k));
  }
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = widen(value(op.args[c]), vec(body.params[c]));
  const auto [pre, header, body_bb, exit] = begin_loop("lanes", "lanes_body", "lanes_exit");
  llvm::PHINode* l = b_.CreatePHI(b_.getInt64Ty(), 2, "lane");
  l->addIncoming(b_.getInt64(0), pre);
  b_.CreateCondBr(b_.CreateICmpULT(l, b_.getInt64(static_cast<std::int64_t>(k))), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  Value* saved = idx_[op.index_var];
  idx_[op.index_var] = l;
  for (std::size_t c = 0; c < n; ++c) vals_[body.params[c]] = init[c];
  emit_block(body);
  for (std::size_t c = 0; c < n; ++c) {
    Value* y = widen(value(body.yields[c]), vec(body.params[c]));
    b_.CreateStore(y, b_.CreateGEP(slots[c]->getAllocatedType(), slots[c], {b_.getInt64(0), l}));
  }
  l->addIncoming(b_.CreateAdd(l, b_.getInt64(1)), b_.GetInsertBlock());
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  idx_[op.index_var] = saved;
  std::vector<Value*> results(n);
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<Value*> ys(k);
    for (std::uint64_t q = 0; q < k; ++q) {
      ys[q] = b_.CreateLoad(types[c],
                            b_.CreateConstGEP2_64(slots[c]->getAllocatedType(), slots[c], 0, q));
    }
    results[c] = loop::fold_lanes(std::move(ys), [&](Value* a, Value* b) {
      return fold_pair(op, body.param_dtypes[c], a, b);
    });
  }
  loop_results_[id] = std::move(results);
}

void LoopEmitter::emit_while(const Op& op, int id) {
  const Block& cond = op.blocks[0];
  const Block& body = op.blocks[1];
  const std::size_t n = op.args.size();
  const bool masked = vec(cond.yields[0]);
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = widen(value(op.args[c]), vec(body.params[c]));
  const auto [pre, header, body_bb, exit] = begin_loop("while", "while_body", "while_exit");
  Value* mask_in = masked ? (mask_ ? mask_ : all_lanes()) : nullptr;
  std::vector<llvm::PHINode*> phis(n);
  for (std::size_t c = 0; c < n; ++c) {
    phis[c] = b_.CreatePHI(init[c]->getType(), 2);
    phis[c]->addIncoming(init[c], pre);
    vals_[cond.params[c]] = phis[c];
    vals_[body.params[c]] = phis[c];
  }
  llvm::PHINode* act = nullptr;
  Value* saved_mask = mask_;
  if (masked) {
    act = b_.CreatePHI(mask_in->getType(), 2, "active");
    act->addIncoming(mask_in, pre);
    mask_ = act;
  }
  emit_block(cond);
  Value* c = value(cond.yields[0]);
  Value* act2 = nullptr;
  Value* go = nullptr;
  if (masked) {
    act2 = b_.CreateAnd(act, widen(c, true));
    go = b_.CreateOrReduce(act2);
  } else {
    if (c->getType()->isVectorTy()) fail("uniform While condition is a vector");
    go = c;
  }
  b_.CreateCondBr(and_not_cancelled(go), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  if (masked) mask_ = act2;
  emit_block(body);
  std::vector<Value*> next(n);
  for (std::size_t c2 = 0; c2 < n; ++c2) {
    next[c2] = widen(value(body.yields[c2]), vec(body.params[c2]));
    if (masked) next[c2] = b_.CreateSelect(act2, next[c2], phis[c2]);
  }
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  for (std::size_t c2 = 0; c2 < n; ++c2) phis[c2]->addIncoming(next[c2], latch);
  if (masked) act->addIncoming(act2, latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  mask_ = saved_mask;
  loop_results_[id].assign(phis.begin(), phis.end());
}

Value* LoopEmitter::and_not_cancelled(Value* go) {
  Value* flag = cancel_flag();
  if (flag == nullptr) return go;
  // A volatile (never hoisted) monotonic load: one load and a predictable branch per
  // iteration. The loop then leaves with whatever carries it has; the caller throws.
  llvm::LoadInst* f = b_.CreateAlignedLoad(b_.getInt32Ty(), flag, llvm::Align(4), true, "cancel");
  f->setAtomic(llvm::AtomicOrdering::Monotonic);
  return b_.CreateAnd(go, b_.CreateICmpEQ(f, b_.getInt32(0)));
}

void LoopEmitter::emit_if(const Op& op, int id) {
  const Block& then_b = op.blocks[0];
  const Block& else_b = op.blocks[1];
  const std::size_t n = then_b.yields.size();
  std::vector<bool> to_vec(n);
  for (std::size_t k = 0; k < n; ++k) {
    to_vec[k] = lanes_ > 1 && result_varying(op, static_cast<int>(k));
  }
  Value* pred = value(op.args[0]);
  std::vector<Value*> results(n);
  if (!vec(op.args[0])) {
    llvm::LLVMContext& ctx = m_.getContext();
    auto* then_bb = llvm::BasicBlock::Create(ctx, "then", fn_);
    auto* else_bb = llvm::BasicBlock::Create(ctx, "else", fn_);
    auto* merge = llvm::BasicBlock::Create(ctx, "endif", fn_);
    b_.CreateCondBr(pred, then_bb, else_bb);
    auto arm = [&](llvm::BasicBlock* bb, const Block& blk, std::vector<Value*>& ys) {
      b_.SetInsertPoint(bb);
      emit_block(blk);
      for (std::size_t k = 0; k < n; ++k) ys.push_back(widen(value(blk.yields[k]), to_vec[k]));
      llvm::BasicBlock* end = b_.GetInsertBlock();
      b_.CreateBr(merge);
      return end;
    };
    std::vector<Value*> ty, ey;
    llvm::BasicBlock* tend = arm(then_bb, then_b, ty);
    llvm::BasicBlock* eend = arm(else_bb, else_b, ey);
    b_.SetInsertPoint(merge);
    for (std::size_t k = 0; k < n; ++k) {
      llvm::PHINode* phi = b_.CreatePHI(ty[k]->getType(), 2);
      phi->addIncoming(ty[k], tend);
      phi->addIncoming(ey[k], eend);
      results[k] = phi;
    }
  } else {
    Value* saved = mask_;
    Value* not_pred = b_.CreateNot(pred);
    mask_ = saved ? b_.CreateAnd(saved, pred) : pred;
    emit_block(then_b);
    mask_ = saved ? b_.CreateAnd(saved, not_pred) : not_pred;
    emit_block(else_b);
    mask_ = saved;
    for (std::size_t k = 0; k < n; ++k) {
      results[k] = b_.CreateSelect(pred, widen(value(then_b.yields[k]), true),
                                   widen(value(else_b.yields[k]), true));
    }
  }
  loop_results_[id] = std::move(results);
}

void LoopEmitter::emit_op(const Op& op, int id) {
  switch (op.kind) {
    case OpKind::Const: {
      llvm::Type* t = register_type(m_.getContext(), op.dtype, 1);
      // Every bit of an integer (op.value is exact; a double would round beyond 2^53).
      if (is_float(op.dtype)) {
        vals_[id] = llvm::ConstantFP::get(t, op.value.as_double());
      } else if (op.dtype == DType::Bool) {
        vals_[id] = b_.getInt1(op.value.as<bool>());
      } else {
        vals_[id] =
            llvm::ConstantInt::get(t, static_cast<std::uint64_t>(op.value.as_int64()), true);
      }
      return;
    }
    case OpKind::IndexVar: {
      Value* v = idx_[op.index_var];
      if (v == nullptr) {
        fail("IndexVar %" + std::to_string(id) + " of unbound variable " +
             std::to_string(op.index_var));
      }
      if (vec(id)) v = b_.CreateAdd(b_.CreateVectorSplat(lanes_, v), lane_offsets(1));
      vals_[id] = emit_convert(b_, v, DType::I64, op.dtype);
      return;
    }
    case OpKind::Load:
      vals_[id] = emit_load(op, id);
      return;
    case OpKind::Scalar: {
      bool any_vec = false;
      for (int a : op.args) any_vec = any_vec || vec(a);
      std::vector<Value*> args;
      std::vector<DType> dts;
      for (int a : op.args) {
        args.push_back(widen(value(a), any_vec));
        dts.push_back(dtype_[a]);
      }
      vals_[id] = emit_scalar(op, args, dts);
      return;
    }
    case OpKind::Loop:
      emit_loop(op, id);
      return;
    case OpKind::While:
      emit_while(op, id);
      return;
    case OpKind::If:
      emit_if(op, id);
      return;
    case OpKind::LoopResult:
      vals_[id] = loop_results_[op.args[0]].at(static_cast<std::size_t>(op.result_index));
      return;
  }
}

void LoopEmitter::emit_block(const Block& block) {
  for (std::size_t i = 0; i < block.ops.size(); ++i) emit_op(block.ops[i], block.ids[i]);
}

void LoopEmitter::emit_point() {
  std::fill(vals_.begin(), vals_.end(), nullptr);
  for (auto& r : loop_results_) r.clear();
  const Block& body = k_.body;
  for (std::size_t i = 0; i < body.ops.size(); ++i) {
    emit_op(body.ops[i], body.ids[i]);
    for (const loop::Store* s : stores_at_[i]) emit_store(*s);
  }
  for (const loop::Store* s : stores_at_.back()) emit_store(*s);
}

}  // namespace lanes::internal::llvmgen
