// The one walk over a loop-IR kernel body that every LLVM backend shares: LoopEmitter
// emits Const, IndexVar, Scalar, Loop, While, If and LoopResult ops as LLVM IR, and asks
// its backend (a subclass) for what differs between targets:
//   - emit_load / emit_store: memory (the CPU: vector loads, gathers, masks, alias
//     metadata; AMDGPU: global pointers, a partials fold's overrides);
//   - emit_scalar: a ScalarOp, by default codegen/llvm/scalar_codegen.h's emit_scalar_op
//     with the backend's MathCallHook (SLEEF on the CPU, ocml on AMDGPU);
//   - on_loop_latch: a Loop's new carries before its back edge (the CPU marks the combines
//     of reassociable loops);
//   - cancel_flag: the flag every While checks per iteration (the CPU's cancellation);
//   - the parallel dimensions: the backend creates the function, binds idx_ for them (the
//     CPU's loop nest over SIMD steps, AMDGPU's work-item id) and calls emit_point.
// SIMD: the backend sets `lanes_` (the width of the code being emitted) and `varying_`
// (its uniformity analysis); a varying value is a <lanes_ x T> register, a uniform one a
// scalar, splatted where it meets a varying one. While with a varying condition keeps an
// active-lane mask and If with a varying predicate runs both blocks under lane masks and
// blends (`mask_`: the lanes that run the code being emitted). At lanes_ = 1, or with
// everything uniform (AMDGPU: one work-item per point, the hardware masks divergent
// lanes), Loops, Whiles and Ifs are plain loops and branches.
//
// Only codegen/cpu/* and codegen/amdgpu/* include this header (it includes LLVM's).
#pragma once

#include <lanes/jit_options.h>
#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codegen/llvm/scalar_codegen.h"
#include "codegen/loop_ir.h"

namespace lanes::internal::llvmgen {

class LoopEmitter {
 public:
  // `backend` names the backend in error messages ("cpu backend").
  LoopEmitter(llvm::Module& m, const loop::Kernel& k, const std::vector<loop::Buffer>& bufs,
              Precision precision, MathCallHook math, const char* backend);
  virtual ~LoopEmitter() = default;
  LoopEmitter(const LoopEmitter&) = delete;
  LoopEmitter& operator=(const LoopEmitter&) = delete;

 protected:
  // --- the walk ---
  // Verifies the kernel (loop::verify) and indexes it: def_, dtype_, used_, stored_, and
  // empty vals_, loop_results_, idx_ (one per index variable), varying_ (all uniform).
  void index_kernel();
  // The body and the stores of the kernel at the index point(s) bound in idx_. Where the
  // backend's buffers_disjoint() and no buffer is both loaded and stored or stored twice,
  // each store follows the op that makes its value (stores_at_), so a stored value's
  // register is free from there on: stored at the end, every stored value of a long
  // kernel was live across the rest of the body, and across each call of it (a
  // vector-math call clobbers every vector register), which made the register
  // allocator's work and the spills grow with the kernel's length times its stores.
  void emit_point();
  void emit_block(const loop::Block& block);
  void emit_op(const loop::Op& op, int id);
  // A counted Loop: its index variable runs start (nullptr: 0), start + step, ... while
  // below the trip count.
  void emit_loop(const loop::Op& op, int id, llvm::Value* start = nullptr, std::int64_t step = 1);
  // A lane loop (loop::Op::lanes); by default its lanes one after the other (a loop
  // storing each lane's yields to the stack), then the halving fold.
  virtual void emit_lanes(const loop::Op& op, int id);
  // sop(a, b) for a lane loop's fold (`op` the lane loop, `dt` the carry's dtype).
  llvm::Value* fold_pair(const loop::Op& op, DType dt, llvm::Value* a, llvm::Value* b);
  void emit_while(const loop::Op& op, int id);
  void emit_if(const loop::Op& op, int id);

  // --- the backend's part ---
  virtual llvm::Value* emit_load(const loop::Op& op, int id) = 0;
  virtual void emit_store(const loop::Store& s) = 0;
  // `args` are already splatted to one shape; `dtypes` are their dtypes.
  virtual llvm::Value* emit_scalar(const loop::Op& op, std::span<llvm::Value* const> args,
                                   std::span<const DType> dtypes);
  virtual void on_loop_latch(const loop::Op& /*op*/, std::span<llvm::PHINode* const> /*carries*/,
                             std::span<llvm::Value* const> /*next*/) {}
  // A pointer to the i32 cancel flag (nonzero: stop) that every While checks at each
  // iteration, or nullptr (no check). The CPU reads it from the kernel's arguments.
  virtual llvm::Value* cancel_flag() { return nullptr; }
  // Whether no buffer the kernel stores to overlaps another buffer it uses (then a store
  // may move before a load of another buffer). By default not known.
  virtual bool buffers_disjoint() const { return false; }

  // --- helpers for backends ---
  [[noreturn]] void fail(const std::string& what) const;  // InternalError naming the kernel
  llvm::Value* value(int id) const;
  // Whether `id` is a <lanes_ x T> register in the code being emitted.
  bool vec(int id) const { return lanes_ > 1 && varying_[id] != 0; }
  // Whether result k of a Loop, While or If op is varying (by varying_).
  bool result_varying(const loop::Op& op, int k) const;
  llvm::Value* widen(llvm::Value* v, bool to_vec) {
    return to_vec && !v->getType()->isVectorTy() ? b_.CreateVectorSplat(lanes_, v) : v;
  }
  // The blocks of a loop: `begin_loop` creates the header, body and exit blocks (named
  // after the arguments), branches from the current block (the preheader) to the header
  // and continues there.
  struct LoopBlocks {
    llvm::BasicBlock* pre;
    llvm::BasicBlock* header;
    llvm::BasicBlock* body;
    llvm::BasicBlock* exit;
  };
  LoopBlocks begin_loop(const char* header, const char* body, const char* exit);
  // <lanes_ x i64> {0, stride, 2 stride, ...}.
  llvm::Value* lane_offsets(std::int64_t stride);
  llvm::Value* all_lanes();
  // `go` (an i1: run another iteration), and-ed with "the cancel flag is clear".
  llvm::Value* and_not_cancelled(llvm::Value* go);
  // Bool is a byte in memory, an i1 in registers.
  llvm::Type* mem_type(DType t);
  // The i64 element offset of an affine index at the bound index variables (for the
  // vector axis: its lane 0).
  llvm::Value* element_offset(const loop::AffineIndex& index);

  llvm::Module& m_;
  const loop::Kernel& k_;
  const std::vector<loop::Buffer>& bufs_;
  const Precision precision_;
  const MathCallHook math_;
  const char* const backend_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_ = nullptr;

  std::vector<const loop::Op*> def_;       // op of each id (nullptr: a block param)
  std::vector<DType> dtype_;               // dtype of each id's value
  std::vector<char> varying_;              // per id: one value per SIMD lane (backend's analysis)
  std::vector<char> used_;                 // per buffer: loaded or stored by the kernel
  std::vector<char> stored_;               // per buffer: stored by the kernel
  bool has_while_ = false;                 // the kernel has a While op (index_kernel)
  // Per top-level body op (by position), the stores emitted right after it (see
  // emit_point); the last entry, one past the ops, holds the stores that go at the end.
  std::vector<std::vector<const loop::Store*>> stores_at_;
  std::vector<llvm::Value*> buffer_ptrs_;  // per buffer (the backend sets the used ones)
  std::vector<llvm::Value*> idx_;          // i64 per index variable; nullptr: unbound
  std::vector<llvm::Value*> vals_;         // per id
  std::vector<std::vector<llvm::Value*>> loop_results_;  // per Loop/While/If id
  int lanes_ = 1;                                        // SIMD width of the code being emitted
  // The lanes that execute the code being emitted (<lanes_ x i1>), inside a While body or
  // a branch of an If with a varying condition; nullptr: all lanes.
  llvm::Value* mask_ = nullptr;
};

}  // namespace lanes::internal::llvmgen
