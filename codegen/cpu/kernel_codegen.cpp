// Kernel -> LLVM function: the loop nest, uniformity analysis, loads, stores and the
// body's Loop ops. Scalar operations are emitted by scalar_codegen.cpp.
//
// Loop nest: the parallel dimensions other than the vector axis, outermost first (dim 0
// limited to [outer_begin, outer_end)), then the vector axis innermost: a main loop of
// W lanes per step while a whole vector fits, optionally a loop of tail_width lanes, then
// a W = 1 epilogue compiled from the same body for the remaining points. The epilogue needs no masks and calls the
// scalar SLEEF functions, whose results agree with the vector ones within the ULP bound.
//
// Uniformity: a value is varying when it depends on the vector-axis index (directly, by
// a load with a nonzero stride along it, or through a loop carry); otherwise it is
// uniform and stays a scalar register. Varying values are <W x T>.
//
// Control flow: Loop is a counted loop (uniform trip count). While with a uniform
// condition is a plain loop; with a varying one it keeps an active-lane mask and exits
// when the mask is empty. If with a uniform predicate branches; with a varying one both
// blocks run under lane masks and the results are blended. The mask of the enclosing
// While body or If arm limits nested Whiles, so a loop never runs for a lane that would
// not reach it. In the W = 1 epilogue everything is uniform: plain loops and branches.
//
// Memory: when the buffers are disjoint (emit_kernel's disjoint_buffers), each buffer is
// an alias scope of its own and read-only buffers are invariant, so a uniform load (a
// broadcast scalar) is hoisted out of the loop instead of being reloaded after every
// store. Functions realign their stack to 64 bytes: the <W x T> values live across a
// vector-math call are spilled, and a 64-byte spill slot that straddles cache lines made
// the same kernel 1.4x slower in about half of all processes (the stack's offset within
// a cache line is random per process).
#include "codegen/cpu/kernel_codegen.h"

#include "codegen/cpu/scalar_codegen.h"

#include <lanes/error.h>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <functional>

namespace lanes::internal::cpu {

namespace {

using llvm::Value;
using loop::Block;
using loop::Op;
using loop::OpKind;

class KernelEmitter {
 public:
  KernelEmitter(llvm::Module& m, const loop::Kernel& k, const std::vector<loop::Buffer>& bufs,
                int width, int tail_width, Precision precision, bool disjoint_buffers,
                bool reassociate_reductions)
      : m_(m),
        k_(k),
        bufs_(bufs),
        width_(width),
        tail_width_(tail_width),
        precision_(precision),
        disjoint_(disjoint_buffers),
        reassociate_(reassociate_reductions),
        b_(m.getContext()) {}

  llvm::Function* emit(const std::string& name);

 private:
  // --- analysis ---
  void index_block(const Block& block);
  bool result_varying(const Op& op, int k) const {
    if (op.kind == OpKind::If) {
      return varying_[op.args[0]] || varying_[op.blocks[0].yields[k]] ||
             varying_[op.blocks[1].yields[k]];
    }
    return varying_[op.blocks.back().params[k]];
  }
  bool propagate(const Block& block);
  int check_id(int id) const;

  // --- emission ---
  bool vec(int id) const { return w_ > 1 && varying_[id]; }
  Value* widen(Value* v, bool to_vec) {
    return to_vec && !v->getType()->isVectorTy() ? b_.CreateVectorSplat(w_, v) : v;
  }
  Value* value(int id) const {
    if (vals_[id] == nullptr) throw InternalError("cpu backend: op %" + std::to_string(id) + " used before it is defined");
    return vals_[id];
  }
  llvm::Type* mem_type(DType t) {
    return t == DType::Bool ? b_.getInt8Ty() : register_type(m_.getContext(), t, 1);
  }
  Value* counted_loop(Value* begin, Value* limit, std::int64_t step,
                      const std::function<void(Value*)>& body);
  void emit_nest(const std::vector<int>& dims, std::size_t pos);
  void emit_body();
  void emit_block(const Block& block);
  void emit_op(const Op& op, int id);
  void emit_loop(const Op& op, int id);
  void emit_while(const Op& op, int id);
  void emit_if(const Op& op, int id);
  Value* all_lanes() { return llvm::ConstantInt::getTrue(llvm::FixedVectorType::get(b_.getInt1Ty(), w_)); }
  // Element pointer of lane 0, and the stride along the vector axis.
  Value* lane0_pointer(int buffer, const loop::AffineIndex& index, std::int64_t* va_stride);
  Value* lane_offsets(std::int64_t stride);
  Value* emit_load(const Op& op, int id);
  void emit_store(const loop::Store& s);
  Value* buffer_ptr(int buffer);
  // Alias metadata for the kernel's buffers (see the file comment); `used`/`stored` per
  // buffer.
  void make_alias_metadata(const std::vector<char>& used, const std::vector<char>& stored);
  void tag_access(llvm::Instruction* access, int buffer, bool is_load);

  llvm::Module& m_;
  const loop::Kernel& k_;
  const std::vector<loop::Buffer>& bufs_;
  const int width_;
  const int tail_width_;
  const Precision precision_;
  const bool disjoint_;
  const bool reassociate_;
  llvm::IRBuilder<> b_;
  int va_ = 0;

  std::vector<const Op*> def_;  // op of each id (nullptr: a block param)
  std::vector<DType> dtype_;
  std::vector<char> varying_;
  std::vector<char> defined_;

  int w_ = 1;  // width of the body being emitted (width_, tail_width_ or 1)
  llvm::Function* fn_ = nullptr;
  std::vector<Value*> buffer_ptrs_;
  std::vector<llvm::MDNode*> scope_;    // per buffer: !alias.scope (null: none)
  std::vector<llvm::MDNode*> noalias_;  // per buffer: !noalias, the other buffers' scopes
  std::vector<char> read_only_;         // per buffer: the kernel never stores to it
  std::vector<Value*> idx_;  // i64 per index variable (vector axis: lane 0)
  std::vector<Value*> vals_;
  std::vector<std::vector<Value*>> loop_results_;
  // The lanes that execute the code being emitted (<W x i1>), inside a While body or
  // a branch of an If with a varying condition; nullptr: all lanes.
  Value* mask_ = nullptr;
};

int KernelEmitter::check_id(int id) const {
  if (id < 0 || id >= static_cast<int>(def_.size())) {
    throw InternalError("cpu backend: kernel " + k_.name + " uses op id " + std::to_string(id) +
                        " outside [0, " + std::to_string(def_.size()) + ")");
  }
  return id;
}

void KernelEmitter::index_block(const Block& block) {
  if (block.ids.size() != block.ops.size() || block.params.size() != block.param_dtypes.size()) {
    throw InternalError("cpu backend: malformed block in kernel " + k_.name);
  }
  for (std::size_t i = 0; i < block.params.size(); ++i) {
    int id = check_id(block.params[i]);
    if (defined_[id]) throw InternalError("cpu backend: op id defined twice: " + std::to_string(id));
    defined_[id] = 1;
    dtype_[id] = block.param_dtypes[i];
  }
  for (std::size_t i = 0; i < block.ops.size(); ++i) {
    const Op& op = block.ops[i];
    int id = check_id(block.ids[i]);
    if (defined_[id]) throw InternalError("cpu backend: op id defined twice: " + std::to_string(id));
    defined_[id] = 1;
    def_[id] = &op;
    dtype_[id] = op.kind == OpKind::Scalar && scalar_op_is_comparison(op.sop) ? DType::Bool : op.dtype;
    for (int a : op.args) check_id(a);
    if (op.kind == OpKind::Loop) {
      if (op.blocks.size() != 1 || op.blocks[0].params.size() != op.args.size() ||
          op.blocks[0].yields.size() != op.args.size()) {
        throw InternalError("cpu backend: malformed Loop op %" + std::to_string(id));
      }
      index_block(op.blocks[0]);
    }
    if (op.kind == OpKind::While) {
      if (op.blocks.size() != 2 || op.blocks[0].params.size() != op.args.size() ||
          op.blocks[0].yields.size() != 1 || op.blocks[1].params.size() != op.args.size() ||
          op.blocks[1].yields.size() != op.args.size()) {
        throw InternalError("cpu backend: malformed While op %" + std::to_string(id));
      }
      index_block(op.blocks[0]);
      index_block(op.blocks[1]);
    }
    if (op.kind == OpKind::If) {
      if (op.blocks.size() != 2 || op.args.size() != 1 || !op.blocks[0].params.empty() ||
          !op.blocks[1].params.empty() ||
          op.blocks[0].yields.size() != op.blocks[1].yields.size()) {
        throw InternalError("cpu backend: malformed If op %" + std::to_string(id));
      }
      index_block(op.blocks[0]);
      index_block(op.blocks[1]);
    }
  }
}

// One pass of the varying-ness dataflow; true if anything changed.
bool KernelEmitter::propagate(const Block& block) {
  bool changed = false;
  auto mark = [&](int id, bool v) {
    if (v && !varying_[id]) {
      varying_[id] = 1;
      changed = true;
    }
  };
  for (std::size_t i = 0; i < block.ops.size(); ++i) {
    const Op& op = block.ops[i];
    int id = block.ids[i];
    switch (op.kind) {
      case OpKind::Const: break;
      case OpKind::IndexVar: mark(id, op.index_var == va_); break;
      case OpKind::Load: mark(id, op.index.stride_of(va_) != 0); break;
      case OpKind::Scalar:
        for (int a : op.args) mark(id, varying_[a]);
        break;
      case OpKind::Loop: {
        const Block& body = op.blocks[0];
        for (std::size_t c = 0; c < op.args.size(); ++c) {
          mark(body.params[c], varying_[op.args[c]] || varying_[check_id(body.yields[c])]);
        }
        if (propagate(body)) changed = true;
        for (std::size_t c = 0; c < op.args.size(); ++c) {
          mark(body.params[c], varying_[body.yields[c]]);
        }
        break;
      }
      case OpKind::While: {
        // A carry is varying if its init or its update is, or if the condition is (points
        // then stop after different numbers of iterations).
        const Block& cond = op.blocks[0];
        const Block& body = op.blocks[1];
        for (int pass = 0; pass < 2; ++pass) {
          for (std::size_t c = 0; c < op.args.size(); ++c) {
            bool v = varying_[op.args[c]] || varying_[check_id(body.yields[c])] ||
                     varying_[check_id(cond.yields[0])] || varying_[cond.params[c]] ||
                     varying_[body.params[c]];
            mark(cond.params[c], v);
            mark(body.params[c], v);
          }
          if (propagate(cond)) changed = true;
          if (propagate(body)) changed = true;
        }
        break;
      }
      case OpKind::If: {
        if (propagate(op.blocks[0])) changed = true;
        if (propagate(op.blocks[1])) changed = true;
        break;
      }
      case OpKind::LoopResult: {
        const Op* loop = def_[op.args.at(0)];
        if (loop == nullptr || op.result_index < 0 ||
            (loop->kind != OpKind::Loop && loop->kind != OpKind::While && loop->kind != OpKind::If) ||
            op.result_index >= static_cast<int>(loop->kind == OpKind::If ? loop->blocks[0].yields.size() : loop->args.size())) {
          throw InternalError("cpu backend: LoopResult %" + std::to_string(id) + " of a non-loop");
        }
        mark(id, result_varying(*loop, op.result_index));
        break;
      }
    }
  }
  return changed;
}

Value* KernelEmitter::counted_loop(Value* begin, Value* limit, std::int64_t step,
                                   const std::function<void(Value*)>& body) {
  llvm::LLVMContext& ctx = m_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx, "loop", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx, "body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, "i");
  i->addIncoming(begin, pre);
  b_.CreateCondBr(b_.CreateICmpSLT(i, limit), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  body(i);
  Value* next = b_.CreateAdd(i, b_.getInt64(step), "", /*HasNUW=*/false, /*HasNSW=*/true);
  i->addIncoming(next, b_.GetInsertBlock());
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  return i;
}

Value* KernelEmitter::buffer_ptr(int buffer) {
  if (buffer < 0 || buffer >= static_cast<int>(bufs_.size()) || buffer_ptrs_[buffer] == nullptr) {
    throw InternalError("cpu backend: kernel " + k_.name + " uses unknown buffer " + std::to_string(buffer));
  }
  return buffer_ptrs_[buffer];
}

Value* KernelEmitter::lane0_pointer(int buffer, const loop::AffineIndex& index,
                                    std::int64_t* va_stride) {
  Value* off = b_.getInt64(index.offset);
  *va_stride = 0;
  for (const auto& [var, stride] : index.terms) {
    if (var < 0 || var >= static_cast<int>(idx_.size()) || idx_[var] == nullptr) {
      throw InternalError("cpu backend: kernel " + k_.name + " indexes with unbound index variable " + std::to_string(var));
    }
    if (var == va_) *va_stride += stride;
    off = b_.CreateAdd(off, b_.CreateMul(idx_[var], b_.getInt64(stride)));
  }
  return b_.CreateGEP(mem_type(bufs_[buffer].dtype), buffer_ptr(buffer), off);
}

Value* KernelEmitter::lane_offsets(std::int64_t stride) {
  std::vector<llvm::Constant*> c;
  for (int l = 0; l < w_; ++l) c.push_back(b_.getInt64(stride * l));
  return llvm::ConstantVector::get(c);
}

Value* KernelEmitter::emit_load(const Op& op, int id) {
  const DType dt = bufs_.at(op.buffer).dtype;
  if (dt != op.dtype) throw InternalError("cpu backend: load of " + std::string(dtype_name(op.dtype)) + " from a " + std::string(dtype_name(dt)) + " buffer");
  std::int64_t s = 0;
  Value* p = lane0_pointer(op.buffer, op.index, &s);
  llvm::Type* et = mem_type(dt);
  llvm::Align align(dtype_size(dt));
  llvm::Instruction* v;
  if (!vec(id)) {
    v = b_.CreateAlignedLoad(et, p, align);
  } else if (s == 1) {
    v = b_.CreateAlignedLoad(llvm::FixedVectorType::get(et, w_), p, align);
  } else {
    Value* ptrs = b_.CreateGEP(et, p, lane_offsets(s));
    v = b_.CreateMaskedGather(llvm::FixedVectorType::get(et, w_), ptrs, align);
  }
  tag_access(v, op.buffer, true);
  if (dt == DType::Bool) return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  return v;
}

void KernelEmitter::emit_store(const loop::Store& s) {
  const DType dt = bufs_.at(s.buffer).dtype;
  check_id(s.value);
  if (dtype_[s.value] != dt) throw InternalError("cpu backend: store of " + std::string(dtype_name(dtype_[s.value])) + " into a " + std::string(dtype_name(dt)) + " buffer");
  std::int64_t stride = 0;
  Value* p = lane0_pointer(s.buffer, s.index, &stride);
  Value* v = value(s.value);
  if (dt == DType::Bool) v = b_.CreateZExt(v, v->getType()->isVectorTy() ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(b_.getInt8Ty(), w_)) : b_.getInt8Ty());
  llvm::Align align(dtype_size(dt));
  if (w_ == 1 || stride == 0) {
    // Every lane writes the same element: the last lane's value wins, as in a scalar loop.
    if (v->getType()->isVectorTy()) v = b_.CreateExtractElement(v, b_.getInt64(w_ - 1));
    tag_access(b_.CreateAlignedStore(v, p, align), s.buffer, false);
    return;
  }
  v = widen(v, true);
  if (stride == 1) {
    tag_access(b_.CreateAlignedStore(v, p, align), s.buffer, false);
  } else {
    tag_access(b_.CreateMaskedScatter(v, b_.CreateGEP(mem_type(dt), p, lane_offsets(stride)), align),
               s.buffer, false);
  }
}

void KernelEmitter::make_alias_metadata(const std::vector<char>& used,
                                        const std::vector<char>& stored) {
  const std::size_t nb = bufs_.size();
  scope_.assign(nb, nullptr);
  noalias_.assign(nb, nullptr);
  read_only_.assign(nb, 0);
  if (!disjoint_) return;
  for (std::size_t i = 0; i < nb; ++i) read_only_[i] = used[i] && !stored[i];
  llvm::MDBuilder md(m_.getContext());
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain(k_.name);
  std::vector<llvm::MDNode*> scopes(nb, nullptr);
  for (std::size_t i = 0; i < nb; ++i) {
    if (used[i]) scopes[i] = md.createAnonymousAliasScope(domain, "b" + std::to_string(i));
  }
  for (std::size_t i = 0; i < nb; ++i) {
    if (!used[i]) continue;
    std::vector<llvm::Metadata*> others;
    for (std::size_t j = 0; j < nb; ++j) {
      if (j != i && scopes[j] != nullptr) others.push_back(scopes[j]);
    }
    if (!others.empty()) noalias_[i] = llvm::MDNode::get(m_.getContext(), others);
    scope_[i] = llvm::MDNode::get(m_.getContext(), {scopes[i]});
  }
}

void KernelEmitter::tag_access(llvm::Instruction* access, int buffer, bool is_load) {
  const auto b = static_cast<std::size_t>(buffer);
  if (b >= scope_.size()) return;
  if (scope_[b] != nullptr) access->setMetadata(llvm::LLVMContext::MD_alias_scope, scope_[b]);
  if (noalias_[b] != nullptr) access->setMetadata(llvm::LLVMContext::MD_noalias, noalias_[b]);
  // Plain loads only: on a masked gather (a call) the metadata would mean nothing.
  if (is_load && read_only_[b] && llvm::isa<llvm::LoadInst>(access)) {
    access->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(m_.getContext(), {}));
  }
}

void KernelEmitter::emit_loop(const Op& op, int id) {
  const Block& body = op.blocks[0];
  const std::size_t n = op.args.size();
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = widen(value(op.args[c]), vec(body.params[c]));
  llvm::LLVMContext& ctx = m_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx, "inner", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx, "inner_body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "inner_exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, "k");
  i->addIncoming(b_.getInt64(0), pre);
  std::vector<llvm::PHINode*> phis(n);
  for (std::size_t c = 0; c < n; ++c) {
    phis[c] = b_.CreatePHI(init[c]->getType(), 2);
    phis[c]->addIncoming(init[c], pre);
  }
  b_.CreateCondBr(b_.CreateICmpSLT(i, b_.getInt64(op.trip_count)), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  if (op.index_var < 0 || op.index_var >= static_cast<int>(idx_.size())) {
    throw InternalError("cpu backend: Loop %" + std::to_string(id) + " has index variable " + std::to_string(op.index_var));
  }
  Value* saved = idx_[op.index_var];
  idx_[op.index_var] = i;
  for (std::size_t c = 0; c < n; ++c) vals_[body.params[c]] = phis[c];
  emit_block(body);
  std::vector<Value*> next(n);
  for (std::size_t c = 0; c < n; ++c) next[c] = widen(value(body.yields[c]), vec(body.params[c]));
  if (reassociate_ && op.reassociable) {
    for (std::size_t c = 0; c < n; ++c) {
      // The combine: the floating-point op that takes the carry (integer ops reassociate
      // without a flag).
      auto* combine = llvm::dyn_cast<llvm::Instruction>(next[c]);
      if (combine == nullptr || !llvm::isa<llvm::FPMathOperator>(combine)) continue;
      if (combine->getOperand(0) == phis[c] ||
          (combine->getNumOperands() > 1 && combine->getOperand(1) == phis[c])) {
        combine->setHasAllowReassoc(true);
      }
    }
  }
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  i->addIncoming(b_.CreateAdd(i, b_.getInt64(1), "", false, true), latch);
  for (std::size_t c = 0; c < n; ++c) phis[c]->addIncoming(next[c], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  idx_[op.index_var] = saved;
  loop_results_[id].assign(phis.begin(), phis.end());
}

// A uniform condition is a plain loop. A varying one keeps the active-lane mask `act`
// in a phi: each iteration evaluates the condition for all lanes, narrows the mask,
// leaves when no lane is active (an `or` reduction), runs the body with the mask as the
// execution mask of nested control flow, and updates only the active lanes' carries.
void KernelEmitter::emit_while(const Op& op, int id) {
  const Block& cond = op.blocks[0];
  const Block& body = op.blocks[1];
  const std::size_t n = op.args.size();
  const bool masked = vec(cond.yields[0]);
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = widen(value(op.args[c]), vec(body.params[c]));
  llvm::LLVMContext& ctx = m_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx, "while", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx, "while_body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "while_exit", fn_);
  Value* mask_in = masked ? (mask_ ? mask_ : all_lanes()) : nullptr;
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
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
  if (masked) {
    act2 = b_.CreateAnd(act, widen(c, true));
    b_.CreateCondBr(b_.CreateOrReduce(act2), body_bb, exit);
  } else {
    if (c->getType()->isVectorTy()) throw InternalError("cpu backend: uniform While condition is a vector");
    b_.CreateCondBr(c, body_bb, exit);
  }
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

// A uniform predicate is a real branch. A varying one evaluates both blocks, each under
// the execution mask of the lanes that take it (so loops inside stop for the others),
// and blends the results.
void KernelEmitter::emit_if(const Op& op, int id) {
  const Block& then_b = op.blocks[0];
  const Block& else_b = op.blocks[1];
  const std::size_t n = then_b.yields.size();
  std::vector<bool> to_vec(n);
  for (std::size_t k = 0; k < n; ++k) to_vec[k] = w_ > 1 && result_varying(op, static_cast<int>(k));
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

void KernelEmitter::emit_op(const Op& op, int id) {
  llvm::LLVMContext& ctx = m_.getContext();
  switch (op.kind) {
    case OpKind::Const: {
      llvm::Type* t = register_type(ctx, op.dtype, 1);
      if (is_float(op.dtype)) {
        vals_[id] = llvm::ConstantFP::get(t, op.value);
      } else if (op.dtype == DType::Bool) {
        vals_[id] = b_.getInt1(op.value != 0);
      } else {
        vals_[id] = llvm::ConstantInt::get(t, static_cast<std::uint64_t>(static_cast<std::int64_t>(op.value)), true);
      }
      return;
    }
    case OpKind::IndexVar: {
      if (op.index_var < 0 || op.index_var >= static_cast<int>(idx_.size()) || idx_[op.index_var] == nullptr) {
        throw InternalError("cpu backend: IndexVar %" + std::to_string(id) + " of unbound variable " + std::to_string(op.index_var));
      }
      Value* v = idx_[op.index_var];
      if (vec(id)) v = b_.CreateAdd(b_.CreateVectorSplat(w_, v), lane_offsets(1));
      vals_[id] = emit_convert(b_, v, DType::I64, op.dtype);
      return;
    }
    case OpKind::Load: vals_[id] = emit_load(op, id); return;
    case OpKind::Scalar: {
      bool any_vec = false;
      for (int a : op.args) any_vec = any_vec || vec(a);
      std::vector<Value*> args;
      std::vector<DType> dts;
      for (int a : op.args) {
        args.push_back(widen(value(a), any_vec));
        dts.push_back(dtype_[a]);
      }
      vals_[id] = emit_scalar_op(b_, op.sop, op.dtype, args, dts, precision_);
      return;
    }
    case OpKind::Loop: emit_loop(op, id); return;
    case OpKind::While: emit_while(op, id); return;
    case OpKind::If: emit_if(op, id); return;
    case OpKind::LoopResult: vals_[id] = loop_results_[op.args[0]].at(op.result_index); return;
  }
}

void KernelEmitter::emit_block(const Block& block) {
  for (std::size_t i = 0; i < block.ops.size(); ++i) emit_op(block.ops[i], block.ids[i]);
}

void KernelEmitter::emit_body() {
  std::fill(vals_.begin(), vals_.end(), nullptr);
  for (auto& r : loop_results_) r.clear();
  emit_block(k_.body);
  for (const loop::Store& s : k_.stores) emit_store(s);
}

void KernelEmitter::emit_nest(const std::vector<int>& dims, std::size_t pos) {
  auto range = [&](int d) -> std::pair<Value*, Value*> {
    if (d == 0) return {fn_->getArg(1), fn_->getArg(2)};
    return {b_.getInt64(0), b_.getInt64(k_.extents[d])};
  };
  if (pos < dims.size()) {
    auto [lo, hi] = range(dims[pos]);
    counted_loop(lo, hi, 1, [&](Value* i) {
      idx_[dims[pos]] = i;
      emit_nest(dims, pos + 1);
    });
    return;
  }
  auto [lo, hi] = range(va_);
  Value* rest = lo;
  std::vector<int> steps;
  if (width_ > 1) steps.push_back(width_);
  if (tail_width_ > 1 && tail_width_ < width_) steps.push_back(tail_width_);
  for (int w : steps) {
    Value* limit = b_.CreateSub(hi, b_.getInt64(w - 1));
    rest = counted_loop(rest, limit, w, [&](Value* i) {
      idx_[va_] = i;
      w_ = w;
      emit_body();
    });
  }
  counted_loop(rest, hi, 1, [&](Value* i) {
    idx_[va_] = i;
    w_ = 1;
    emit_body();
  });
}

llvm::Function* KernelEmitter::emit(const std::string& name) {
  const int rank = static_cast<int>(k_.extents.size());
  if (rank < 1) throw InternalError("cpu backend: kernel " + k_.name + " has rank 0");
  va_ = k_.vector_axis < 0 ? rank - 1 : k_.vector_axis;
  if (va_ >= rank) throw InternalError("cpu backend: kernel " + k_.name + " has vector axis " + std::to_string(va_) + " >= rank");
  if (width_ < 1) throw InternalError("cpu backend: vector width " + std::to_string(width_));

  // Analysis.
  int n = k_.num_ops;
  def_.assign(n, nullptr);
  dtype_.assign(n, DType::F64);
  varying_.assign(n, 0);
  defined_.assign(n, 0);
  index_block(k_.body);
  while (propagate(k_.body)) {
  }

  // Function and buffer pointers.
  llvm::LLVMContext& ctx = m_.getContext();
  auto* ptr = llvm::PointerType::getUnqual(ctx);
  auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt64Ty(), b_.getInt64Ty()}, false);
  fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m_);
  fn_->setDoesNotThrow();
  fn_->addFnAttr("stackrealign");  // 64-byte spill slots (see the file comment)
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn_));
  buffer_ptrs_.assign(bufs_.size(), nullptr);
  std::vector<char> used(bufs_.size(), 0);
  auto use = [&](int buf) {
    if (buf < 0 || buf >= static_cast<int>(bufs_.size())) throw InternalError("cpu backend: kernel " + k_.name + " uses unknown buffer " + std::to_string(buf));
    used[buf] = 1;
  };
  for (int id = 0; id < n; ++id) {
    if (def_[id] != nullptr && def_[id]->kind == OpKind::Load) use(def_[id]->buffer);
  }
  std::vector<char> stored(bufs_.size(), 0);
  for (const loop::Store& s : k_.stores) {
    use(s.buffer);
    stored[s.buffer] = 1;
  }
  make_alias_metadata(used, stored);
  for (std::size_t i = 0; i < bufs_.size(); ++i) {
    if (!used[i]) continue;
    Value* slot = b_.CreateConstInBoundsGEP1_64(ptr, fn_->getArg(0), i);
    buffer_ptrs_[i] = b_.CreateAlignedLoad(ptr, slot, llvm::Align(8));
  }

  int num_vars = std::max(k_.num_index_vars, rank);
  for (const Op* op : def_) {
    if (op != nullptr && (op->kind == OpKind::Loop || op->kind == OpKind::IndexVar)) num_vars = std::max(num_vars, op->index_var + 1);
  }
  idx_.assign(num_vars, nullptr);
  vals_.assign(n, nullptr);
  loop_results_.assign(n, {});
  std::vector<int> outer_dims;
  for (int d = 0; d < rank; ++d) {
    if (d != va_) outer_dims.push_back(d);
  }
  emit_nest(outer_dims, 0);
  b_.CreateRetVoid();
  return fn_;
}

}  // namespace

llvm::Function* emit_kernel(llvm::Module& module, const loop::Kernel& kernel,
                            const std::vector<loop::Buffer>& buffers, int width,
                            Precision precision, const std::string& name,
                            bool disjoint_buffers, int tail_width,
                            bool reassociate_reductions) {
  return KernelEmitter(module, kernel, buffers, width, tail_width, precision, disjoint_buffers,
                       reassociate_reductions)
      .emit(name);
}

}  // namespace lanes::internal::cpu
