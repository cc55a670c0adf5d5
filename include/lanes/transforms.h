// Transformations of lanes::Fn beyond jit: vmap (automatic batching).
//
// vmap(f) is a function that maps f over an axis of its arguments, as jax.vmap: f is
// written for one element, and vmap(f) runs it on a whole batch at once, by rewriting
// f's graph (not by looping). It composes with jit and with itself in any order.
//
//   // f works on one vector; vmap(f) on a batch of vectors (rows of xs).
//   lanes::Fn norm = lanes::fn([](lanes::Value v) { return lanes::sqrt(lanes::sum(v * v)); });
//   lanes::Array xs = lanes::Array::zeros(lanes::DType::F64, {1000, 3});
//   lanes::Array norms = lanes::vmap(norm)(xs);                    // f64[1000]
//
//   // Per-example matrix-vector products: W shared (not mapped), xs mapped along axis 1.
//   lanes::Fn mv = lanes::fn([](lanes::Value W, lanes::Value x) { return lanes::dot(W, x); });
//   lanes::Array ys = lanes::vmap(mv, {lanes::none, 1})(W, xs_by_column);
//
//   // Compiled: one fused loop whose SIMD lanes are the batch elements.
//   lanes::Fn fast = lanes::jit(lanes::vmap(f));
#pragma once

#include <lanes/fn.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// The marker for "not mapped": an argument that every batch element shares (in_axes), or
// an output that does not depend on the batch (out_axes).
struct NoneAxis {
  bool operator==(const NoneAxis&) const = default;
};
inline constexpr NoneAxis none{};

// One entry of in_axes/out_axes: an axis index (negative counts from the end) or none.
class Axis {
 public:
  Axis(int axis) : axis_(axis), mapped_(true) {}           // NOLINT(google-explicit-constructor)
  Axis(std::int64_t axis) : axis_(axis), mapped_(true) {}  // NOLINT(google-explicit-constructor)
  Axis(NoneAxis) {}                                        // NOLINT(google-explicit-constructor)
  bool mapped() const { return mapped_; }
  std::int64_t index() const { return axis_; }  // meaningful only when mapped()
  std::string to_string() const { return mapped_ ? std::to_string(axis_) : "none"; }

 private:
  std::int64_t axis_ = 0;
  bool mapped_ = false;
};

// in_axes / out_axes: a single Axis for every argument (output), or a list with one Axis
// per argument (output):  vmap(f, 0),  vmap(f, {lanes::none, 0, -1}),  vmap(f, 0, 1).
class AxisSpec {
 public:
  AxisSpec(int axis) : all_(axis) {}           // NOLINT(google-explicit-constructor)
  AxisSpec(std::int64_t axis) : all_(axis) {}  // NOLINT(google-explicit-constructor)
  AxisSpec(NoneAxis n) : all_(n) {}            // NOLINT(google-explicit-constructor)
  AxisSpec(std::initializer_list<Axis> per) : per_(per), is_list_(true) {}
  AxisSpec(std::vector<Axis> per) : per_(std::move(per)), is_list_(true) {}  // NOLINT

  bool is_list() const { return is_list_; }
  const Axis& all() const { return all_; }               // when !is_list()
  const std::vector<Axis>& per() const { return per_; }  // when is_list()

 private:
  Axis all_{none};
  std::vector<Axis> per_;
  bool is_list_ = false;
};
using InAxes = AxisSpec;
using OutAxes = AxisSpec;

struct VmapOptions {
  // > 0: a call on arrays evaluates the batch in chunks of at most this many elements
  // (slicing the mapped arguments, calling, concatenating the results), bounding the
  // memory of a function whose intermediates are large per element (as torch.func.vmap's
  // chunk_size and lax.map's batch_size). 0: the whole batch at once. Inside another
  // trace (vmap(f) called on Values) the batch is never chunked.
  std::int64_t chunk_size = 0;
};

// Maps f over axis in_axes[i] of argument i (arguments with none are passed whole to
// every element); output j carries the batch at axis out_axes[j] (an output with none
// must not depend on the mapped arguments, and is returned once). Every mapped axis must
// have the same size, the batch size.
//
// axis_name names the mapped axis for collectives (lanes/collectives.h): psum, pmean, ...
// over it inside f reduce over the batch, as pmap's replicas would.
//
// Errors (ArgumentError, naming the argument, its shape and the axis): in_axes with a
// different number of entries than arguments, an axis out of range, mapped axes of
// different sizes, no mapped argument, out_axes that do not fit the outputs.
//
//   Fn f = fn([](Value x, Value y) { return x * y; });
//   Array r = vmap(f, {0, none})(Array::arange(0.0, 4.0), 2.0);  // [0, 2, 4, 6]
Fn vmap(const Fn& f, InAxes in_axes = 0, OutAxes out_axes = 0, std::string axis_name = "",
        VmapOptions options = {});

}  // namespace lanes
#pragma GCC visibility pop
