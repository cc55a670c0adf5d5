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
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codegen/loop_ir.h"
#include "engine/ir/graph.h"
#include "engine/lower/fusion.h"

namespace lanes::internal::lower {

using Coords = std::vector<loop::AffineIndex>;

class KernelBuilder {
 public:
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
  // Kernels that compute several values are named after all of them.
  void add_name(const std::string& prim) { kernel_.name += "+" + prim; }

 private:
  struct Scope;
  Scope* target(const Coords& coords) const;
  int emit_in(const Atom& a, const Coords& coords, bool root);
  int expand(int var, const Coords& coords, Scope* s);
  int append(Scope* s, loop::Op op);
  int constant(DType dtype, double value);
  int index_value(const loop::AffineIndex& c, DType dtype);
  int scalar(Scope* s, ScalarOp op, DType dtype, std::vector<int> args);
  int convert(Scope* s, int value, DType from, DType to);
  int new_index_var(Scope* s);

  // Emits a nest of counted loops (one per trip count) in scope `s`, carrying `init`.
  // `body(inner, loop_vars, carries)` returns the new carries from the innermost scope.
  using LoopBody =
      std::function<std::vector<int>(Scope*, const std::vector<int>&, const std::vector<int>&)>;
  std::vector<int> emit_loop_nest(Scope* s, const std::vector<std::int64_t>& trips,
                                  const std::vector<DType>& dtypes, const std::vector<int>& init,
                                  const LoopBody& body);
  std::vector<int> emit_loop_level(Scope* s, std::size_t level,
                                   const std::vector<std::int64_t>& trips,
                                   const std::vector<DType>& dtypes, const std::vector<int>& init,
                                   std::vector<int>& vars, const LoopBody& body);

  int expand_reduce(const Equation& e, const Coords& coords, Scope* s);
  int expand_arg_reduce(const Equation& e, const Coords& coords, Scope* s);
  int expand_dot(const Equation& e, const Coords& coords, Scope* s);

  const Graph& g_;
  const FusionPlan& plan_;
  const std::vector<int>& buffer_of_;
  loop::Kernel kernel_;
  std::unique_ptr<Scope> root_;
  std::vector<Scope*> var_scope_;  // index variable -> the scope that defines it
  int next_id_ = 0;
  bool scalar_kernel_ = false;
};

// The row-major offset of `coords` in an array of `shape`.
loop::AffineIndex linearize(const Coords& coords, const Shape& shape);

}  // namespace lanes::internal::lower
