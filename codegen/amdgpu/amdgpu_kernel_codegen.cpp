// Kernel -> AMDGPU kernel: the GPU's SPMD model does what the CPU backend does by hand.
//
// Each work-item runs one point of the kernel's parallel index space: its global id is
// decomposed into the coordinates of all parallel dimensions (the flattened extents, so
// the vector axis and the outer ones are all spread over work-items), and the body is
// emitted once per point as the CPU backend's W = 1 epilogue: scalar registers, plain
// counted loops, plain While loops and real branches for If. Lanes of a wavefront that
// diverge in a While or an If are masked by the hardware (EXEC), which is exactly the
// per-point semantics of the loop IR. Scalar operations reuse the CPU backend's
// target-independent emission (codegen/cpu/scalar_codegen.h) with the transcendentals
// redirected to ROCm's ocml (`__ocml_sin_f64`, ...), linked in later by device_libs.cpp.
//
// Memory: buffers arrive as global (addrspace 1) pointers, bool stored as one byte.
//
// The fold of a split full reduction (loop::PartialsFold, engine/lower/split_reduction.h)
// is a one-point kernel whose Loop folds P partial states serially. Here it runs on one
// workgroup instead, in this fixed order (the same bits on every run and every chip):
//   1. work-item t (of kWorkgroupSize) folds the identity with partials t, t + 256,
//      t + 512, ... in that order (the Loop's own body, index variable k = t + 256 j),
//      then the rest elements (PartialsFold::rest_loop, R of them along its outermost
//      index variable) t, t + 256, ... likewise;
//   2. tree in LDS over the A = min(256, max(P, R)) work-item states: for s = 128, 64,
//      ..., 1, state[t] = combine(state[t], state[t + s]) for t < s with t + s < A (a
//      barrier between stages), combine being the fold Loop's body with state[t] as its
//      carries and state[t + s] in place of the partial it loads;
//   3. work-item 0 runs the rest of the kernel (the store).
// Sums then differ from the CPU's sequential fold of the same partials by rounding only;
// max/min and argmax/argmin (ties and NaNs by index) give the CPU's result exactly.
#include "codegen/amdgpu/amdgpu_kernel_codegen.h"

#include <lanes/error.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicsAMDGPU.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <functional>

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/cpu/scalar_codegen.h"

namespace lanes::internal::amdgpu {

namespace {

using llvm::Value;
using loop::Block;
using loop::Op;
using loop::OpKind;

// The MathCallHook of scalar_codegen: __ocml_<fn>_f32 / _f64 (declared here, defined
// when device_libs.cpp links ocml.bc).
Value* ocml_call(llvm::IRBuilderBase& b, ScalarOp op, DType dt, std::span<Value* const> args) {
  // The ScalarOp table's math-library name (the same functions as the CPU's SLEEF; float
  // Rem is fmod).
  const char* base = scalar_op_math_name(op);
  if (base == nullptr) {
    throw InternalError("amdgpu backend: no ocml function for " + std::string(scalar_op_name(op)));
  }
  const std::string name = std::string("__ocml_") + base + (dt == DType::F32 ? "_f32" : "_f64");
  llvm::Type* t = args[0]->getType();
  llvm::Module* m = b.GetInsertBlock()->getModule();
  std::vector<llvm::Type*> params(args.size(), t);
  llvm::FunctionCallee callee =
      m->getOrInsertFunction(name, llvm::FunctionType::get(t, params, false));
  return b.CreateCall(callee, llvm::ArrayRef<Value*>(args.data(), args.size()));
}

class KernelEmitter {
 public:
  KernelEmitter(llvm::Module& m, const loop::Kernel& k, const std::vector<loop::Buffer>& bufs,
                Precision precision)
      : m_(m), k_(k), bufs_(bufs), precision_(precision), b_(m.getContext()) {}

  llvm::Function* emit(const std::string& name, std::vector<int>* arg_buffers);

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InternalError("amdgpu backend: kernel " + k_.name + ": " + what);
  }
  int check_id(int id) const {
    if (id < 0 || id >= static_cast<int>(dtype_.size()))
      fail("op id " + std::to_string(id) + " out of range");
    return id;
  }
  void index_block(const Block& block);
  Value* value(int id) const {
    if (vals_[check_id(id)] == nullptr)
      fail("op %" + std::to_string(id) + " used before it is defined");
    return vals_[id];
  }
  llvm::Type* mem_type(DType t) {
    return t == DType::Bool ? b_.getInt8Ty() : cpu::register_type(m_.getContext(), t, 1);
  }
  Value* element_ptr(int buffer, const loop::AffineIndex& index);
  void emit_block(const Block& block);
  void emit_op(const Op& op, int id);
  void emit_loop(const Op& op, int id, Value* start = nullptr, std::int64_t step = 1);
  void emit_fold_kernel(Value* local);
  std::vector<Value*> emit_combine(const Op& loop, const std::vector<Value*>& mine,
                                   const std::vector<Value*>& partner);
  void emit_barrier();
  void emit_while(const Op& op, int id);
  void emit_if(const Op& op, int id);
  void emit_store(const loop::Store& s);

  llvm::Module& m_;
  const loop::Kernel& k_;
  const std::vector<loop::Buffer>& bufs_;
  const Precision precision_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_ = nullptr;

  std::vector<DType> dtype_;
  std::vector<char> defined_;
  std::vector<Value*> buffer_ptrs_;
  std::vector<Value*> idx_;  // i64 per index variable
  std::vector<Value*> vals_;
  std::vector<std::vector<Value*>> loop_results_;
  // While emit_combine runs: buffer -> the partner's state component its loads read.
  std::vector<Value*> load_override_;
  int override_var_ = -1;
};

void KernelEmitter::index_block(const Block& block) {
  if (block.ids.size() != block.ops.size() || block.params.size() != block.param_dtypes.size()) {
    fail("malformed block");
  }
  auto define = [&](int id, DType t) {
    if (defined_[check_id(id)]) fail("op id defined twice: " + std::to_string(id));
    defined_[id] = 1;
    dtype_[id] = t;
  };
  for (std::size_t i = 0; i < block.params.size(); ++i)
    define(block.params[i], block.param_dtypes[i]);
  for (std::size_t i = 0; i < block.ops.size(); ++i) {
    const Op& op = block.ops[i];
    const bool cmp = op.kind == OpKind::Scalar && scalar_op_is_comparison(op.sop);
    define(block.ids[i], cmp ? DType::Bool : op.dtype);
    for (int a : op.args) check_id(a);
    const std::size_t n = op.args.size();
    const bool ok =
        (op.kind == OpKind::Loop && op.blocks.size() == 1 && op.blocks[0].params.size() == n &&
         op.blocks[0].yields.size() == n) ||
        (op.kind == OpKind::While && op.blocks.size() == 2 && op.blocks[0].params.size() == n &&
         op.blocks[0].yields.size() == 1 && op.blocks[1].params.size() == n &&
         op.blocks[1].yields.size() == n) ||
        (op.kind == OpKind::If && op.blocks.size() == 2 && n == 1 && op.blocks[0].params.empty() &&
         op.blocks[1].params.empty() && op.blocks[0].yields.size() == op.blocks[1].yields.size()) ||
        (op.kind != OpKind::Loop && op.kind != OpKind::While && op.kind != OpKind::If);
    if (!ok) fail("malformed control-flow op %" + std::to_string(block.ids[i]));
    for (const Block& inner : op.blocks) index_block(inner);
  }
}

Value* KernelEmitter::element_ptr(int buffer, const loop::AffineIndex& index) {
  if (buffer < 0 || buffer >= static_cast<int>(bufs_.size()) || buffer_ptrs_[buffer] == nullptr) {
    fail("unknown buffer " + std::to_string(buffer));
  }
  Value* off = b_.getInt64(index.offset);
  for (const auto& [var, stride] : index.terms) {
    if (var < 0 || var >= static_cast<int>(idx_.size()) || idx_[var] == nullptr) {
      fail("indexes with unbound index variable " + std::to_string(var));
    }
    off = b_.CreateAdd(off, b_.CreateMul(idx_[var], b_.getInt64(stride)));
  }
  return b_.CreateInBoundsGEP(mem_type(bufs_[buffer].dtype), buffer_ptrs_[buffer], off);
}

void KernelEmitter::emit_store(const loop::Store& s) {
  const DType dt = bufs_.at(s.buffer).dtype;
  if (dtype_[check_id(s.value)] != dt) {
    fail("store of " + std::string(dtype_name(dtype_[s.value])) + " into a " +
         std::string(dtype_name(dt)) + " buffer");
  }
  Value* v = value(s.value);
  if (dt == DType::Bool) v = b_.CreateZExt(v, b_.getInt8Ty());
  b_.CreateAlignedStore(v, element_ptr(s.buffer, s.index), llvm::Align(dtype_size(dt)));
}

// k = start, start + step, ... while k < trip_count (start 0, step 1: the counted Loop).
void KernelEmitter::emit_loop(const Op& op, int id, Value* start, std::int64_t step) {
  const Block& body = op.blocks[0];
  const std::size_t n = op.args.size();
  if (op.index_var < 0 || op.index_var >= static_cast<int>(idx_.size())) {
    fail("Loop %" + std::to_string(id) + " has index variable " + std::to_string(op.index_var));
  }
  llvm::LLVMContext& ctx = m_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx, "inner", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx, "inner_body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "inner_exit", fn_);
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = value(op.args[c]);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
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
  for (std::size_t c = 0; c < n; ++c) next[c] = value(body.yields[c]);
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  i->addIncoming(b_.CreateAdd(i, b_.getInt64(step), "", false, true), latch);
  for (std::size_t c = 0; c < n; ++c) phis[c]->addIncoming(next[c], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  idx_[op.index_var] = saved;
  loop_results_[id].assign(phis.begin(), phis.end());
}

// A plain loop per work-item: work-items of a wavefront that leave early are masked off
// by the hardware until the last one is done.
void KernelEmitter::emit_while(const Op& op, int id) {
  const Block& cond = op.blocks[0];
  const Block& body = op.blocks[1];
  const std::size_t n = op.args.size();
  llvm::LLVMContext& ctx = m_.getContext();
  std::vector<Value*> init(n);
  for (std::size_t c = 0; c < n; ++c) init[c] = value(op.args[c]);
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx, "while", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx, "while_body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "while_exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  std::vector<llvm::PHINode*> phis(n);
  for (std::size_t c = 0; c < n; ++c) {
    phis[c] = b_.CreatePHI(init[c]->getType(), 2);
    phis[c]->addIncoming(init[c], pre);
    vals_[cond.params[c]] = phis[c];
    vals_[body.params[c]] = phis[c];
  }
  emit_block(cond);
  b_.CreateCondBr(value(cond.yields[0]), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  emit_block(body);
  std::vector<Value*> next(n);
  for (std::size_t c = 0; c < n; ++c) next[c] = value(body.yields[c]);
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  for (std::size_t c = 0; c < n; ++c) phis[c]->addIncoming(next[c], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  loop_results_[id].assign(phis.begin(), phis.end());
}

// A real branch; divergent work-items run both arms under the hardware's EXEC mask, so a
// loop inside an arm never runs for a work-item that did not take it.
void KernelEmitter::emit_if(const Op& op, int id) {
  llvm::LLVMContext& ctx = m_.getContext();
  auto* then_bb = llvm::BasicBlock::Create(ctx, "then", fn_);
  auto* else_bb = llvm::BasicBlock::Create(ctx, "else", fn_);
  auto* merge = llvm::BasicBlock::Create(ctx, "endif", fn_);
  b_.CreateCondBr(value(op.args[0]), then_bb, else_bb);
  const std::size_t n = op.blocks[0].yields.size();
  auto arm = [&](llvm::BasicBlock* bb, const Block& blk, std::vector<Value*>& ys) {
    b_.SetInsertPoint(bb);
    emit_block(blk);
    for (std::size_t k = 0; k < n; ++k) ys.push_back(value(blk.yields[k]));
    llvm::BasicBlock* end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    return end;
  };
  std::vector<Value*> ty, ey;
  llvm::BasicBlock* tend = arm(then_bb, op.blocks[0], ty);
  llvm::BasicBlock* eend = arm(else_bb, op.blocks[1], ey);
  b_.SetInsertPoint(merge);
  std::vector<Value*> results(n);
  for (std::size_t k = 0; k < n; ++k) {
    llvm::PHINode* phi = b_.CreatePHI(ty[k]->getType(), 2);
    phi->addIncoming(ty[k], tend);
    phi->addIncoming(ey[k], eend);
    results[k] = phi;
  }
  loop_results_[id] = std::move(results);
}

void KernelEmitter::emit_op(const Op& op, int id) {
  llvm::LLVMContext& ctx = m_.getContext();
  switch (op.kind) {
    case OpKind::Const: {
      llvm::Type* t = cpu::register_type(ctx, op.dtype, 1);
      if (is_float(op.dtype)) {
        vals_[id] = llvm::ConstantFP::get(t, op.value);
      } else if (op.dtype == DType::Bool) {
        vals_[id] = b_.getInt1(op.value != 0);
      } else {
        vals_[id] = llvm::ConstantInt::get(
            t, static_cast<std::uint64_t>(static_cast<std::int64_t>(op.value)), true);
      }
      return;
    }
    case OpKind::IndexVar:
      if (op.index_var < 0 || op.index_var >= static_cast<int>(idx_.size()) ||
          idx_[op.index_var] == nullptr) {
        fail("IndexVar %" + std::to_string(id) + " of unbound variable " +
             std::to_string(op.index_var));
      }
      vals_[id] = cpu::emit_convert(b_, idx_[op.index_var], DType::I64, op.dtype);
      return;
    case OpKind::Load: {
      if (!load_override_.empty() && op.buffer >= 0 &&
          op.buffer < static_cast<int>(load_override_.size()) && load_override_[op.buffer]) {
        if (op.index.offset != 0 || op.index.terms.size() != 1 ||
            op.index.terms[0] != std::pair<int, std::int64_t>{override_var_, 1})
          fail("partials fold loads buffer " + std::to_string(op.buffer) + " off its index");
        vals_[id] = load_override_[op.buffer];
        return;
      }
      const DType dt = bufs_.at(op.buffer).dtype;
      if (dt != op.dtype)
        fail("load of " + std::string(dtype_name(op.dtype)) + " from a " +
             std::string(dtype_name(dt)) + " buffer");
      Value* v = b_.CreateAlignedLoad(mem_type(dt), element_ptr(op.buffer, op.index),
                                      llvm::Align(dtype_size(dt)));
      if (dt == DType::Bool) v = b_.CreateICmpNE(v, b_.getInt8(0));
      vals_[id] = v;
      return;
    }
    case OpKind::Scalar: {
      std::vector<Value*> args;
      std::vector<DType> dts;
      for (int a : op.args) {
        args.push_back(value(a));
        dts.push_back(dtype_[a]);
      }
      // LLVM lowers frem on AMDGPU as x - trunc(x / y) * y, which is not exact for large
      // quotients; the CPU's frem is C's fmod, so float Rem calls ocml's exact fmod.
      if (op.sop == ScalarOp::Rem && !dts.empty() && is_float(dts[0])) {
        vals_[id] = ocml_call(b_, op.sop, dts[0], args);
        return;
      }
      vals_[id] = cpu::emit_scalar_op(b_, op.sop, op.dtype, args, dts, precision_, ocml_call);
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
    case OpKind::LoopResult: {
      const auto& results = loop_results_[check_id(op.args.at(0))];
      if (op.result_index < 0 || op.result_index >= static_cast<int>(results.size())) {
        fail("LoopResult %" + std::to_string(id) + " of a non-loop");
      }
      vals_[id] = results[op.result_index];
      return;
    }
  }
}

// A workgroup barrier with the fences that make LDS stores before it visible after it
// (what HIP's __syncthreads() is).
void KernelEmitter::emit_barrier() {
  const auto scope = m_.getContext().getOrInsertSyncScopeID("workgroup");
  b_.CreateFence(llvm::AtomicOrdering::Release, scope);
  b_.CreateIntrinsic(llvm::Intrinsic::amdgcn_s_barrier, {}, {});
  b_.CreateFence(llvm::AtomicOrdering::Acquire, scope);
}

// combine(mine, partner): the fold Loop's body with `mine` as its carries and the
// partner's state in place of the partials it loads at its index variable (which is
// unbound meanwhile, so any other use of it fails loudly).
std::vector<Value*> KernelEmitter::emit_combine(const Op& loop, const std::vector<Value*>& mine,
                                                const std::vector<Value*>& partner) {
  const Block& body = loop.blocks[0];
  Value* saved = idx_[loop.index_var];
  idx_[loop.index_var] = nullptr;
  load_override_.assign(bufs_.size(), nullptr);
  override_var_ = loop.index_var;
  for (std::size_t c = 0; c < mine.size(); ++c) {
    vals_[body.params[c]] = mine[c];
    load_override_[k_.fold.buffers[c]] = partner[c];
  }
  emit_block(body);
  std::vector<Value*> out;
  for (int y : body.yields) out.push_back(value(y));
  load_override_.clear();
  override_var_ = -1;
  idx_[loop.index_var] = saved;
  return out;
}

// The one-workgroup fold of a PartialsFold kernel (the order is in the file comment).
void KernelEmitter::emit_fold_kernel(Value* local) {
  llvm::LLVMContext& ctx = m_.getContext();
  const std::vector<Op>& ops = k_.body.ops;
  std::size_t pos = 0;
  while (pos < ops.size() && k_.body.ids[pos] != k_.fold.loop) ++pos;
  if (pos == ops.size() || ops[pos].kind != OpKind::Loop ||
      ops[pos].args.size() != k_.fold.buffers.size()) {
    fail("partials fold %" + std::to_string(k_.fold.loop) + " is not a top-level Loop of its " +
         std::to_string(k_.fold.buffers.size()) + " partial buffers");
  }
  for (int buf : k_.fold.buffers) {
    if (buf < 0 || buf >= static_cast<int>(bufs_.size()) || buffer_ptrs_[buf] == nullptr)
      fail("partials fold reads unknown buffer " + std::to_string(buf));
  }
  const Op& loop = ops[pos];
  const int loop_id = k_.body.ids[pos];
  // Ops before the fold are pure (no stores until the end): every work-item runs them, so
  // that all of them reach the barriers below.
  for (std::size_t i = 0; i < pos; ++i) emit_op(ops[i], k_.body.ids[i]);
  emit_loop(loop, loop_id, local, kWorkgroupSize);  // 1. strided partials
  // 1b. The rest elements, strided likewise, into each work-item's state.
  std::size_t last = pos;  // the Loop whose results the tree combines
  std::int64_t count = loop.trip_count;
  if (k_.fold.rest_loop >= 0) {
    std::size_t r = pos + 1;
    while (r < ops.size() && k_.body.ids[r] != k_.fold.rest_loop) ++r;
    if (r == ops.size() || ops[r].kind != OpKind::Loop || ops[r].args.size() != loop.args.size())
      fail("rest Loop %" + std::to_string(k_.fold.rest_loop) +
           " is not a top-level Loop after the fold");
    for (std::size_t i = pos + 1; i < r; ++i) emit_op(ops[i], k_.body.ids[i]);
    emit_loop(ops[r], k_.body.ids[r], local, kWorkgroupSize);
    last = r;
    count = std::max(count, ops[r].trip_count);
  }
  const int last_id = k_.body.ids[last];
  const std::vector<Value*> mine = loop_results_[last_id];

  // One LDS array per state component (bool as a byte, as in memory).
  std::vector<llvm::GlobalVariable*> lds;
  std::vector<llvm::Type*> elem;
  for (std::size_t c = 0; c < mine.size(); ++c) {
    const DType dt = dtype_[loop.blocks[0].params[c]];
    elem.push_back(mem_type(dt));
    auto* arr = llvm::ArrayType::get(elem[c], kWorkgroupSize);
    auto* gv = new llvm::GlobalVariable(
        m_, arr, false, llvm::GlobalValue::InternalLinkage, llvm::PoisonValue::get(arr),
        fn_->getName() + ".lds" + std::to_string(c), nullptr, llvm::GlobalValue::NotThreadLocal, 3);
    gv->setAlignment(llvm::Align(dtype_size(dt)));
    lds.push_back(gv);
  }
  auto slot = [&](std::size_t c, Value* t) {
    return b_.CreateInBoundsGEP(lds[c]->getValueType(), lds[c], {b_.getInt64(0), t});
  };
  auto store_state = [&](const std::vector<Value*>& st, Value* t) {
    for (std::size_t c = 0; c < st.size(); ++c) {
      Value* v = st[c]->getType()->isIntegerTy(1) ? b_.CreateZExt(st[c], b_.getInt8Ty()) : st[c];
      b_.CreateStore(v, slot(c, t));
    }
  };
  auto load_state = [&](Value* t) {
    std::vector<Value*> st;
    for (std::size_t c = 0; c < lds.size(); ++c) {
      Value* v = b_.CreateLoad(elem[c], slot(c, t));
      if (dtype_[loop.blocks[0].params[c]] == DType::Bool) v = b_.CreateICmpNE(v, b_.getInt8(0));
      st.push_back(v);
    }
    return st;
  };
  store_state(mine, local);
  emit_barrier();
  // 2. The tree over the A work-items that hold partials or rest elements.
  const std::int64_t active = std::min<std::int64_t>(kWorkgroupSize, count);
  for (std::int64_t s = kWorkgroupSize / 2; s >= 1; s /= 2) {
    if (s >= active) continue;  // no t < s has a partner below A
    auto* comb = llvm::BasicBlock::Create(ctx, "tree", fn_);
    auto* join = llvm::BasicBlock::Create(ctx, "tree_join", fn_);
    b_.CreateCondBr(b_.CreateICmpULT(local, b_.getInt64(std::min(s, active - s))), comb, join);
    b_.SetInsertPoint(comb);
    Value* partner_t = b_.CreateAdd(local, b_.getInt64(s));
    std::vector<Value*> a = load_state(local), p = load_state(partner_t);
    store_state(emit_combine(loop, a, p), local);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    emit_barrier();
  }
  // 3. Work-item 0 finishes the kernel with the whole state.
  auto* first = llvm::BasicBlock::Create(ctx, "fold_done", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "done", fn_);
  b_.CreateCondBr(b_.CreateICmpEQ(local, b_.getInt64(0)), first, exit);
  b_.SetInsertPoint(first);
  loop_results_[last_id] = load_state(b_.getInt64(0));
  for (std::size_t i = last + 1; i < ops.size(); ++i) emit_op(ops[i], k_.body.ids[i]);
  for (const loop::Store& st : k_.stores) emit_store(st);
  b_.CreateBr(exit);
  b_.SetInsertPoint(exit);
  b_.CreateRetVoid();
}

void KernelEmitter::emit_block(const Block& block) {
  for (std::size_t i = 0; i < block.ops.size(); ++i) emit_op(block.ops[i], block.ids[i]);
}

llvm::Function* KernelEmitter::emit(const std::string& name, std::vector<int>* arg_buffers) {
  const int rank = static_cast<int>(k_.extents.size());
  if (rank < 1) fail("rank 0");
  const int n = k_.num_ops;
  dtype_.assign(n, DType::F64);
  defined_.assign(n, 0);
  vals_.assign(n, nullptr);
  loop_results_.assign(n, {});
  index_block(k_.body);

  // The buffers the kernel touches become its arguments, in buffer order.
  std::vector<char> used(bufs_.size(), 0);
  std::function<void(const Block&)> mark = [&](const Block& blk) {
    for (const Op& op : blk.ops) {
      if (op.kind == OpKind::Load) {
        if (op.buffer < 0 || op.buffer >= static_cast<int>(bufs_.size()))
          fail("loads unknown buffer " + std::to_string(op.buffer));
        used[op.buffer] = 1;
      }
      for (const Block& inner : op.blocks) mark(inner);
    }
  };
  mark(k_.body);
  for (const loop::Store& s : k_.stores) {
    if (s.buffer < 0 || s.buffer >= static_cast<int>(bufs_.size()))
      fail("stores to unknown buffer " + std::to_string(s.buffer));
    used[s.buffer] = 1;
  }
  arg_buffers->clear();
  for (std::size_t i = 0; i < bufs_.size(); ++i) {
    if (used[i]) arg_buffers->push_back(static_cast<int>(i));
  }

  llvm::LLVMContext& ctx = m_.getContext();
  auto* gptr = llvm::PointerType::get(ctx, 1);
  std::vector<llvm::Type*> params(arg_buffers->size(), gptr);
  auto* fty = llvm::FunctionType::get(b_.getVoidTy(), params, false);
  fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m_);
  fn_->setCallingConv(llvm::CallingConv::AMDGPU_KERNEL);
  fn_->setDoesNotThrow();
  // A partials fold needs the whole workgroup at its barriers.
  const bool fold = k_.fold.loop >= 0;
  fn_->addFnAttr("amdgpu-flat-work-group-size",
                 std::to_string(fold ? kWorkgroupSize : 1) + "," + std::to_string(kWorkgroupSize));
  buffer_ptrs_.assign(bufs_.size(), nullptr);
  for (std::size_t a = 0; a < arg_buffers->size(); ++a) {
    fn_->addParamAttr(static_cast<unsigned>(a), llvm::Attribute::NoUndef);
    buffer_ptrs_[(*arg_buffers)[a]] = fn_->getArg(static_cast<unsigned>(a));
  }

  int num_vars = std::max(k_.num_index_vars, rank);
  std::function<void(const Block&)> vars = [&](const Block& blk) {
    for (const Op& op : blk.ops) {
      if (op.kind == OpKind::Loop || op.kind == OpKind::IndexVar)
        num_vars = std::max(num_vars, op.index_var + 1);
      for (const Block& inner : op.blocks) vars(inner);
    }
  };
  vars(k_.body);
  idx_.assign(num_vars, nullptr);

  std::int64_t points = 1;
  for (std::int64_t e : k_.extents) points *= e;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn_));
  if (points <= 0) {  // nothing to compute (and no division by a zero extent)
    b_.CreateRetVoid();
    return fn_;
  }
  // global id = workgroup id * workgroup size + local id, then the bounds check.
  Value* group = b_.CreateZExt(b_.CreateIntrinsic(llvm::Intrinsic::amdgcn_workgroup_id_x, {}, {}),
                               b_.getInt64Ty());
  Value* local = b_.CreateZExt(b_.CreateIntrinsic(llvm::Intrinsic::amdgcn_workitem_id_x, {}, {}),
                               b_.getInt64Ty());
  if (fold) {
    if (points != 1) fail("a partials fold in a kernel of " + std::to_string(points) + " points");
    for (int d = 0; d < rank; ++d) idx_[d] = b_.getInt64(0);
    emit_fold_kernel(local);
    return fn_;
  }
  Value* gid = b_.CreateAdd(b_.CreateMul(group, b_.getInt64(kWorkgroupSize)), local, "gid");
  auto* body_bb = llvm::BasicBlock::Create(ctx, "point", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx, "done", fn_);
  b_.CreateCondBr(b_.CreateICmpULT(gid, b_.getInt64(points)), body_bb, exit);
  b_.SetInsertPoint(body_bb);
  // Row-major coordinates of the point: the last dimension varies fastest, so that
  // neighbouring work-items touch neighbouring elements of contiguous buffers.
  Value* rest = gid;
  for (int d = rank - 1; d >= 0; --d) {
    if (d == 0) {
      idx_[0] = rest;
    } else {
      idx_[d] = b_.CreateURem(rest, b_.getInt64(k_.extents[d]));
      rest = b_.CreateUDiv(rest, b_.getInt64(k_.extents[d]));
    }
  }
  emit_block(k_.body);
  for (const loop::Store& s : k_.stores) emit_store(s);
  b_.CreateBr(exit);
  b_.SetInsertPoint(exit);
  b_.CreateRetVoid();
  return fn_;
}

}  // namespace

llvm::Function* emit_kernel(llvm::Module& module, const loop::Kernel& kernel,
                            const std::vector<loop::Buffer>& buffers, Precision precision,
                            const std::string& name, std::vector<int>* arg_buffers) {
  return KernelEmitter(module, kernel, buffers, precision).emit(name, arg_buffers);
}

}  // namespace lanes::internal::amdgpu
