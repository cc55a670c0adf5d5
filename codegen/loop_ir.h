// The loop IR: what jit hands to a backend (the CPU's and AMDGPU's LLVM emitters share
// one walk over it, codegen/llvm/loop_emitter.h). loop::verify (codegen/loop_verify.h)
// checks its invariants after lowering.
//
// A Program is a list of steps over numbered buffers. The main step is a Kernel: a
// parallel index space (a loop nest) whose body computes one element per index point,
// with every intermediate in registers. Index variables 0..rank-1 are the kernel's
// parallel dimensions; counted loops inside the body (reductions, fori_loop) introduce
// further index variables. Memory is touched only by Loads (an affine function of index
// variables gives the element offset) and by the kernel's final Stores.
//
// The backend decides SIMD mapping: the `vector_axis` of a kernel is the parallel
// dimension whose consecutive points become SIMD lanes. A value that does not depend on
// it is uniform (scalar); the rest are varying (one per lane).
//
// Control flow inside a body (While, If) has per-point semantics: each index point runs
// its own loop or takes its own branch. The backend maps that onto SIMD lanes with masks
// when a condition is varying (see codegen/cpu/kernel_codegen.cpp).
//
// Steps that are not kernels run a primitive's reference implementation on whole
// buffers (HostStep): the escape hatch for primitives not yet lowered into kernels.
#pragma once

#include <lanes/array.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "codegen/scalar_op.h"

namespace lanes::internal::loop {

// element offset = offset + sum(stride * index_var)
struct AffineIndex {
  std::vector<std::pair<int, std::int64_t>> terms;  // (index variable, stride in elements)
  std::int64_t offset = 0;

  std::int64_t stride_of(int index_var) const;
};

// The constant c; index variable v times `stride`; and a * k + b (terms of one variable
// merged, zero strides dropped, sorted by variable).
AffineIndex affine_const(std::int64_t c);
AffineIndex affine_var(int v, std::int64_t stride = 1);
AffineIndex scaled_add(const AffineIndex& a, std::int64_t k, const AffineIndex& b);

enum class OpKind {
  Const,       // a scalar constant of `dtype` (`value`)
  IndexVar,    // the current value of index variable `index_var`, as `dtype` (i64 usually)
  Load,        // buffers[buffer][index]
  Scalar,      // ScalarOp `sop` on args (Convert: args[0] converted to `dtype`)
  Loop,        // counted loop, see below
  LoopResult,  // result `result_index` of the Loop, While or If op args[0]
  While,       // data-dependent loop, see below
  If,          // two-way branch, see below
};

struct Block;

// One SSA value of a kernel body. Ids are unique across the whole kernel; an op may use
// any op that dominates it (earlier in its block or in an enclosing block).
struct Op {
  OpKind kind = OpKind::Const;
  DType dtype = DType::F64;
  ScalarOp sop = ScalarOp::None;
  std::vector<int> args;  // operand op ids

  Scalar value{};      // Const: exact, of `dtype`
  int index_var = -1;  // IndexVar; Loop: the loop's own index variable
  int buffer = -1;     // Load
  AffineIndex index;   // Load

  // Loop: for index_var in [0, trip_count): carries = body(carries). args = initial
  // carries; the body Block's params receive the carries and its yields are the new
  // ones. Results are read with LoopResult ops. trip_count is static.
  //
  // While: carries = args; while (cond(carries)) carries = body(carries). blocks[0] is
  // the cond block (params: the carries; one bool yield), blocks[1] the body block
  // (params: the carries, with ids distinct from the cond block's; yields: new carries).
  // Results (the final carries) are read with LoopResult ops. The loop runs per index
  // point: points stop independently (a backend keeps an active-lane mask).
  //
  // If: args = {pred (bool)}; blocks[0] runs when pred is true, blocks[1] otherwise.
  // Both blocks have no params (they use dominating values) and yield the same number of
  // values with the same dtypes; LoopResult ops read the taken block's yields. A backend
  // may evaluate both blocks and blend (ops have no side effects), but loops inside a
  // block not taken must not run for that point (they might not terminate).
  std::int64_t trip_count = 0;
  // Loop: the carries are reductions (each yield combines its carry with a value that
  // does not depend on the carries, by an associative and commutative op), made by the
  // lowering of reduce_* and dot_general, not by the user's fori_loop. A backend may
  // then fold the iterations in another order, e.g. vectorize the loop with partial
  // accumulators; the result then differs from the sequential fold by rounding only.
  bool reassociable = false;
  // Loop: a lane loop (KernelBuilder::emit_lane_sum, a long float sum along a row): its
  // iterations l = index_var in [0, trip_count) (a power of two) are independent lanes,
  // each running the body from the initial carries (args), not from the previous
  // iteration's yields; result c is the halving fold of the lanes' yields c under `sop`
  // (while w > 1: w /= 2, y[l] = sop(y[l], y[l + w]) for l < w; then y[0]). The order is
  // fixed, so every backend gives the same bits; a backend may run the lanes in SIMD
  // (the CPU: one <trip_count x T> register per value, codegen/cpu/kernel_codegen.cpp).
  bool lanes = false;
  std::vector<Block> blocks;  // Loop: one body block; While: {cond, body}; If: {then, else}
  int result_index = 0;       // LoopResult
};

struct Block {
  std::vector<int> params;  // ids of the block parameters (carries)
  std::vector<DType> param_dtypes;
  std::vector<Op> ops;      // op id = ids[i]
  std::vector<int> ids;     // parallel to ops
  std::vector<int> yields;  // op ids (or param ids) yielded at the end
};

struct Store {
  int buffer = -1;
  AffineIndex index;
  int value = -1;  // op id
};

// Marks a Loop that folds the partial states of a split full reduction (set by the
// lowering, engine/lower/split_reduction.h): a top-level Loop of the kernel body whose
// carries are the reduction state and whose body folds in element k (its index
// variable) of buffers[c] for carry c, with a combine that is associative and
// commutative up to rounding (argmax/argmin break ties by index). A backend may fold the
// partials in another fixed order (the AMDGPU backend: a workgroup tree in LDS); the CPU
// backend ignores it. `rest_loop`, if any, is the top-level Loop (nest) after it that
// folds the elements the partials do not cover into the fold's results, visiting them in
// increasing index order; nothing after it reads the fold's results. A backend may split
// the rest among the folders by the rest Loop's own index variable (strided), each part
// still in increasing index order.
struct PartialsFold {
  int loop = -1;             // op id of the Loop
  std::vector<int> buffers;  // partial buffer of each carry, read at [k]
  int rest_loop = -1;        // op id of the rest Loop, or -1
};

struct Kernel {
  std::string name;
  std::vector<std::int64_t> extents;  // parallel index space, rank >= 1
  int vector_axis = -1;               // -1: the last dimension
  int num_index_vars = 0;             // parallel dims + loop index vars
  Block body;                         // no params; yields unused
  std::vector<Store> stores;
  int num_ops = 0;    // op ids are in [0, num_ops)
  PartialsFold fold;  // fold.loop < 0: none
};

// Runs on whole buffers outside any kernel; `run` is made by the engine (a primitive's
// reference implementation bound to its params), so codegen needs no engine types.
struct HostStep {
  std::string name;  // for printing
  std::function<std::vector<Array>(std::span<const Array>)> run;
  std::vector<int> inputs;   // buffer ids
  std::vector<int> outputs;  // buffer ids
};

enum class BufferKind { Input, Output, Temp, Constant };

struct Buffer {
  DType dtype = DType::F64;
  Shape shape;
  BufferKind kind = BufferKind::Temp;
  int io_index = -1;  // Input / Output: argument or result position
  Array constant;     // Constant
};

using Step = std::variant<Kernel, HostStep>;

// Where each program output comes from: an Output buffer, an Input buffer passed
// through, or a literal made into a scalar array.
struct OutputSource {
  int buffer = -1;  // >= 0: this buffer
  Scalar literal{};  // otherwise this value (its dtype included)
};

struct Program {
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  std::vector<OutputSource> outputs;
  int num_inputs = 0;

  std::string to_string() const;  // readable form, printed by LANES_DEBUG=ir
};

}  // namespace lanes::internal::loop
