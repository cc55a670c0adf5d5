// lower_to_loops: buffers for materialized values and steps in equation order: fused
// kernels (consecutive values of one shape share a kernel when none reads another's
// result), host steps running a primitive's reference implementation, and the program's
// output sources. Fusion decisions are in fusion.cpp, kernel bodies in kernel_builder.cpp.
#include "engine/lower/lower.h"

#include <algorithm>
#include <memory>

#include "codegen/compile_monitor.h"
#include "codegen/loop_verify.h"
#include "engine/interpreter.h"
#include "engine/lower/fusion.h"
#include "engine/lower/kernel_builder.h"
#include "engine/lower/split_reduction.h"
#include "engine/passes/expand_composites.h"
#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal {

namespace {

// The loop-IR ops after which a kernel takes no further roots.
constexpr int kMaxKernelOps = 8192;

using lower::Coords;
using lower::KernelBuilder;

class Lowering {
 public:
  Lowering(const Graph& g, const JitOptions& options, CompileMonitor* monitor)
      : g_(g), options_(options), monitor_(monitor), plan_(lower::plan_fusion(g)) {
    buffer_of_.assign(g.vars.size(), -1);
    output_pos_.assign(g.vars.size(), -1);
    open_root_.assign(g.vars.size(), 0);
    seen_.assign(g.vars.size(), 0);
    seen_point_.assign(g.vars.size(), 0);
    for (std::size_t p = g.outputs.size(); p-- > 0;) {
      if (!g.outputs[p].is_literal())
        output_pos_[static_cast<std::size_t>(g.outputs[p].var)] = static_cast<int>(p);
    }
  }

  loop::Program run() {
    prog_.num_inputs = static_cast<int>(g_.inputs.size());
    for (std::size_t i = 0; i < g_.inputs.size(); ++i) {
      const int v = g_.inputs[i];
      buffer_of_[static_cast<std::size_t>(v)] =
          add_buffer(g_.aval(v), loop::BufferKind::Input, static_cast<int>(i));
    }
    for (std::size_t i = 0; i < g_.eqns.size(); ++i) {
      lower_equation(g_.eqns[i], plan_.eqn_kind[i]);
      if (monitor_) monitor_->advance(i + 1);
    }
    flush();
    for (std::size_t p = 0; p < g_.outputs.size(); ++p)
      add_output(g_.outputs[p], static_cast<int>(p));
    return std::move(prog_);
  }

 private:
  int add_buffer(const AbstractValue& av, loop::BufferKind kind, int io_index = -1,
                 Array constant = {}) {
    loop::Buffer b;
    b.dtype = av.dtype;
    b.shape = av.shape;
    b.kind = kind;
    b.io_index = io_index;
    b.constant = std::move(constant);
    prog_.buffers.push_back(std::move(b));
    return static_cast<int>(prog_.buffers.size()) - 1;
  }

  // The buffer that will hold materialized var v: an Output buffer if v is a graph output.
  int result_buffer(int v) {
    const std::size_t vu = static_cast<std::size_t>(v);
    if (buffer_of_[vu] < 0) {
      const int pos = output_pos_[vu];
      buffer_of_[vu] =
          add_buffer(g_.aval(v), pos >= 0 ? loop::BufferKind::Output : loop::BufferKind::Temp, pos);
    }
    return buffer_of_[vu];
  }

  std::string kernel_name(const std::string& prim) const {
    return "k" + std::to_string(prog_.steps.size()) + "_" + prim;
  }

  void lower_equation(const Equation& e, LoweringKind kind) {
    switch (kind) {
      case LoweringKind::Host:
        flush();
        return lower_host(e);
      case LoweringKind::Constant:
        buffer_of_[static_cast<std::size_t>(e.outputs[0])] = add_buffer(
            g_.aval(e.outputs[0]), loop::BufferKind::Constant, -1, e.params.get<Array>("value"));
        return;
      case LoweringKind::Concatenate:
        flush();
        return lower_concatenate(e);
      case LoweringKind::Reduction:
        if (plan_.materialized[static_cast<std::size_t>(e.outputs[0])]) {
          if (auto split = lower::plan_reduction_split(g_, e)) {
            flush();
            return lower_split_reduction(e, *split);
          }
        }
        break;
      default:
        break;
    }
    // Each materialized output (control flow has several) is stored by a kernel; the
    // others are inlined into their consumers.
    for (int v : e.outputs) {
      if (!plan_.materialized[static_cast<std::size_t>(v)]) continue;
      const AbstractValue& av = g_.aval(v);
      // Values of one shape computed one after the other share a kernel (and its loads and
      // common subexpressions, and a loop's other results), unless the new one reads what
      // the open kernel stores elsewhere than at its own point, the kernel already has
      // kMaxKernelOps loop-IR ops, or the new one is in another segment of fusion rule 4:
      // so LLVM's work per function, and the live ranges in it, stay bounded.
      const int segment = plan_.producer[static_cast<std::size_t>(v)] / lower::kSegmentEqns;
      if (open_ && (open_shape_ != av.shape || open_->num_ops() >= kMaxKernelOps ||
                    open_segment_ != segment || depends_on_open(v))) {
        flush();
      }
      if (open_) {
        if (open_roots_.empty() || plan_.producer[static_cast<std::size_t>(open_roots_.back())] !=
                                       plan_.producer[static_cast<std::size_t>(v)]) {
          open_->add_name(e.prim->name);
        }
      } else {
        open_ = std::make_unique<KernelBuilder>(g_, plan_, buffer_of_, kernel_name(e.prim->name),
                                                av.shape);
        open_shape_ = av.shape;
        open_segment_ = segment;
      }
      Coords c = open_->parallel_coords();
      const int value = open_->emit_root(v, c);
      open_->store(result_buffer(v), av.shape, c, value);
      open_roots_.push_back(v);
      open_root_[static_cast<std::size_t>(v)] = 1;
    }
  }

  void flush() {
    if (!open_) return;
    prog_.steps.push_back(open_->finish());
    open_.reset();
    for (int v : open_roots_) open_root_[static_cast<std::size_t>(v)] = 0;
    open_roots_.clear();
  }

  // True if computing v would load a value stored by the open kernel. Reading one at the
  // point where the kernel stores it is no load (the kernel builder reuses the stored
  // register), so a chain of materialized values of one shape stays one kernel: v is read
  // at the kernel's point, and so is each operand of an elementwise op of that shape.
  // The walk covers v's inlined producers only; `seen_` is stamped per walk (per var and
  // whether it is reached at the kernel's point), so many roots do not cost a pass over
  // the graph each.
  bool depends_on_open(int v) {
    ++walk_;
    std::vector<std::pair<int, bool>> stack{{v, true}};
    while (!stack.empty()) {
      const auto [u, at_point] = stack.back();
      stack.pop_back();
      const int prod = plan_.producer[static_cast<std::size_t>(u)];
      if (prod < 0) continue;
      const Equation& e = g_.eqns[static_cast<std::size_t>(prod)];
      const bool pointwise =
          at_point && plan_.eqn_kind[static_cast<std::size_t>(prod)] == LoweringKind::Elementwise;
      for (const Atom& a : e.inputs) {
        if (a.is_literal()) continue;
        const auto au = static_cast<std::size_t>(a.var);
        const bool same_point = pointwise && g_.aval(a.var).shape == open_shape_;
        int& stamp = same_point ? seen_point_[au] : seen_[au];
        if (stamp == walk_) continue;
        stamp = walk_;
        if (open_root_[au] != 0) {
          if (!same_point) return true;
          continue;
        }
        if (!plan_.materialized[au]) stack.emplace_back(a.var, same_point);
      }
    }
    return false;
  }

  // One kernel per operand, each storing into its slab of the result.
  void lower_concatenate(const Equation& e) {
    const int v = e.outputs[0];
    const AbstractValue& av = g_.aval(v);
    const int b = result_buffer(v);
    const auto dim = static_cast<std::size_t>(e.params.get_int("dimension"));
    std::int64_t start = 0;
    for (const Atom& a : e.inputs) {
      const AbstractValue ia = g_.aval(a);
      if (ia.size() > 0) {
        KernelBuilder kb(g_, plan_, buffer_of_, kernel_name(e.prim->name), ia.shape);
        Coords c = kb.parallel_coords();
        const int value = kb.emit(a, c);
        Coords out = c;
        out[dim].offset += start;
        kb.store(b, av.shape, out, value);
        prog_.steps.push_back(kb.finish());
      }
      start += ia.shape.at(dim);
    }
  }

  // A full reduction in two or three kernels: per-lane partials over groups, their fold
  // per lane (with most of the rest), then the fold of the lanes with the last elements
  // (split_reduction.h).
  void lower_split_reduction(const Equation& e, const lower::ReductionSplit& split) {
    const int v = e.outputs[0];
    const std::int64_t lanes = lower::kSplitLanes;
    const bool arg = e.prim->reduction.arg;
    std::vector<DType> state_dtypes{arg ? g_.aval(e.inputs[0]).dtype : g_.aval(v).dtype};
    if (arg) state_dtypes.push_back(g_.aval(v).dtype);
    auto store_state = [&](KernelBuilder& k, const Shape& shape, const std::vector<int>& state) {
      std::vector<int> bufs;
      for (std::size_t c = 0; c < state.size(); ++c) {
        bufs.push_back(add_buffer(AbstractValue{state_dtypes[c], shape}, loop::BufferKind::Temp));
        k.store(bufs.back(), shape, k.parallel_coords(), state[c]);
      }
      return bufs;
    };
    const std::int64_t covered = split.groups * lanes * split.per_lane;

    const Shape pshape{split.groups, lanes};
    KernelBuilder k1(g_, plan_, buffer_of_, kernel_name(e.prim->name + "_partials"), pshape);
    KernelBuilder::ReduceRange group;
    group.axis = split.axis;
    group.base.terms = {{0, lanes * split.per_lane}, {1, 1}};  // p * lanes * M + j
    group.step = lanes;
    group.trips = split.per_lane;
    std::vector<int> partials =
        store_state(k1, pshape, k1.emit_reduction(e, {}, k1.reduction_identity(e), &group));
    prog_.steps.push_back(k1.finish());

    if (split.groups > 1) {
      const Shape lshape{lanes};
      KernelBuilder kl(g_, plan_, buffer_of_, kernel_name(e.prim->name + "_lanes"), lshape);
      KernelBuilder::ReduceRange rows;
      rows.axis = split.axis;
      rows.base.terms = {{0, 1}};  // covered + lanes * i + j
      rows.base.offset = covered;
      rows.step = lanes;
      rows.trips = split.lane_rest;
      std::vector<int> state =
          kl.emit_fold_lanes(e, partials, split.groups, kl.reduction_identity(e),
                             split.lane_rest > 0 ? &rows : nullptr);
      partials = store_state(kl, lshape, state);
      prog_.steps.push_back(kl.finish());
    }

    // The last elements: under 16, or a rest that spans other reduced axes (a matrix's
    // last columns).
    KernelBuilder k2(g_, plan_, buffer_of_, kernel_name(e.prim->name), {});
    KernelBuilder::ReduceRange rest;
    rest.axis = split.axis;
    rest.base.offset = covered + split.lane_rest * lanes;
    rest.trips = split.rest;
    std::vector<int> state = k2.emit_fold_partials(e, partials, lanes, k2.reduction_identity(e),
                                                   split.rest > 0 ? &rest : nullptr);
    k2.store(result_buffer(v), {}, {}, state.back());
    prog_.steps.push_back(k2.finish());
  }

  void lower_host(const Equation& e) {
    loop::HostStep h;
    h.name = e.prim->name;
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) {
        h.inputs.push_back(add_buffer(literal_aval(a.literal), loop::BufferKind::Constant, -1,
                                      literal_array(a.literal)));
      } else {
        const int b = buffer_of_[static_cast<std::size_t>(a.var)];
        if (b < 0) {
          LANES_FAIL("lower: operand of " + e.prim->name + " is not materialized");
        }
        h.inputs.push_back(b);
      }
    }
    for (int o : e.outputs) h.outputs.push_back(result_buffer(o));
    const Primitive* prim = e.prim;
    Params params = e.params;
    if (prim->host_lowering) {
      h.run = prim->host_lowering(params, options_);
    } else {
      h.run = [prim, params](std::span<const Array> args) { return prim->impl(args, params); };
    }
    prog_.steps.push_back(std::move(h));
  }

  void add_output(const Atom& a, int pos) {
    loop::OutputSource src;
    if (a.is_literal()) {
      src.literal = a.literal.value;
      prog_.outputs.push_back(src);
      return;
    }
    const std::size_t v = static_cast<std::size_t>(a.var);
    int b = buffer_of_[v];
    if (b >= 0 && prog_.buffers[static_cast<std::size_t>(b)].kind == loop::BufferKind::Constant) {
      // A constant result is copied, so the caller cannot modify the program's constant.
      const AbstractValue& av = g_.aval(a.var);
      const int out = add_buffer(av, loop::BufferKind::Output, pos);
      KernelBuilder kb(g_, plan_, buffer_of_, kernel_name("copy"), av.shape);
      Coords c = kb.parallel_coords();
      kb.store(out, av.shape, c, kb.emit(a, c));
      prog_.steps.push_back(kb.finish());
      buffer_of_[v] = out;
      b = out;
    }
    if (b < 0) LANES_FAIL("lower: output " + std::to_string(pos) + " has no buffer");
    src.buffer = b;
    prog_.outputs.push_back(src);
  }

  const Graph& g_;
  JitOptions options_;  // handed to host steps that compile sub-programs (pmap)
  CompileMonitor* monitor_;
  lower::FusionPlan plan_;
  std::vector<int> buffer_of_;
  std::vector<int> output_pos_;
  loop::Program prog_;
  std::unique_ptr<KernelBuilder> open_;  // the kernel being built, if any
  Shape open_shape_;
  int open_segment_ = 0;
  std::vector<int> open_roots_;  // the values it stores
  std::vector<char> open_root_;  // per var: whether open_roots_ holds it
  std::vector<int> seen_;        // per var: the last depends_on_open walk that reached it
  std::vector<int> seen_point_;  // ... at the kernel's point
  int walk_ = 0;
};

}  // namespace

loop::Program lower_to_loops(const Graph& g, const JitOptions& options, CompileMonitor* monitor) {
  // Composites lower as what they expand to, whoever calls (jit's pass list has expanded
  // them already, so that its clean-ups see through them; the AMDGPU and pmap paths and tests
  // may not). Precision and vector width matter to the backend, and to host steps that compile.
  if (has_composites(g))
    return loop::verified(Lowering(expand_composites(g), options, monitor).run());
  return loop::verified(Lowering(g, options, monitor).run());
}

}  // namespace lanes::internal
