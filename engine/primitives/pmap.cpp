// The pmap primitive: `outs = pmap[body, axis_name, in_axes, out_axes, axis_size](ins)`
// runs the per-replica graph `body` once per replica, each on its own thread with its
// slice of the mapped inputs, and stacks the replicas' outputs.
//
// The reference implementation is the runtime of pmap: it compiles `body` once (kernels
// single-threaded, since each replica is one device thread; under jit with the enclosing
// jit's options, kept by the program's host step), slices inputs as views where the
// slice is contiguous (axis 0), runs the replicas on the persistent device workers
// (runtime/device_workers.h) with a fresh ThreadCommunicator bound to axis_name in their
// replica context, and, when a
// replica throws, aborts the communicator (releasing the others) and rethrows the first
// error. When the devices span several MPI processes (an mpirun job), every process is
// handed the whole input, runs its own replicas with the MPI world communicator, and
// all-gathers the outputs, so every process returns what the threaded runtime returns.
// Being a primitive with a sub-graph (as JAX's xla_pmap), pmap composes with the
// transformations: vmap, jvp and vjp of pmap are pmap of the transformed body.
#include <lanes/ops.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "engine/compile_cache.h"
#include "engine/hip_compile.h"
#include "engine/primitive.h"
#include "engine/primitives/batching.h"
#include "engine/primitives/families.h"
#include "engine/trace.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/vjp.h"
#include "engine/transforms/vmap.h"
#include "runtime/device_workers.h"
#include "runtime/process_group.h"
#include "runtime/replica_context.h"
#include "runtime/thread_communicator.h"

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
  bool on_hip(std::size_t r) const { return !hip_devices.empty() && hip_devices.at(r) >= 0; }
};

Shape insert_axis(Shape s, std::int64_t axis, std::int64_t n) {
  if (axis >= 0) s.insert(s.begin() + axis, n);
  return s;
}

AvalList pmap_eval(std::span<const AbstractValue> in, const Params& params) {
  PmapParams p(params);
  AvalList body_in = p.body->input_avals();
  if (in.size() != body_in.size() || p.in_axes.size() != in.size()) {
    throw InternalError("pmap: " + std::to_string(in.size()) + " operands for a body of " +
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

// The per-replica program of one pmap equation, compiled on first use (not at lowering:
// the enclosing jit may still be compiling on this thread) and kept by its owner: the
// jitted program's host step, or the interpreter's cache below. After the first call a
// lookup is one atomic load. It does not hold the body graph (the interpreter's cache
// must see the graph expire), so every call passes the same `body`.
class ReplicaProgram {
 public:
  explicit ReplicaProgram(const JitOptions& options) : options_(options) {
    options_.parallel = false;  // a replica is one device thread
  }

  const Executable& get(const Graph& body) {
    if (const Executable* e = ready_.load(std::memory_order_acquire)) return *e;
    std::lock_guard lock(mu_);  // first calls only; a failed compile is retried next call
    if (!exe_) {
      exe_ = compile_cached(body, options_);
      ready_.store(exe_.get(), std::memory_order_release);
    }
    return *exe_;
  }
  const JitOptions& options() const { return options_; }

 private:
  JitOptions options_;
  std::mutex mu_;
  std::shared_ptr<Executable> exe_;
  std::atomic<const Executable*> ready_{nullptr};
};

// The interpreter's programs (a pmap evaluated outside jit, with default options), per
// body graph while the graph lives. Hits take a shared lock; expired entries are swept
// when the map has doubled since the last sweep, so a miss costs amortized O(1).
std::shared_ptr<ReplicaProgram> interpreter_program(const GraphRef& body) {
  struct Entry {
    std::weak_ptr<const Graph> graph;
    std::shared_ptr<ReplicaProgram> program;
  };
  struct Cache {
    std::shared_mutex mu;
    std::unordered_map<const Graph*, Entry> map;
    std::size_t sweep_at = 64;
  };
  // Never destroyed: executables must not outlive the JIT, whose static destruction order
  // relative to this cache is unknown (freeing code after the JIT is gone hangs at exit).
  static auto* cache = new Cache;
  {
    std::shared_lock lock(cache->mu);
    auto it = cache->map.find(body.get());
    if (it != cache->map.end() && it->second.graph.lock() == body) return it->second.program;
  }
  std::unique_lock lock(cache->mu);
  Entry& e = cache->map[body.get()];
  if (e.graph.lock() != body) e = {body, std::make_shared<ReplicaProgram>(JitOptions{})};
  std::shared_ptr<ReplicaProgram> program = e.program;
  if (cache->map.size() >= cache->sweep_at) {
    std::erase_if(cache->map, [](const auto& kv) { return kv.second.graph.expired(); });
    cache->sweep_at = std::max<std::size_t>(64, 2 * cache->map.size());
  }
  return program;
}

// The body compiled for HIP device `device` (cached while the graph lives).
std::shared_ptr<Executable> hip_replica_executable(const GraphRef& body, std::int64_t device,
                                                   const JitOptions& options) {
  return hip_executable_for(body, static_cast<int>(device), options);
}

// Replica r's slice of x along `axis`: a view for axis 0 (contiguous), a copy otherwise.
Array shard(const Array& x, std::int64_t axis, std::int64_t r) {
  Shape s = x.shape();
  s.erase(s.begin() + axis);
  if (axis == 0) {
    const std::size_t bytes = x.nbytes() / static_cast<std::size_t>(x.shape()[0]);
    auto* base = static_cast<unsigned char*>(const_cast<void*>(x.raw()));
    return Array::view_raw(base + static_cast<std::size_t>(r) * bytes, x.dtype(), s);
  }
  Ints lo(x.shape().size(), 0), hi = x.shape(), st(x.shape().size(), 1);
  lo[static_cast<std::size_t>(axis)] = r;
  hi[static_cast<std::size_t>(axis)] = r + 1;
  Array piece = primitive("slice").impl(
      std::span<const Array>(&x, 1),
      Params{{"start_indices", lo}, {"limit_indices", hi}, {"strides", st}})[0];
  return piece.reshaped(s);
}

// The replicas' k-th outputs stacked along `axis`.
Array stitch(const std::vector<std::vector<Array>>& results, std::size_t k, std::int64_t axis) {
  const Array& first = results[0][k];
  if (axis < 0) return first;
  Shape s = insert_axis(first.shape(), 0, static_cast<std::int64_t>(results.size()));
  Array out = Array::empty(first.dtype(), s);
  auto* dst = static_cast<unsigned char*>(out.raw());
  for (std::size_t r = 0; r < results.size(); ++r) {
    if (first.nbytes() > 0)
      std::memcpy(dst + r * first.nbytes(), results[r][k].raw(), first.nbytes());
  }
  return move_array_axis(out, 0, axis);
}

// The communicator of a pmap over every device of the MPI job (the plugin creates it on
// first use and reuses it: creation is collective).
ProcessGroup& job_process_group(std::int64_t n) {
  ProcessGroup* group = process_group();
  if (group == nullptr) {
    throw InternalError("pmap: devices of several processes outside an MPI job (n = " +
                        std::to_string(n) + ")");
  }
  return *group;
}

// Every replica's outputs, stacked along a new axis 0: this process' results all-gathered
// from every process (one collective per output, made by each local replica in the same
// order). Only the replica that `keep`s stores them.
void gather_outputs(Communicator& comm, int r, std::int64_t n, const std::vector<Array>& local,
                    std::vector<Array>* keep) {
  for (const Array& mine : local) {
    Array gathered = Array::empty(mine.dtype(), insert_axis(mine.shape(), 0, n));
    comm.all_gather(r, mine.dtype(), mine.raw(), gathered.raw(),
                    static_cast<std::size_t>(mine.size()));
    if (keep != nullptr) keep->push_back(std::move(gathered));
  }
}

std::vector<Array> pmap_run(std::span<const Array> in, const PmapParams& p,
                            ReplicaProgram& program) {
  const auto n = static_cast<std::size_t>(p.n);
  const Executable* exe = nullptr;  // the CPU replicas' program
  for (std::size_t r = 0; r < n && exe == nullptr; ++r) {
    if (!p.on_hip(r)) exe = &program.get(*p.body);
  }
  const std::vector<AxisBinding> parent = replica_bindings();
  // Threads: every replica here. Across processes: this process' replicas [first, end);
  // every process is handed the whole input and returns the whole output.
  std::shared_ptr<Communicator> comm;
  std::size_t first = 0, end = n;
  if (p.multi_process != 0) {
    if (!parent.empty()) {
      throw UnsupportedError("pmap: a pmap across MPI processes inside another pmap");
    }
    ProcessGroup& group = job_process_group(p.n);
    comm = group.world_communicator();
    if (comm->size() != p.n) {
      throw ArgumentError("pmap: " + std::to_string(p.n) + " devices given, but a pmap across MPI " +
                          "processes runs on every device of the job (" +
                          std::to_string(comm->size()) + ")");
    }
    first = static_cast<std::size_t>(group.first_replica());
    end = first + static_cast<std::size_t>(group.local_replicas());
  } else {
    comm = std::make_shared<ThreadCommunicator>(static_cast<int>(n));
  }
  std::vector<std::vector<Array>> shards(n), results(n);
  std::vector<Array> gathered;  // multi-process: every replica's outputs, per output
  for (std::size_t r = first; r < end; ++r) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      shards[r].push_back(
          p.in_axes[i] < 0 ? in[i] : shard(in[i], p.in_axes[i], static_cast<std::int64_t>(r)));
    }
  }
  std::mutex error_mu;
  std::exception_ptr first_error;
  auto run_replica = [&](std::size_t r) {
    try {
      std::vector<AxisBinding> bindings = parent;
      bindings.push_back({p.axis_name, static_cast<int>(r), static_cast<int>(n), comm});
      ReplicaScope scope(std::move(bindings));
      // A GPU replica runs the body compiled for its device; its collectives are host
      // steps, so they reach the communicator through host staging.
      results[r] =
          p.on_hip(r)
              ? hip_replica_executable(p.body, p.hip_devices[r], program.options())->run(shards[r])
              : exe->run(shards[r]);
      if (p.multi_process != 0) {
        gather_outputs(*comm, static_cast<int>(r), p.n, results[r],
                       r == first ? &gathered : nullptr);
      }
    } catch (...) {
      std::string what = "unknown error";
      try {
        throw;
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      {
        // Recorded before abort: errors that the abort causes in the others come later.
        std::lock_guard lock(error_mu);
        if (!first_error) first_error = std::current_exception();
      }
      comm->abort("replica " + std::to_string(r) + ": " + what);
    }
  };
  // The calling thread is this process' first replica, device workers run the others.
  run_on_devices(end - first, [&](std::size_t k) { run_replica(first + k); });
  if (first_error) std::rethrow_exception(first_error);
  if (p.multi_process != 0) {  // views of the gathered outputs, alive until stitched
    for (std::size_t r = 0; r < n; ++r) {
      results[r].clear();
      for (const Array& g : gathered)
        results[r].push_back(shard(g, 0, static_cast<std::int64_t>(r)));
    }
  }
  std::vector<Array> out;
  for (std::size_t k = 0; k < p.out_axes.size(); ++k)
    out.push_back(stitch(results, k, p.out_axes[k]));
  return out;
}

std::vector<Array> pmap_impl(std::span<const Array> in, const Params& params) {
  PmapParams p(params);
  std::shared_ptr<ReplicaProgram> program = interpreter_program(p.body);
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
