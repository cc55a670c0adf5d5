// The pmap primitive: `outs = pmap[body, axis_name, in_axes, out_axes, axis_size](ins)`
// runs the per-replica graph `body` once per replica, each on its own thread with its
// slice of the mapped inputs, and stacks the replicas' outputs.
//
// This file holds the primitive's definition: the shape rule, the transformation rules
// and the two ways it runs. Both compile `body` once into a ReplicaProgram
// (engine/replica_program.h; under jit with the enclosing jit's options, kept by the
// program's host step; in the interpreter kept by the engine context) and hand the
// replicas to the runtime's replica runner (runtime/replica_runner.h), which owns the
// host orchestration: shards, threads, the communicator (threads or MPI) and the first
// error. Being a primitive with a sub-graph (as JAX's xla_pmap), pmap composes with the
// transformations: vmap, jvp and vjp of pmap are pmap of the transformed body.
#include <lanes/ops.h>

#include <memory>

#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/replica_program.h"
#include "engine/trace.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "runtime/check.h"
#include "runtime/replica_runner.h"

namespace lanes::internal {

namespace {

using Ints = std::vector<std::int64_t>;

struct PmapParams {
  GraphRef body;
  std::string axis_name;
  Ints in_axes, out_axes;  // -1: not mapped
  std::int64_t n = 0;
  // 1: the devices span several MPI processes (this process runs its own replicas, the
  // collectives go through the MPI world communicator); 0: threads of this process.
  std::int64_t multi_process = 0;
  // Optional: per replica, the HIP device that runs it (-1: a CPU device). Absent or
  // empty: every replica on the CPU.
  Ints hip_devices;

  explicit PmapParams(const Params& p)
      : body(p.get_graph("body")),
        axis_name(p.get<std::string>("axis_name")),
        in_axes(p.get_ints("in_axes")),
        out_axes(p.get_ints("out_axes")),
        n(p.get_int("axis_size")),
        multi_process(p.get_int("multi_process")),
        hip_devices(p.has("hip_devices") ? p.get_ints("hip_devices") : Ints{}) {}

  Params to_params() const {
    Params out{{"body", body},         {"axis_name", axis_name}, {"in_axes", in_axes},
               {"out_axes", out_axes}, {"axis_size", n},         {"multi_process", multi_process}};
    if (!hip_devices.empty()) out.set("hip_devices", hip_devices);
    return out;
  }
};

Shape insert_axis(Shape s, std::int64_t axis, std::int64_t n) {
  if (axis >= 0) s.insert(s.begin() + axis, n);
  return s;
}

AvalList pmap_eval(std::span<const AbstractValue> in, const Params& params) {
  PmapParams p(params);
  AvalList body_in = p.body->input_avals();
  if (in.size() != body_in.size() || p.in_axes.size() != in.size()) {
    LANES_FAIL("pmap: " + std::to_string(in.size()) + " operands for a body of " +
               std::to_string(body_in.size()) + " inputs");
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    AbstractValue want = body_in[i];
    want.shape = insert_axis(want.shape, p.in_axes[i], p.n);
    if (in[i].dtype != want.dtype || in[i].shape != want.shape) {
      throw ShapeError("pmap: operand " + std::to_string(i) + " is " + in[i].to_string() +
                       ", the per-replica program expects " + want.to_string() + " (in_axes " +
                       std::to_string(p.in_axes[i]) + ", " + std::to_string(p.n) + " replicas)");
    }
  }
  AvalList out = p.body->output_avals();
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k].shape = insert_axis(out[k].shape, p.out_axes.at(k), p.n);
    out[k].weak = false;
  }
  return out;
}

// One pmap call: the runtime runs the replicas (runtime/replica_runner.h), each on the
// body compiled for its device by `program`.
std::vector<Array> pmap_run(std::span<const Array> in, const PmapParams& p,
                            ReplicaProgram& program) {
  ReplicaLaunch launch{.axis_name = p.axis_name,
                       .replicas = static_cast<int>(p.n),
                       .in_axes = p.in_axes,
                       .out_axes = p.out_axes,
                       .across_processes = p.multi_process != 0};
  return run_replicas(in, launch, program.replica_fn(p.body, p.hip_devices));
}

// The interpreter: the engine context keeps the body's program while the graph lives.
std::vector<Array> pmap_impl(std::span<const Array> in, const Params& params) {
  PmapParams p(params);
  std::shared_ptr<ReplicaProgram> program = interpreter_replica_program(p.body);
  return pmap_run(in, p, *program);
}

// jit: the host step owns its compiled body, made with the enclosing jit's options.
HostRunFn pmap_host_lowering(const Params& params, const JitOptions& options) {
  auto p = std::make_shared<const PmapParams>(params);
  auto program = std::make_shared<ReplicaProgram>(options);
  return [p, program](std::span<const Array> in) { return pmap_run(in, *p, *program); };
}

// --- transformation rules: pmap of the transformed body ----------------------------

BatchResult pmap_batch(std::span<const Value> in, std::span<const std::int64_t> dims,
                       std::int64_t batch, const Params& params) {
  PmapParams p(params);
  std::vector<Value> args;
  Ints body_dims, in_axes;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::int64_t b = dims[i], a = p.in_axes[i];
    if (b < 0) {
      args.push_back(in[i]);
      body_dims.push_back(-1);
      in_axes.push_back(a);
    } else if (a < 0) {
      args.push_back(move_batch_axis(in[i], b, 0));
      body_dims.push_back(0);
      in_axes.push_back(-1);
    } else {
      // The replica axis first, the batch second: each replica sees [batch, ...].
      const std::int64_t ab = batched_axis(a, b);
      Ints perm{ab, b};
      for (std::int64_t k = 0; k < in[i].rank(); ++k) {
        if (k != ab && k != b) perm.push_back(k);
      }
      args.push_back(lanes::transpose(in[i], perm));
      body_dims.push_back(0);
      in_axes.push_back(0);
    }
  }
  Ints out_dims(p.out_axes.size(), 0), out_axes;
  for (std::int64_t o : p.out_axes) out_axes.push_back(o < 0 ? -1 : o + 1);
  PmapParams q = p;
  q.body = std::make_shared<const Graph>(
      vmap_graph(*p.body, body_dims, batch, out_dims, "vmap of pmap"));
  q.in_axes = in_axes;
  q.out_axes = out_axes;
  std::vector<Value> outs = internal::bind(primitive("pmap"), args, q.to_params());
  return BatchResult{outs, Ints(outs.size(), 0)};
}

JvpResult pmap_jvp(std::span<const Value> x, std::span<const Tangent> t, const Params& params) {
  PmapParams p(params);
  std::vector<bool> nonzero;
  std::vector<Value> args(x.begin(), x.end());
  PmapParams q = p;
  for (std::size_t i = 0; i < x.size(); ++i) {
    nonzero.push_back(t[i].has_value() && is_float(x[i].dtype()));
    if (nonzero.back()) {
      args.push_back(*t[i]);
      q.in_axes.push_back(p.in_axes[i]);
    }
  }
  JvpGraph jg = jvp_graph(*p.body, nonzero, std::vector<bool>(p.out_axes.size(), false));
  q.body = jg.graph;
  for (std::size_t k = 0; k < p.out_axes.size(); ++k) {
    if (jg.out_nonzero[k]) q.out_axes.push_back(p.out_axes[k]);
  }
  std::vector<Value> outs = internal::bind(primitive("pmap"), args, q.to_params());
  JvpResult r;
  r.outputs.assign(outs.begin(), outs.begin() + static_cast<std::ptrdiff_t>(p.out_axes.size()));
  std::size_t next = p.out_axes.size();
  for (std::size_t k = 0; k < p.out_axes.size(); ++k) {
    r.tangents.push_back(jg.out_nonzero[k] ? Tangent(outs[next++]) : std::nullopt);
  }
  return r;
}

// The cotangent of "replica 0's value" as a mapped input: c for replica 0, zeros for the
// others (concatenated, not c times a one-hot mask, so an infinite c stays out of the rest).
Value replica_zero_cotangent(const Value& c, std::int64_t n) {
  Shape one = insert_axis(c.shape(), 0, 1);
  Value first = lanes::reshape(c, one);
  if (n == 1) return first;
  return lanes::concatenate({first, lanes::full(c.dtype(), insert_axis(c.shape(), 0, n - 1), 0.0)},
                            0);
}

std::vector<Cotangent> pmap_vjp(std::span<const Value> x, std::span<const Value> y,
                                std::span<const Cotangent> ct, const Params& params) {
  PmapParams p(params);
  std::vector<bool> wants;
  for (const Value& v : x) wants.push_back(is_float(v.dtype()));
  PmapParams q = p;
  q.body = std::make_shared<const Graph>(vjp_graph(*p.body, wants, false));
  std::vector<Value> args(x.begin(), x.end());
  for (std::size_t k = 0; k < y.size(); ++k) {
    Value c = ct[k] ? *ct[k] : zeros_of(aval_of(y[k]));
    if (p.out_axes[k] < 0) {
      // An unmapped output is replica 0's value: its cotangent goes to replica 0 alone.
      c = replica_zero_cotangent(c, p.n);
      q.in_axes.push_back(0);
    } else {
      q.in_axes.push_back(p.out_axes[k]);
    }
    args.push_back(c);
  }
  q.out_axes.clear();
  for (std::size_t i = 0; i < x.size(); ++i) {
    // Unmapped inputs: every replica's cotangent, summed below.
    if (wants[i]) q.out_axes.push_back(p.in_axes[i] < 0 ? 0 : p.in_axes[i]);
  }
  std::vector<Value> outs = internal::bind(primitive("pmap"), args, q.to_params());
  std::vector<Cotangent> result;
  std::size_t next = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!wants[i]) {
      result.emplace_back(std::nullopt);
      continue;
    }
    Value c = outs[next++];
    result.emplace_back(p.in_axes[i] < 0 ? lanes::sum(c, {0}) : c);
  }
  return result;
}

}  // namespace

void register_pmap() {
  Primitive p;
  p.name = "pmap";
  p.family = "pmap";
  p.abstract_eval = pmap_eval;
  p.impl = pmap_impl;
  p.batch = Rule<BatchFn>::defined(pmap_batch);
  p.jvp = Rule<JvpFn>::defined(pmap_jvp);
  p.vjp = Rule<VjpFn>::defined(pmap_vjp);
  p.lowering = LoweringKind::Host;
  p.host_lowering = pmap_host_lowering;
  register_primitive(std::move(p));
}

}  // namespace lanes::internal
