// lanes::pmap: a Fn whose graph for a signature is one `pmap` equation
// (engine/primitives/pmap.cpp) holding the wrapped Fn's per-replica graph, traced with the
// axis name bound to the device count so collectives inside can see it.
#include <lanes/pmap.h>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "frontend/axis_spec.h"
#include "frontend/fn_impl.h"
#include "runtime/devices.h"
#include "runtime/replica_context.h"

namespace lanes {

namespace internal {
namespace {

using Ints = std::vector<std::int64_t>;

class PmapFn final : public FnImpl {
 public:
  PmapFn(Fn inner, std::string axis_name, AxisSpec in_axes, AxisSpec out_axes, int num_devices,
         bool multi_process, Ints hip_devices)
      : FnImpl("pmap(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        axis_name_(std::move(axis_name)),
        in_axes_(std::move(in_axes)),
        out_axes_(std::move(out_axes)),
        n_(num_devices),
        multi_process_(multi_process),
        hip_devices_(std::move(hip_devices)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    MappedArgs mapped = normalize_in_axes(name(), in_axes_, sig);
    const Ints& in_axes = mapped.dims;
    Signature inner_sig = std::move(mapped.inner_sig);
    bool any = false;
    for (std::size_t i = 0; i < sig.size(); ++i) {
      inner_sig[i].weak = false;  // replicas receive arrays, not scalars
      const std::int64_t d = in_axes[i];
      if (d < 0) continue;
      const std::int64_t extent = sig[i].shape[static_cast<std::size_t>(d)];
      if (extent != n_) {
        throw ArgumentError(name() + ": " + describe_arg(i, sig[i]) + " has extent " +
                            std::to_string(extent) + " along mapped axis " + std::to_string(d) +
                            ", but pmap runs on " + std::to_string(n_) +
                            " devices; the mapped axis must have one entry per device");
      }
      any = true;
    }
    if (!any) throw ArgumentError(name() + ": no argument is mapped (in_axes are all none)");
    GraphRef body;
    {
      AxisEnvScope env(axis_name_, n_);
      body = inner_.impl()->graph_for(inner_sig);
    }
    Ints out_axes = out_axes_for(*body);
    Params params{{"body", body},
                  {"axis_name", axis_name_},
                  {"in_axes", in_axes},
                  {"out_axes", out_axes},
                  {"axis_size", std::int64_t{n_}},
                  {"multi_process", std::int64_t{multi_process_ ? 1 : 0}}};
    if (!hip_devices_.empty()) params.set("hip_devices", hip_devices_);
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> ins) {
      return internal::bind(primitive("pmap"), ins, params);
    });
    return t.graph;
  }

 private:
  Ints out_axes_for(const Graph& body) const {
    // An output with out_axes none is replicated: pmap returns replica 0's value.
    return normalize_out_axes(name(), out_axes_, body.output_avals(), "per-replica", "replica");
  }

  Fn inner_;
  std::string axis_name_;
  AxisSpec in_axes_;
  AxisSpec out_axes_;
  int n_;
  bool multi_process_;
  Ints hip_devices_;  // per replica: its HIP device, or -1 (CPU); empty: all on the CPU
};

}  // namespace
}  // namespace internal

namespace {

std::string device_names(const std::vector<Device>& devices) {
  std::string out = "[";
  for (std::size_t i = 0; i < devices.size(); ++i) out += (i ? ", " : "") + devices[i].name;
  return out + "]";
}

}  // namespace

Fn pmap(const Fn& f, std::string axis_name, InAxes in_axes, OutAxes out_axes,
        std::vector<Device> devices) {
  if (!f.impl()) throw ArgumentError("pmap of an empty lanes::Fn");
  if (axis_name.empty()) throw ArgumentError("pmap: axis_name must not be empty");
  if (devices.empty()) {  // the CPU devices: GPUs are used only when asked for
    for (const Device& d : lanes::devices()) {
      if (d.kind == DeviceKind::Cpu) devices.push_back(d);
    }
  }
  // Devices of other MPI processes: this process runs its own replicas, MPI carries the
  // collectives (every process must then pass all of the job's devices).
  const int here = internal::this_process();
  bool multi_process = false;
  for (const Device& d : devices) multi_process = multi_process || d.process != here;
  std::vector<std::int64_t> hip_devices;
  for (const Device& d : devices) {
    if (d.kind != DeviceKind::Hip) continue;
    internal::check_hip_device(d, "pmap");
    hip_devices.resize(devices.size(), -1);
  }
  if (multi_process && !hip_devices.empty()) {
    throw UnsupportedError("pmap: HIP devices in a pmap across MPI processes");
  }
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (!hip_devices.empty() && devices[i].kind == DeviceKind::Hip)
      hip_devices[i] = devices[i].index;
    for (std::size_t j = 0; j < i; ++j) {
      if (devices[i] == devices[j]) {
        throw ArgumentError("pmap: device " + devices[i].name + " is listed twice");
      }
    }
  }
  if (multi_process) {
    // Across processes the collectives use the job's one MPI communicator, whose replicas
    // are every CPU device of the job in global order: no sub-communicator for a subset.
    std::vector<Device> all;
    for (const Device& d : lanes::devices()) {
      if (d.kind == DeviceKind::Cpu) all.push_back(d);
    }
    if (devices != all) {
      throw ArgumentError("pmap: devices " + device_names(devices) + " are neither all of this " +
                          "MPI process (p" + std::to_string(here) + ") nor every device of the " +
                          "MPI job in order " + device_names(all) + "; a pmap runs on devices " +
                          "of one process (threads) or on all of lanes::devices() (MPI)");
    }
  }
  return Fn(std::make_shared<internal::PmapFn>(
      f, std::move(axis_name), std::move(in_axes), std::move(out_axes),
      static_cast<int>(devices.size()), multi_process, std::move(hip_devices)));
}

}  // namespace lanes
