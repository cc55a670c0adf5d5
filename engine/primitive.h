// Primitive: one definition per primitive, with every rule any pass needs.
//
// Each family file (primitives/elementwise_unary.cpp, ...) registers its primitives
// with the helpers of primitives/family_helpers.h. A rule that a primitive does not have
// is explicitly `unsupported` (with a reason), so a pass that needs it raises an
// UnsupportedError naming the primitive, and the registry test can tell "unsupported"
// from "forgotten".
#pragma once

#include <lanes/jit_options.h>
#include <lanes/value.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "codegen/loop_ir.h"
#include "codegen/scalar_op.h"
#include "engine/ir/graph.h"
#include "runtime/check.h"

namespace lanes::internal {

using AvalList = std::vector<AbstractValue>;

// Shape/dtype rule: throws ShapeError/DTypeError naming the primitive on bad input.
using AbstractEvalFn =
    std::function<AvalList(std::span<const AbstractValue> inputs, const Params& params)>;
// Reference implementation for the interpreter: plain loops, obviously correct.
using ImplFn =
    std::function<std::vector<Array>(std::span<const Array> inputs, const Params& params)>;

// Batching rule (vmap): batch_dims[i] is the batched axis of input i, or -1 if unbatched.
// Returns outputs and their batched axes (-1 for unbatched).
struct BatchResult {
  std::vector<Value> outputs;
  std::vector<std::int64_t> out_batch_dims;
};
using BatchFn = std::function<BatchResult(std::span<const Value> inputs,
                                          std::span<const std::int64_t> batch_dims,
                                          std::int64_t batch_size, const Params& params)>;
// JVP rule (forward mode, engine/transforms/jvp.h). tangents[i] is the tangent of input i,
// or std::nullopt for a symbolic zero (integer and bool values always have zero tangents).
// The JVP pass calls a rule only when some tangent is nonzero. The rule binds the primal
// computation and returns its outputs and one tangent per output (nullopt: zero); a
// tangent has exactly its output's dtype and shape.
using Tangent = std::optional<Value>;
struct JvpResult {
  std::vector<Value> outputs;
  std::vector<Tangent> tangents;
};
using JvpFn = std::function<JvpResult(std::span<const Value> primals,
                                      std::span<const Tangent> tangents, const Params& params)>;
// VJP rule (reverse mode, engine/transforms/vjp.h). A cotangent is a Value, or nullopt
// for a symbolic zero (never materialized). Given the primal inputs, the primal outputs
// (the residuals, already computed) and one cotangent per output (nullopt for outputs
// with a zero or no cotangent; at least one is present, and only float outputs have
// any), returns one cotangent per input, of the input's dtype and shape: nullopt for a
// zero, for a non-differentiable input (integer, bool, a comparison's operands) or
// where the rule knows the input needs none. The pass drops cotangents of inputs that
// do not lead to a differentiated input, so a rule may compute them freely. Rules emit
// equations with the DSL's ops and bind(), so the reverse graph is an ordinary graph.
using Cotangent = std::optional<Value>;
using VjpFn = std::function<std::vector<Cotangent>(
    std::span<const Value> primals, std::span<const Value> outputs,
    std::span<const Cotangent> cotangents, const Params& params)>;

// A rule that is either defined, explicitly unsupported (with a reason), or not set.
template <class F>
struct Rule {
  enum class State { Unset, Unsupported, Defined };
  State state = State::Unset;
  std::string reason;
  F fn;

  static Rule unsupported(std::string why) { return {State::Unsupported, std::move(why), {}}; }
  static Rule defined(F f) { return {State::Defined, {}, std::move(f)}; }
  bool is_defined() const { return state == State::Defined; }
};

// How jit lowers the primitive: data that engine/lower and engine/passes read (they never
// compare a primitive's name). Each kind says which of the Primitive's lowering fields
// below it uses.
enum class LoweringKind {
  Unset,
  Elementwise,  // one `scalar_op` per element
  IndexMap,     // result[i] = operand[index_map(i)]: broadcast_in_dim, transpose, slice, rev
  Iota,         // the coordinate along params "dimension", as a value
  Reshape,      // row-major order kept: unit extents remap coordinates, others reload
  Concatenate,  // operands copied into one materialized result, one kernel each
  Reduction,    // `reduction`: a fold of the reduced axes (reduce_*, argmax/argmin)
  Contraction,  // dot_general: a sum of products over the contracting axes
  ControlFlow,  // `control_flow`: cond, while_loop, fori_loop, scan
  Constant,     // an array constant (params "value")
  Composite,    // expanded into other primitives before lowering (`expand`)
  Host,         // runs outside kernels (collectives, pmap), see host_lowering
};

// IndexMap: the operand's coordinates of the result element at `out` (one affine
// expression of the kernel's index variables per result dimension). Structural
// primitives only move elements, so their lowering is this function alone.
using IndexMapFn = std::function<std::vector<loop::AffineIndex>(
    std::span<const loop::AffineIndex> out, const AbstractValue& operand,
    const AbstractValue& result, const Params& params)>;

// Reduction: folds the reduced axes (params "axes"; argmax/argmin: "axis") with `combine`
// from the ScalarOp's identity. `arg`: the result is the index of the extreme (combine is
// Max or Min) rather than the extreme, ties and NaNs resolved as in JAX.
struct ReductionLowering {
  ScalarOp combine = ScalarOp::None;
  bool arg = false;
};

enum class ControlFlowKind { None, Cond, WhileLoop, ForiLoop, Scan };

// Composite: what the primitive evaluates to, written with the DSL's ops (traced into the
// graph before lowering, so every backend sees only the primitives it expands to).
using ExpandFn =
    std::function<std::vector<Value>(std::span<const Value> inputs, const Params& params)>;

// What a jit host step runs for one equation, made once per compiled program by a
// primitive's optional `host_lowering` (without one, the step calls `impl` with the
// equation's params). A primitive that prepares work per program uses it: pmap compiles
// its body with the enclosing jit's options once and keeps it with the program.
using HostRunFn = std::function<std::vector<Array>(std::span<const Array> inputs)>;
using HostLoweringFn = std::function<HostRunFn(const Params& params, const JitOptions& options)>;

struct Primitive {
  std::string name;
  std::string family;
  AbstractEvalFn abstract_eval;
  ImplFn impl;
  Rule<BatchFn> batch;
  Rule<JvpFn> jvp;
  Rule<VjpFn> vjp;
  LoweringKind lowering = LoweringKind::Unset;
  ScalarOp scalar_op = ScalarOp::None;                   // Elementwise
  IndexMapFn index_map;                                  // IndexMap
  ReductionLowering reduction;                           // Reduction
  ControlFlowKind control_flow = ControlFlowKind::None;  // ControlFlow
  ExpandFn expand;                                       // Composite
  HostLoweringFn host_lowering;                          // optional, for Host
};

// The registry. Lookups by name throw InternalError for unknown names.
const Primitive& primitive(std::string_view name);
const Primitive* find_primitive(std::string_view name);
std::vector<const Primitive*> all_primitives();
// Registers a primitive; the family files call this from their register_* function.
const Primitive& register_primitive(Primitive p);

// True if IndexMap primitive `p` maps every result coordinate to itself for an operand and
// result of these types (a broadcast, transpose or slice that changes nothing).
bool is_identity_index_map(const Primitive& p, const AbstractValue& operand,
                           const AbstractValue& result, const Params& params);

// Applies the shape rule and, in debug/test builds, checks its output count.
AvalList abstract_eval(const Primitive& p, std::span<const AbstractValue> inputs,
                       const Params& params);

}  // namespace lanes::internal
