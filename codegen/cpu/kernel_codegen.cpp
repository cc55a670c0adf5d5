// Kernel -> LLVM function on the CPU: the loop nest, the uniformity analysis, loads,
// stores and the reassociable Loops; the walk over the body (Loop, While, If, scalar ops)
// is codegen/llvm/loop_emitter.h's, with the host's math calls (scalar_codegen.h).
//
// Loop nest: the parallel dimensions other than the vector axis, outermost first (dim 0
// limited to [outer_begin, outer_end)), then the vector axis innermost: a main loop of
// W lanes per step while a whole vector fits, optionally a loop of tail_width lanes, then
// a W = 1 epilogue compiled from the same body for the remaining points. The epilogue
// needs no masks and calls the scalar SLEEF functions, whose results agree with the
// vector ones within the ULP bound. A loop that no point can reach is not emitted, and
// one that runs at most once is a branch (emit_nest).
//
// Uniformity: a value is varying when it depends on the vector-axis index (directly, by
// a load with a nonzero stride along it, or through a loop carry); otherwise it is
// uniform and stays a scalar register. Varying values are <W x T>.
//
// Lane loops (loop::Op::lanes) run their lanes as SIMD lanes when the points run one at
// a time (reassociate_reductions), else lane by lane (emit_lanes).
//
// Control flow (in the walker): Loop is a counted loop (uniform trip count). While with a
// uniform condition is a plain loop; with a varying one it keeps an active-lane mask and
// exits when the mask is empty. Every While also exits when the cancel flag (a uint32
// whose address follows the buffers' in `buffers`) is nonzero; the executable then throws
// lanes::Cancelled. If with a uniform predicate branches; with a varying one
// both blocks run under lane masks and the results are blended. In the W = 1 epilogue
// everything is uniform: plain loops and branches.
//
// Memory: when the buffers are disjoint (emit_kernel's disjoint_buffers), each buffer is
// an alias scope of its own and read-only buffers are invariant, so a uniform load (a
// broadcast scalar) is hoisted out of the loop instead of being reloaded after every
// store. Functions realign their stack to 64 bytes: the <W x T> values live across a
// vector-math call are spilled, and a 64-byte spill slot that straddles cache lines made
// the same kernel 1.4x slower in about half of all processes (the stack's offset within
// a cache line is random per process).
#include "codegen/cpu/kernel_codegen.h"

#include <lanes/error.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <functional>

#include "codegen/cpu/cpu_jit.h"
#include "codegen/cpu/scalar_codegen.h"
#include "codegen/llvm/loop_emitter.h"

namespace lanes::internal::cpu {

namespace {

// The most buffers a kernel tags with alias scopes (see make_alias_metadata).
constexpr long kMaxScopedBuffers = 64;

using llvm::Value;
using loop::Block;
using loop::Op;
using loop::OpKind;

class KernelEmitter : public llvmgen::LoopEmitter {
 public:
  KernelEmitter(llvm::Module& m, const loop::Kernel& k, const std::vector<loop::Buffer>& bufs,
                int width, int tail_width, Precision precision, bool disjoint_buffers,
                bool reassociate_reductions)
      : LoopEmitter(m, k, bufs, precision, emit_host_math, "cpu backend"),
        width_(width),
        tail_width_(tail_width),
        disjoint_(disjoint_buffers),
        reassociate_(reassociate_reductions) {}

  llvm::Function* emit(const std::string& name);

 private:
  // --- uniformity analysis ---
  bool propagate(const Block& block);

  // --- the walker's hooks ---
  Value* emit_load(const Op& op, int id) override;
  void emit_store(const loop::Store& s) override;
  void on_loop_latch(const Op& op, std::span<llvm::PHINode* const> carries,
                     std::span<Value* const> next) override;
  Value* cancel_flag() override { return cancel_flag_; }
  bool buffers_disjoint() const override { return disjoint_; }
  void emit_lanes(const Op& op, int id) override;

  // body(i) for i = begin, begin + step, ... while i < limit; returns the first i not run.
  // `max_span` bounds limit - begin statically: when one step covers it, the body runs
  // at most once and there is no loop (see emit_nest).
  Value* counted_loop(Value* begin, Value* limit, std::int64_t step, std::int64_t max_span,
                      const std::function<void(Value*)>& body);
  void emit_nest(const std::vector<int>& dims, std::size_t pos);
  // Element pointer of lane 0, and the stride along the vector axis.
  Value* lane0_pointer(int buffer, const loop::AffineIndex& index, std::int64_t* va_stride);
  // Alias metadata for the kernel's buffers (see the file comment).
  void make_alias_metadata();
  void tag_access(llvm::Instruction* access, int buffer, bool is_load);

  const int width_;
  const int tail_width_;
  const bool disjoint_;
  const bool reassociate_;
  int va_ = 0;
  Value* cancel_flag_ = nullptr;  // buffers[bufs_.size()], loaded at entry (kernels with a While)

  std::vector<llvm::MDNode*> scope_;    // per buffer: !alias.scope (null: none)
  std::vector<llvm::MDNode*> noalias_;  // per buffer: !noalias, the other buffers' scopes
  std::vector<char> read_only_;         // per buffer: the kernel never stores to it
};

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
      case OpKind::Const:
        break;
      case OpKind::IndexVar:
        mark(id, op.index_var == va_);
        break;
      case OpKind::Load:
        mark(id, op.index.stride_of(va_) != 0);
        break;
      case OpKind::Scalar:
        for (int a : op.args) mark(id, varying_[a]);
        break;
      case OpKind::Loop: {
        const Block& body = op.blocks[0];
        for (std::size_t c = 0; c < op.args.size(); ++c) {
          mark(body.params[c], varying_[op.args[c]] || varying_[body.yields[c]]);
        }
        if (propagate(body)) changed = true;
        for (std::size_t c = 0; c < op.args.size(); ++c) {
          mark(body.params[c], varying_[body.yields[c]]);
        }
        break;
      }
      case OpKind::While: {
        // A carry is varying if its init or its update is, or if the condition is (points
        // then stop after different numbers of iterations). One visit of each block per
        // pass: the callers repeat passes to the fixed point, and visiting twice here made
        // nested while loops cost 2^depth visits.
        const Block& cond = op.blocks[0];
        const Block& body = op.blocks[1];
        for (std::size_t c = 0; c < op.args.size(); ++c) {
          bool v = varying_[op.args[c]] || varying_[body.yields[c]] || varying_[cond.yields[0]] ||
                   varying_[cond.params[c]] || varying_[body.params[c]];
          mark(cond.params[c], v);
          mark(body.params[c], v);
        }
        if (propagate(cond)) changed = true;
        if (propagate(body)) changed = true;
        break;
      }
      case OpKind::If: {
        if (propagate(op.blocks[0])) changed = true;
        if (propagate(op.blocks[1])) changed = true;
        break;
      }
      case OpKind::LoopResult:
        mark(id, result_varying(*def_[op.args[0]], op.result_index));
        break;
    }
  }
  return changed;
}

Value* KernelEmitter::counted_loop(Value* begin, Value* limit, std::int64_t step,
                                   std::int64_t max_span, const std::function<void(Value*)>& body) {
  if (max_span <= step) {
    llvm::LLVMContext& ctx = m_.getContext();
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* once = llvm::BasicBlock::Create(ctx, "once", fn_);
    auto* done = llvm::BasicBlock::Create(ctx, "done", fn_);
    b_.CreateCondBr(b_.CreateICmpSLT(begin, limit), once, done);
    b_.SetInsertPoint(once);
    body(begin);
    Value* next = b_.CreateAdd(begin, b_.getInt64(step), "", /*HasNUW=*/false, /*HasNSW=*/true);
    llvm::BasicBlock* last = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* rest = b_.CreatePHI(b_.getInt64Ty(), 2, "rest");
    rest->addIncoming(begin, pre);
    rest->addIncoming(next, last);
    return rest;
  }
  const auto [pre, header, body_bb, exit] = begin_loop("loop", "body", "exit");
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

Value* KernelEmitter::lane0_pointer(int buffer, const loop::AffineIndex& index,
                                    std::int64_t* va_stride) {
  *va_stride = index.stride_of(va_);
  Value* off = element_offset(index);
  return b_.CreateGEP(mem_type(bufs_[buffer].dtype), buffer_ptrs_[buffer], off);
}

Value* KernelEmitter::emit_load(const Op& op, int id) {
  const DType dt = bufs_[op.buffer].dtype;
  std::int64_t s = 0;
  Value* p = lane0_pointer(op.buffer, op.index, &s);
  llvm::Type* et = mem_type(dt);
  llvm::Align align(dtype_size(dt));
  llvm::Instruction* v;
  if (!vec(id)) {
    v = b_.CreateAlignedLoad(et, p, align);
  } else if (s == 1) {
    v = b_.CreateAlignedLoad(llvm::FixedVectorType::get(et, lanes_), p, align);
  } else {
    Value* ptrs = b_.CreateGEP(et, p, lane_offsets(s));
    v = b_.CreateMaskedGather(llvm::FixedVectorType::get(et, lanes_), ptrs, align);
  }
  tag_access(v, op.buffer, true);
  if (dt == DType::Bool) return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  return v;
}

void KernelEmitter::emit_store(const loop::Store& s) {
  const DType dt = bufs_[s.buffer].dtype;
  std::int64_t stride = 0;
  Value* p = lane0_pointer(s.buffer, s.index, &stride);
  Value* v = value(s.value);
  if (dt == DType::Bool) {
    llvm::Type* bytes =
        v->getType()->isVectorTy()
            ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(b_.getInt8Ty(), lanes_))
            : b_.getInt8Ty();
    v = b_.CreateZExt(v, bytes);
  }
  llvm::Align align(dtype_size(dt));
  if (lanes_ == 1 || stride == 0) {
    // Every lane writes the same element: the last lane's value wins, as in a scalar loop.
    if (v->getType()->isVectorTy()) v = b_.CreateExtractElement(v, b_.getInt64(lanes_ - 1));
    tag_access(b_.CreateAlignedStore(v, p, align), s.buffer, false);
    return;
  }
  v = widen(v, true);
  if (stride == 1) {
    tag_access(b_.CreateAlignedStore(v, p, align), s.buffer, false);
  } else {
    Value* ptrs = b_.CreateGEP(mem_type(dt), p, lane_offsets(stride));
    tag_access(b_.CreateMaskedScatter(v, ptrs, align), s.buffer, false);
  }
}

// With reassociate_reductions, the combine of each carry of a reassociable Loop (the
// floating-point op that takes the carry; integer ops reassociate without a flag) gets
// LLVM's `reassoc` flag.
void KernelEmitter::on_loop_latch(const Op& op, std::span<llvm::PHINode* const> carries,
                                  std::span<Value* const> next) {
  if (!reassociate_ || !op.reassociable) return;
  for (std::size_t c = 0; c < carries.size(); ++c) {
    auto* combine = llvm::dyn_cast<llvm::Instruction>(next[c]);
    if (combine == nullptr || !llvm::isa<llvm::FPMathOperator>(combine)) continue;
    if (combine->getOperand(0) == carries[c] ||
        (combine->getNumOperands() > 1 && combine->getOperand(1) == carries[c])) {
      combine->setHasAllowReassoc(true);
    }
  }
}

// A lane loop in a kernel whose points run one at a time (reassociate_: W = 1, see
// inner_vectorization.h) runs its lanes as SIMD lanes: its index variable becomes the
// vector axis of its body (varying values are <trip_count x T>, loads contiguous along it
// are vector loads), and the halving fold (codegen/lane_fold.h's order) is a shuffle and
// a vector op per level.
// Elsewhere (a forced width, the W lanes of the vector axis) its lanes run in turn.
void KernelEmitter::emit_lanes(const Op& op, int id) {
  if (!reassociate_ || lanes_ != 1) {
    LoopEmitter::emit_lanes(op, id);
    return;
  }
  const Block& body = op.blocks[0];
  const std::size_t n = op.args.size();
  const std::vector<char> saved_varying = varying_;
  const int saved_va = va_;
  Value* saved_idx = idx_[op.index_var];
  std::fill(varying_.begin(), varying_.end(), 0);  // values outside the body are scalars
  va_ = op.index_var;
  while (propagate(body)) {
  }
  lanes_ = static_cast<int>(op.trip_count);
  idx_[op.index_var] = b_.getInt64(0);
  for (std::size_t c = 0; c < n; ++c) vals_[body.params[c]] = value(op.args[c]);  // uniform
  emit_block(body);
  std::vector<Value*> results(n);
  for (std::size_t c = 0; c < n; ++c) {
    const DType dt = body.param_dtypes[c];
    Value* v = widen(value(body.yields[c]), lanes_ > 1);
    for (int w = lanes_ / 2; w >= 1; w /= 2) {
      if (w == 1) {
        v = fold_pair(op, dt, b_.CreateExtractElement(v, std::uint64_t{0}),
                      b_.CreateExtractElement(v, std::uint64_t{1}));
        break;
      }
      llvm::SmallVector<int, 64> lo(static_cast<std::size_t>(w)), hi(static_cast<std::size_t>(w));
      for (int l = 0; l < w; ++l) {
        lo[static_cast<std::size_t>(l)] = l;
        hi[static_cast<std::size_t>(l)] = l + w;
      }
      v = fold_pair(op, dt, b_.CreateShuffleVector(v, lo), b_.CreateShuffleVector(v, hi));
    }
    if (v->getType()->isVectorTy()) v = b_.CreateExtractElement(v, std::uint64_t{0});
    results[c] = v;
  }
  lanes_ = 1;
  va_ = saved_va;
  idx_[op.index_var] = saved_idx;
  varying_ = saved_varying;
  loop_results_[id] = std::move(results);
}

void KernelEmitter::make_alias_metadata() {
  const std::size_t nb = bufs_.size();
  scope_.assign(nb, nullptr);
  noalias_.assign(nb, nullptr);
  read_only_.assign(nb, 0);
  if (!disjoint_) return;
  for (std::size_t i = 0; i < nb; ++i) read_only_[i] = used_[i] && !stored_[i];
  // Scopes cost LLVM time quadratic in the buffers a kernel uses (each access lists all
  // the others); past kMaxScopedBuffers a kernel keeps its invariant loads only.
  if (std::count(used_.begin(), used_.end(), 1) > kMaxScopedBuffers) return;
  llvm::MDBuilder md(m_.getContext());
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain(k_.name);
  std::vector<llvm::MDNode*> scopes(nb, nullptr);
  for (std::size_t i = 0; i < nb; ++i) {
    if (used_[i]) scopes[i] = md.createAnonymousAliasScope(domain, "b" + std::to_string(i));
  }
  for (std::size_t i = 0; i < nb; ++i) {
    if (!used_[i]) continue;
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
    access->setMetadata(llvm::LLVMContext::MD_invariant_load,
                        llvm::MDNode::get(m_.getContext(), {}));
  }
}

void KernelEmitter::emit_nest(const std::vector<int>& dims, std::size_t pos) {
  auto range = [&](int d) -> std::pair<Value*, Value*> {
    if (d == 0) return {fn_->getArg(1), fn_->getArg(2)};
    return {b_.getInt64(0), b_.getInt64(k_.extents[d])};
  };
  // Loops are bounded by the static extents: a dimension of extent 1 runs its body at
  // most once without a loop, a SIMD step wider than the points it could see is not
  // emitted, and neither is a step (or the W = 1 epilogue) that no point reaches. For a
  // kernel of one point (a scalar program, as grad makes) a loop kept LLVM's LICM
  // hoisting the whole body out of it while the stores stayed inside, so every stored
  // value was live across the rest of the kernel, and a W-lane loop that never runs was
  // compiled as well.
  if (pos < dims.size()) {
    auto [lo, hi] = range(dims[pos]);
    counted_loop(lo, hi, 1, k_.extents[dims[pos]], [&](Value* i) {
      idx_[dims[pos]] = i;
      emit_nest(dims, pos + 1);
    });
    return;
  }
  auto [lo, hi] = range(va_);
  // `left`: the most points the steps so far can leave. The vector axis runs over all of
  // [0, extent), or, as dim 0, over a chunk that starts at a multiple of W (the pool's
  // chunk_align, cpu_executable.cpp) and either has a multiple of W points or ends at the
  // extent, so a W-step loop leaves 0 or extent % W points.
  std::int64_t left = k_.extents[va_];
  Value* rest = lo;
  for (int w : {width_, tail_width_ < width_ ? tail_width_ : 0}) {
    if (w <= 1 || w > left) continue;
    Value* limit = b_.CreateSub(hi, b_.getInt64(w - 1));
    rest = counted_loop(rest, limit, w, left - (w - 1), [&](Value* i) {
      idx_[va_] = i;
      lanes_ = w;
      emit_point();
    });
    left %= w;
  }
  if (left == 0) return;
  counted_loop(rest, hi, 1, left, [&](Value* i) {
    idx_[va_] = i;
    lanes_ = 1;
    emit_point();
  });
}

llvm::Function* KernelEmitter::emit(const std::string& name) {
  if (width_ < 1) fail("vector width " + std::to_string(width_));
  index_kernel();
  const int rank = static_cast<int>(k_.extents.size());
  va_ = k_.vector_axis < 0 ? rank - 1 : k_.vector_axis;
  while (propagate(k_.body)) {
  }

  // Function and buffer pointers.
  llvm::LLVMContext& ctx = m_.getContext();
  auto* ptr = llvm::PointerType::getUnqual(ctx);
  auto* fty =
      llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt64Ty(), b_.getInt64Ty()}, false);
  fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m_);
  fn_->setDoesNotThrow();
  fn_->addFnAttr("stackrealign");  // 64-byte spill slots (see the file comment)
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn_));
  make_alias_metadata();
  for (std::size_t i = 0; i < bufs_.size(); ++i) {
    if (!used_[i]) continue;
    Value* slot = b_.CreateConstInBoundsGEP1_64(ptr, fn_->getArg(0), i);
    buffer_ptrs_[i] = b_.CreateAlignedLoad(ptr, slot, llvm::Align(8));
  }
  if (has_while_ && cancel_checks_for_bench()) {
    Value* slot = b_.CreateConstInBoundsGEP1_64(ptr, fn_->getArg(0), bufs_.size());
    cancel_flag_ = b_.CreateAlignedLoad(ptr, slot, llvm::Align(8), "cancel_flag");
  }
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
                            Precision precision, const std::string& name, bool disjoint_buffers,
                            int tail_width, bool reassociate_reductions) {
  return KernelEmitter(module, kernel, buffers, width, tail_width, precision, disjoint_buffers,
                       reassociate_reductions)
      .emit(name);
}

}  // namespace lanes::internal::cpu
