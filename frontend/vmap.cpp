// lanes::vmap: a Fn whose graph for a batched signature is the vmap pass applied to the
// wrapped Fn's graph for the per-element signature (the mapped axes removed).
#include "engine/transforms/vmap.h"

#include <lanes/transforms.h>

#include <algorithm>

#include "engine/ir/params.h"
#include "engine/primitive.h"
#include "frontend/axis_spec.h"
#include "frontend/fn_impl.h"
#include "runtime/replica_context.h"

namespace lanes {

namespace internal {
namespace {

using Dims = std::vector<std::int64_t>;

// What a call with a given (batched) signature maps.
struct Plan {
  Dims in_dims;  // normalized, -1 for unmapped
  std::int64_t batch_size = 0;
  Signature inner_sig;  // the per-element signature
};

class VmapFn final : public FnImpl {
 public:
  VmapFn(Fn inner, AxisSpec in_axes, AxisSpec out_axes, std::string axis_name, VmapOptions options)
      : FnImpl("vmap(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        in_axes_(std::move(in_axes)),
        out_axes_(std::move(out_axes)),
        axis_name_(std::move(axis_name)),
        options_(options) {
    inherit_compiled(inner_);
  }

  const std::string& axis_name() const { return axis_name_; }

  std::vector<Array> call(std::span<const Array> args, const Signature& sig) override {
    // A named axis is not chunked: collectives over it must see the whole batch.
    if (options_.chunk_size <= 0 || !axis_name_.empty()) return FnImpl::call(args, sig);
    Plan plan = make_plan(sig);
    if (plan.batch_size <= options_.chunk_size) return FnImpl::call(args, sig);
    return call_chunked(args, sig, plan);
  }

 protected:
  GraphRef make_graph(const Signature& sig) override {
    Plan plan = make_plan(sig);
    GraphRef inner;
    {
      // Collectives over axis_name inside f see the batch as the axis (trace time).
      AxisEnvScope env(axis_name_, plan.batch_size);
      inner = inner_.impl()->graph_for(plan.inner_sig);
    }
    Dims out_dims = out_dims_for(*inner);
    BatchAxisScope scope(axis_name_);
    return std::make_shared<const Graph>(
        vmap_graph(*inner, plan.in_dims, plan.batch_size, out_dims, name()));
  }

 private:
  Plan make_plan(const Signature& sig) const {
    MappedArgs mapped = normalize_in_axes(name(), in_axes_, sig);
    Plan plan;
    plan.in_dims = std::move(mapped.dims);
    plan.inner_sig = std::move(mapped.inner_sig);
    std::size_t first = sig.size();  // the first mapped argument
    for (std::size_t i = 0; i < sig.size(); ++i) {
      const std::int64_t d = plan.in_dims[i];
      if (d < 0) continue;
      const std::int64_t size = sig[i].shape[static_cast<std::size_t>(d)];
      if (first == sig.size()) {
        first = i;
        plan.batch_size = size;
      } else if (size != plan.batch_size) {
        throw ArgumentError(
            name() + ": mapped axes have different sizes: " + describe_arg(first, sig[first]) +
            " has size " + std::to_string(plan.batch_size) + " along axis " +
            std::to_string(plan.in_dims[first]) + ", but " + describe_arg(i, sig[i]) +
            " has size " + std::to_string(size) + " along axis " + std::to_string(d));
      }
    }
    if (first == sig.size()) {
      throw ArgumentError(name() + ": no argument is mapped (in_axes are all none, with " +
                          std::to_string(sig.size()) +
                          " arguments); vmap needs a mapped argument to know the batch size");
    }
    return plan;
  }

  // out_axes normalized against the outputs of the per-element graph (-1: none).
  Dims out_dims_for(const Graph& inner) const {
    return normalize_out_axes(name(), out_axes_, inner.output_avals(), "per-element", "batch");
  }

  // Evaluates chunks of at most chunk_size batch elements and concatenates the results.
  std::vector<Array> call_chunked(std::span<const Array> args, const Signature& sig,
                                  const Plan& plan) {
    Dims out_dims = out_dims_for(*inner_.impl()->graph_for(plan.inner_sig));
    const Primitive& slice = primitive("slice");
    std::vector<std::vector<Array>> parts(out_dims.size());
    std::vector<Array> unmapped;
    for (std::int64_t start = 0; start < plan.batch_size; start += options_.chunk_size) {
      std::int64_t stop = std::min(plan.batch_size, start + options_.chunk_size);
      std::vector<Array> chunk;
      Signature chunk_sig = sig;
      for (std::size_t i = 0; i < args.size(); ++i) {
        std::int64_t d = plan.in_dims[i];
        if (d < 0) {
          chunk.push_back(args[i]);
          continue;
        }
        Dims lo(static_cast<std::size_t>(args[i].rank()), 0);
        Dims hi = args[i].shape();
        lo[static_cast<std::size_t>(d)] = start;
        hi[static_cast<std::size_t>(d)] = stop;
        Params p{{"start_indices", lo}, {"limit_indices", hi}, {"strides", Dims(lo.size(), 1)}};
        chunk.push_back(slice.impl(std::span<const Array>(&args[i], 1), p)[0]);
        chunk_sig[i].shape = chunk.back().shape();
      }
      std::vector<Array> outs = FnImpl::call(chunk, chunk_sig);
      for (std::size_t k = 0; k < outs.size(); ++k) {
        if (out_dims[k] >= 0) parts[k].push_back(outs[k]);
      }
      if (start == 0) unmapped = outs;
    }
    const Primitive& concatenate = primitive("concatenate");
    std::vector<Array> result;
    for (std::size_t k = 0; k < out_dims.size(); ++k) {
      if (out_dims[k] < 0) {
        result.push_back(unmapped[k]);
      } else {
        result.push_back(concatenate.impl(parts[k], Params{{"dimension", out_dims[k]}})[0]);
      }
    }
    return result;
  }

  Fn inner_;
  AxisSpec in_axes_;
  AxisSpec out_axes_;
  std::string axis_name_;  // collectives over it reduce over the batch
  VmapOptions options_;
};

}  // namespace
}  // namespace internal

Fn vmap(const Fn& f, InAxes in_axes, OutAxes out_axes, std::string axis_name, VmapOptions options) {
  if (!f.impl()) throw ArgumentError("vmap of an empty lanes::Fn");
  if (options.chunk_size < 0) {
    throw ArgumentError("vmap: chunk_size must be >= 0 (0: no chunking), got " +
                        std::to_string(options.chunk_size));
  }
  return Fn(std::make_shared<internal::VmapFn>(f, std::move(in_axes), std::move(out_axes),
                                               std::move(axis_name), options));
}

}  // namespace lanes
