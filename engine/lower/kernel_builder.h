// KernelBuilder: builds one loop-IR kernel body by walking the producers of the values
// it computes backwards from the stored value.
//
// A value is requested at a point given by coordinates: one affine expression of the
// kernel's index variables per dimension of the value. Structural ops only rewrite the
// coordinates (broadcast drops or zeroes them, transpose permutes, slice scales and
// offsets, iota turns one into a value); elementwise ops become Scalar ops; reductions,
// argmax/argmin and dot_general become nested counted Loops with their accumulators as
// carries; a materialized value becomes a Load at the row-major offset of its
// coordinates.
//
// Ops are placed in the outermost loop scope where their coordinates are defined (loop-
// invariant code is hoisted), and the same value at the same coordinates is emitted once
// per scope chain (so `x * x` loads x once).
//
// Pointwise control flow (inline_control_flow.h) is inlined: its sub-graphs are evaluated
// per point inside Loop / While / If ops (kernel_builder_control_flow.cpp).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "codegen/loop_ir.h"
#include "engine/ir/graph.h"
#include "engine/lower/fusion.h"

namespace lanes::internal::lower {

using Coords = std::vector<loop::AffineIndex>;

class KernelBuilder {
 public:
  static constexpr std::size_t kMaxNameLength = 80;
  // `buffer_of[v]` is the buffer of materialized var v (or -1).
  KernelBuilder(const Graph& g, const FusionPlan& plan, const std::vector<int>& buffer_of,
                std::string name, const Shape& extents);
  ~KernelBuilder();

  // The coordinates of the kernel's own index point (empty for a rank-0 value).
  Coords parallel_coords() const;
  // The value of `var` at `coords`, computed from its producer even if `var` is itself
  // materialized (the kernel that computes it).
  int emit_root(int var, const Coords& coords);
  // The value of `a` at `coords`: a load if materialized, else its inlined expression.
  int emit(const Atom& a, const Coords& coords);
  void store(int buffer, const Shape& shape, const Coords& coords, int value,
             std::int64_t offset = 0);
  loop::Kernel finish();
  // The ops emitted so far.
  int num_ops() const { return next_id_; }
  // Kernels that compute several values are named after all of them (the first few: a
  // long program's kernel stores hundreds).
  void add_name(const std::string& prim) {
    if (kernel_.name.size() < kMaxNameLength) {
      kernel_.name += "+" + prim;
    } else if (kernel_.name.back() != '.') {
      kernel_.name += "+...";
    }
  }

  // --- reductions in parts (kernel_builder_reduce.cpp; used by split_reduction.h) ---
  // The state of reduction `e` while it runs: {accumulator} for reduce_*, {best value,
  // its index} for argmax/argmin. A part of the reduced range: along operand axis
  // `axis` the coordinate is base + step * k for k in [0, trips); the other reduced axes
  // are covered in full.
  struct ReduceRange {
    std::int64_t axis = 0;
    loop::AffineIndex base;
    std::int64_t step = 1;
    std::int64_t trips = 0;
  };
  // The state before any element: the identity of the combining operation.
  std::vector<int> reduction_identity(const Equation& e);
  // Folds the elements of `range` (the whole reduced range if null) into `init`, in
  // increasing index order (a float sum: in emit_sum's order), for the result element at
  // `coords`.
  std::vector<int> emit_reduction(const Equation& e, const Coords& coords,
                                  const std::vector<int>& init, const ReduceRange* range);
  // Folds partial states, element p of buffers `bufs` (one per state component) for p in
  // [0, count), into `init` in that order, then the elements of `rest` (if any).
  // argmax/argmin break ties by the smaller index, so the partials may cover interleaved
  // index sets. The fold Loop (and the rest's) become the kernel's loop::PartialsFold,
  // except for a float sum, whose partials join a compensated total with the sum of the
  // rest (summed apart) and which is left to run in this order on every backend.
  std::vector<int> emit_fold_partials(const Equation& e, const std::vector<int>& bufs,
                                      std::int64_t count, const std::vector<int>& init,
                                      const ReduceRange* rest);
  // In a kernel over [kSplitLanes] points (split_reduction.h): folds, for lane j (the
  // kernel's index variable 0), elements p * kSplitLanes + j of buffers `bufs` for p in
  // [0, groups) into `init` in that order, then the elements of `rows` (if any); a float
  // sum as emit_fold_partials'.
  std::vector<int> emit_fold_lanes(const Equation& e, const std::vector<int>& bufs,
                                   std::int64_t groups, const std::vector<int>& init,
                                   const ReduceRange* rows);

 private:
  // A block being built: the kernel body or a loop/branch block, with its caches.
  struct Scope {
    loop::Block block;
    Scope* parent = nullptr;
    int depth = 0;
    std::map<std::string, int> cache;
    std::map<std::string, std::vector<int>> multi;  // control flow: all results
  };
  Scope* target(const Coords& coords) const;
  // The id cached under `key` in scope `s` or an enclosing one, or -1.
  static int cached(const Scope* s, const std::string& key);
  int emit_in(const Atom& a, const Coords& coords, bool root);
  // The operands (with their coordinates) that value `var` of kind `kind` combines
  // without a loop: an elementwise op's, an index map's or a unit reshape's single one.
  // False for the other producers, which expand() emits.
  bool inline_operands(const Equation& e, LoweringKind kind, int var, const Coords& coords,
                       std::vector<std::pair<Atom, Coords>>& operands) const;
  int expand(int var, const Coords& coords, Scope* s);
  int append(Scope* s, loop::Op op);
  int constant(Scalar value);  // deduplicated per kernel
  int index_value(const loop::AffineIndex& c, DType dtype);
  int scalar(Scope* s, ScalarOp op, DType dtype, std::vector<int> args);
  int convert(Scope* s, int value, DType from, DType to);
  int new_index_var(Scope* s);

  // Emits a nest of counted loops (one per trip count) in scope `s`, carrying `init`.
  // `body(inner, loop_vars, carries)` returns the new carries from the innermost scope.
  // `reassociable`: the loops fold a reduce_* or a dot_general contraction, so a backend
  // may reorder their iterations (loop::Op::reassociable).
  using LoopBody =
      std::function<std::vector<int>(Scope*, const std::vector<int>&, const std::vector<int>&)>;
  std::vector<int> emit_loop_nest(Scope* s, const std::vector<std::int64_t>& trips,
                                  const std::vector<DType>& dtypes, const std::vector<int>& init,
                                  const LoopBody& body, bool reassociable = false);
  std::vector<int> emit_loop_level(Scope* s, std::size_t level,
                                   const std::vector<std::int64_t>& trips,
                                   const std::vector<DType>& dtypes, const std::vector<int>& init,
                                   std::vector<int>& vars, const LoopBody& body,
                                   bool reassociable);

  int expand_reduce(const Equation& e, const Coords& coords, Scope* s);
  // Float sums (kernel_builder_sum.cpp; orders and bounds in docs/precision.md).
  // init + the float sum of term(idx) over the nest `trips` (idx[l]: the affine index of
  // level l). `whole`: the whole reduced range of one result element (not a part of a
  // split reduction). A nest whose innermost level is `contiguous` (the operand's last
  // axis) is emit_lane_sum's when that level is longer than kSumBlock; a whole nest of at
  // most kSumBlock terms is one plain fold in index order (the interpreter's; its loops
  // `reassociable`); a longer whole contiguous nest whose rows are short is
  // emit_short_rows'; every other nest of more than one term is emit_blocked_sum's (four
  // chains), its rows being the outermost of the innermost levels that hold more than 8
  // terms (the outermost level if none do).
  using TermFn = std::function<int(Scope*, const std::vector<loop::AffineIndex>&)>;
  int emit_sum(Scope* s, const std::vector<std::int64_t>& trips, DType t, int init,
               const TermFn& term, bool whole, bool contiguous);
  // init + the float sum of term(idx) over the nest `trips` (more than kSumBlock terms,
  // the innermost level of at most kSumBlock): blocks of at most kSumBlock terms (whole
  // rows of the innermost levels) summed in order from 0 by loops that may run in SIMD
  // along the row (reassociable: LLVM's partial accumulators, so the bits depend on the
  // host ISA), the block sums added to a Kahan-compensated total.
  int emit_short_rows(Scope* s, const std::vector<std::int64_t>& trips, DType t, int init,
                      const TermFn& term);
  // The sum of term(idx) over outer x {rows} x inner (idx: the outer levels' indices, the
  // row's, the inner levels'; the inner levels hold at most 8 terms), and of extra(prefix)
  // if `extra`: the rows are cut into blocks of m = chains * (8 / inner terms) rows
  // (`chains` 2 or 4); a block is summed in that many chains from 0, in order, chain i
  // taking rows i, i + chains, ... (each row's terms in order), then the chains are added
  // by the halving fold (codegen/lane_fold.h), and the block sum joins a Kahan-compensated
  // total (kahan_add) that starts at init (0 if init < 0) and runs over the outer levels.
  // The rows after the blocks are a last block (its last rows mod chains one to each of
  // the first chains, `extra` to the last chain). With no whole block and a single outer
  // point the result is init + that block (no compensation); else the total minus its
  // compensation. No loop is reassociable: the same bits on every backend and width.
  using ExtraFn = std::function<int(Scope*, const std::vector<loop::AffineIndex>&)>;
  int emit_blocked_sum(Scope* s, const std::vector<std::int64_t>& outer, std::int64_t rows,
                       const std::vector<std::int64_t>& inner, int chains, DType t, int init,
                       const TermFn& term, const ExtraFn* extra);
  // init + the float sum of term(idx) over the nest outer x {count} (count >= the lanes):
  // a lane loop (loop::Op::lanes) of k = 256 bytes / sizeof(T) lanes. Lane q takes the
  // terms q + k r of each row of the nest (rows r of k terms; one of the last count % k
  // terms too when q >= k - count % k) and sums them by emit_blocked_sum (two chains,
  // blocks of 16 rows). The lane totals are folded pairwise (the lane loop's halving fold), init
  // added last.
  int emit_lane_sum(Scope* s, const std::vector<std::int64_t>& outer, std::int64_t count, DType t,
                    int init, const TermFn& term);
  // The compensated sum's state {sum, -error} after adding v (Kahan).
  std::vector<int> kahan_add(Scope* s, DType t, const std::vector<int>& state, int v);
  // Whether reduction `e` is a float sum (the sums that emit_sum blocks).
  bool is_float_sum(const Equation& e) const;
  // Folds element p * stride (+ the lane, index variable 0, when stride > 1) of buffers
  // `bufs` (one per state component) for p in [0, count) into `init`, in order, in the
  // kernel's root, then the elements of `rest` (if any). A float sum: each partial joins
  // a Kahan total, and then the sum of `rest` (from the identity); the result is the
  // total minus its compensation. Otherwise, with `mark`, the Loops become the kernel's
  // loop::PartialsFold.
  std::vector<int> fold_state_buffers(const Equation& e, const std::vector<int>& bufs,
                                      std::int64_t count, std::int64_t stride,
                                      const std::vector<int>& init, const ReduceRange* rest,
                                      bool mark);
  std::vector<int> reduction_loop(const Equation& e, const Coords& coords, Scope* s,
                                  const std::vector<int>& init, const ReduceRange* range);
  // The new state after one element `v` (its index `i`; -1 for reduce_*); with
  // `tie_by_index` equal values (and NaNs) keep the smaller index.
  std::vector<int> reduction_step(const Equation& e, Scope* s, const std::vector<int>& state, int v,
                                  int i, bool tie_by_index);
  int expand_dot(const Equation& e, const Coords& coords, Scope* s);

  // Control flow inlined per point (kernel_builder_control_flow.cpp). Operand ids of -1
  // are values not available at this request (point-shaped operands when a rank-0 result
  // is requested); results that need them are -1 too.
  using XsFn = std::function<int(std::size_t k, const loop::AffineIndex& t)>;
  int expand_control_flow(int var, const Equation& e, const Coords& coords, Scope* s);
  // `owner` is the graph `e` belongs to (g_ or a sub-graph).
  std::vector<int> emit_control_flow(const Graph& owner, const Equation& e,
                                     const std::vector<int>& operands, Scope* s, const XsFn& xs);
  std::vector<int> emit_cond(const Graph& owner, const Equation& e,
                             const std::vector<int>& operands, Scope* s);
  std::vector<int> emit_while(const Equation& e, const std::vector<int>& operands, Scope* s);
  std::vector<int> emit_fori(const Equation& e, const std::vector<int>& operands, Scope* s);
  std::vector<int> emit_scan(const Equation& e, const std::vector<int>& operands, Scope* s,
                             const XsFn& xs);
  // Evaluates `roots` of sub-graph `g` per point in scope `s`, `inputs` bound to g's inputs.
  std::vector<int> emit_graph(const Graph& g, const std::vector<int>& inputs, Scope* s,
                              const std::vector<Atom>& roots);
  Scope* child_scope(Scope* s);
  std::vector<int> op_results(Scope* s, int op_id, const std::vector<DType>& dtypes);
  using BlockFn = std::function<std::vector<int>(Scope*, const std::vector<int>& params)>;
  std::vector<int> emit_while_op(Scope* s, const std::vector<DType>& dtypes,
                                 const std::vector<int>& init, const BlockFn& cond,
                                 const BlockFn& body);
  std::vector<int> emit_if_op(Scope* s, int pred, const std::vector<DType>& dtypes,
                              const BlockFn& then_fn, const BlockFn& else_fn);

  const Graph& g_;
  const FusionPlan& plan_;
  const std::vector<int>& buffer_of_;
  loop::Kernel kernel_;
  std::unique_ptr<Scope> root_;
  std::vector<std::unique_ptr<Scope>> scopes_;  // control-flow blocks' scopes
  std::vector<Scope*> var_scope_;  // index variable -> the scope that defines it
  int next_id_ = 0;
  bool scalar_kernel_ = false;
};

// The row-major offset of `coords` in an array of `shape`.
loop::AffineIndex linearize(const Coords& coords, const Shape& shape);

// The position in `block` of the Loop that LoopResult `result` (emit_loop_nest's) reads.
std::size_t loop_position(const loop::Block& block, int result);

}  // namespace lanes::internal::lower
