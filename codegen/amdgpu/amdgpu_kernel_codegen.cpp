// Kernel -> AMDGPU kernel: the GPU's SPMD model does what the CPU backend does by hand.
//
// Each work-item runs one point of the kernel's parallel index space: its global id is
// decomposed into the coordinates of all parallel dimensions (the flattened extents, so
// the vector axis and the outer ones are all spread over work-items), and the body is
// emitted once per point by the walk that the CPU backend shares
// (codegen/llvm/loop_emitter.h) with every value uniform: scalar registers, plain counted
// loops, plain While loops and real branches for If. Lanes of a wavefront that diverge in
// a While or an If are masked by the hardware (EXEC), which is exactly the per-point
// semantics of the loop IR. Scalar operations are codegen/llvm/scalar_codegen.h's, with
// the transcendentals calling ROCm's ocml (`__ocml_sin_f64`, ...), linked in later by
// device_libs.cpp.
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

#include "codegen/amdgpu/amdgpu_codegen.h"
#include "codegen/llvm/loop_emitter.h"
#include "runtime/check.h"

namespace lanes::internal::amdgpu {

namespace {

using llvm::Value;
using loop::Block;
using loop::Op;
using loop::OpKind;

// The MathCallHook of codegen/llvm/scalar_codegen.h: __ocml_<fn>_f32 / _f64 (declared
// here, defined when device_libs.cpp links ocml.bc); ocml has one precision. The name is
// the ScalarOp table's math-library name (the same functions as the CPU's SLEEF; float Rem
// is fmod).
Value* ocml_call(llvm::IRBuilderBase& b, ScalarOp op, DType dt, std::span<Value* const> args,
                 Precision /*precision*/) {
  const char* base = scalar_op_math_name(op);
  if (base == nullptr) {
    LANES_FAIL("amdgpu backend: no ocml function for " + std::string(scalar_op_name(op)));
  }
  const std::string name = std::string("__ocml_") + base + (dt == DType::F32 ? "_f32" : "_f64");
  llvm::Type* t = args[0]->getType();
  llvm::Module* m = b.GetInsertBlock()->getModule();
  std::vector<llvm::Type*> params(args.size(), t);
  llvm::FunctionCallee callee =
      m->getOrInsertFunction(name, llvm::FunctionType::get(t, params, false));
  return b.CreateCall(callee, llvm::ArrayRef<Value*>(args.data(), args.size()));
}

class KernelEmitter : public llvmgen::LoopEmitter {
 public:
  KernelEmitter(llvm::Module& m, const loop::Kernel& k, const std::vector<loop::Buffer>& bufs,
                Precision precision)
      : LoopEmitter(m, k, bufs, precision, ocml_call, "amdgpu backend") {}

  llvm::Function* emit(const std::string& name, std::vector<int>* arg_buffers);

 private:
  // --- the walker's hooks ---
  Value* emit_load(const Op& op, int id) override;
  void emit_store(const loop::Store& s) override;
  Value* emit_scalar(const Op& op, std::span<Value* const> args,
                     std::span<const DType> dtypes) override;

  Value* element_ptr(int buffer, const loop::AffineIndex& index) {
    return b_.CreateInBoundsGEP(mem_type(bufs_[buffer].dtype), buffer_ptrs_[buffer],
                                element_offset(index));
  }
  void emit_fold_kernel(Value* local);
  std::vector<Value*> emit_combine(const Op& loop, const std::vector<Value*>& mine,
                                   const std::vector<Value*>& partner);
  void emit_barrier();

  // While emit_combine runs: buffer -> the partner's state component its loads read.
  std::vector<Value*> load_override_;
};

Value* KernelEmitter::emit_load(const Op& op, int /*id*/) {
  if (!load_override_.empty() && load_override_[op.buffer] != nullptr) {
    return load_override_[op.buffer];  // loop::verify: read at the fold's index variable
  }
  const DType dt = bufs_[op.buffer].dtype;
  Value* v = b_.CreateAlignedLoad(mem_type(dt), element_ptr(op.buffer, op.index),
                                  llvm::Align(dtype_size(dt)));
  if (dt == DType::Bool) v = b_.CreateICmpNE(v, b_.getInt8(0));
  return v;
}

void KernelEmitter::emit_store(const loop::Store& s) {
  const DType dt = bufs_[s.buffer].dtype;
  Value* v = value(s.value);
  if (dt == DType::Bool) v = b_.CreateZExt(v, b_.getInt8Ty());
  b_.CreateAlignedStore(v, element_ptr(s.buffer, s.index), llvm::Align(dtype_size(dt)));
}

// LLVM lowers frem on AMDGPU as x - trunc(x / y) * y, which is not exact for large
// quotients; the CPU's frem is C's fmod, so float Rem calls ocml's exact fmod.
Value* KernelEmitter::emit_scalar(const Op& op, std::span<Value* const> args,
                                  std::span<const DType> dtypes) {
  if (op.sop == ScalarOp::Rem && !dtypes.empty() && is_float(dtypes[0])) {
    return ocml_call(b_, op.sop, dtypes[0], args, precision_);
  }
  return LoopEmitter::emit_scalar(op, args, dtypes);
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
  for (std::size_t c = 0; c < mine.size(); ++c) {
    vals_[body.params[c]] = mine[c];
    load_override_[k_.fold.buffers[c]] = partner[c];
  }
  emit_block(body);
  std::vector<Value*> out;
  for (int y : body.yields) out.push_back(value(y));
  load_override_.clear();
  idx_[loop.index_var] = saved;
  return out;
}

// The one-workgroup fold of a PartialsFold kernel (the order is in the file comment).
void KernelEmitter::emit_fold_kernel(Value* local) {
  llvm::LLVMContext& ctx = m_.getContext();
  // loop::verify: the fold and the rest are top-level Loops with one carry per partial
  // buffer, the rest after the fold.
  const std::vector<Op>& ops = k_.body.ops;
  std::size_t pos = 0;
  while (k_.body.ids[pos] != k_.fold.loop) ++pos;
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
    while (k_.body.ids[r] != k_.fold.rest_loop) ++r;
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

llvm::Function* KernelEmitter::emit(const std::string& name, std::vector<int>* arg_buffers) {
  index_kernel();
  const int rank = static_cast<int>(k_.extents.size());
  // The buffers the kernel touches become its arguments, in buffer order.
  arg_buffers->clear();
  for (std::size_t i = 0; i < bufs_.size(); ++i) {
    if (used_[i]) arg_buffers->push_back(static_cast<int>(i));
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
  for (std::size_t a = 0; a < arg_buffers->size(); ++a) {
    fn_->addParamAttr(static_cast<unsigned>(a), llvm::Attribute::NoUndef);
    buffer_ptrs_[(*arg_buffers)[a]] = fn_->getArg(static_cast<unsigned>(a));
  }

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
  emit_point();
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
