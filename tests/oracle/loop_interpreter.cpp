// The loop-IR reference interpreter: buffers are Arrays, kernels run point by point
// with one Scalar per op id, loops run their body block trip_count times (a lane loop:
// each lane from the initial carries, then the halving fold), While and If run per point
// (the loop IR's semantics, which a SIMD backend reproduces with masks). The program is
// checked by loop::verify first (ids, scopes, dtypes, block shapes, buffers), and every
// load and store is bounds-checked as it runs, so a lowering bug shows up as an
// InternalError here rather than as a wrong number.
#include "tests/oracle/loop_interpreter.h"

#include <array>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "codegen/lane_fold.h"
#include "codegen/loop_verify.h"

namespace lanes::internal {

namespace {

using loop::AffineIndex;
using loop::Block;
using loop::Kernel;
using loop::Op;
using loop::OpKind;

std::int64_t eval_index(const AffineIndex& idx, const std::vector<std::int64_t>& vars) {
  std::int64_t off = idx.offset;
  for (const auto& [var, stride] : idx.terms) {
    off += stride * vars.at(static_cast<std::size_t>(var));
  }
  return off;
}

Scalar read_element(const Array& a, std::int64_t off) { return a.element(off); }

void write_element(Array& a, std::int64_t off, const Scalar& v) {
  visit_dtype(a.dtype(), [&](auto t) {
    using T = decltype(t);
    static_cast<T*>(a.raw())[off] = v.as<T>();
  });
}

class KernelRunner {
 public:
  KernelRunner(const Kernel& k, std::vector<Array>& buffers)
      : k_(k),
        buffers_(buffers),
        values_(static_cast<std::size_t>(k.num_ops)),
        vars_(static_cast<std::size_t>(k.num_index_vars), 0) {}

  void run() {
    for (std::int64_t e : k_.extents) {
      if (e <= 0) return;
    }
    std::vector<std::int64_t>& idx = vars_;
    const std::size_t rank = k_.extents.size();
    for (;;) {
      run_block(k_.body);
      for (const loop::Store& s : k_.stores) {
        Array& b = buffer(s.buffer);
        std::int64_t off = eval_index(s.index, vars_);
        check_bounds(b, off, "store", s.buffer);
        write_element(b, off, value(s.value));
      }
      // Next point, row-major.
      std::size_t d = rank;
      while (d > 0) {
        --d;
        if (++idx[d] < k_.extents[d]) break;
        idx[d] = 0;
        if (d == 0) return;
      }
    }
  }

 private:
  Array& buffer(int id) { return buffers_[static_cast<std::size_t>(id)]; }

  void check_bounds(const Array& b, std::int64_t off, const char* what, int id) const {
    if (off < 0 || off >= b.size()) {
      throw InternalError("kernel " + k_.name + ": " + what + " out of bounds: b" +
                          std::to_string(id) + "[" + std::to_string(off) + "] of size " +
                          std::to_string(b.size()));
    }
  }

  Scalar& slot(int id) { return values_[static_cast<std::size_t>(id)]; }
  const Scalar& value(int id) { return slot(id); }

  void run_block(const Block& b) {
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      const Op& op = b.ops[i];
      switch (op.kind) {
        case OpKind::Loop:
          slot(b.ids[i]) = eval_loop(op, b.ids[i]);
          break;
        case OpKind::While:
          slot(b.ids[i]) = eval_while(op, b.ids[i]);
          break;
        case OpKind::If:
          slot(b.ids[i]) = eval_if(op, b.ids[i]);
          break;
        default:
          slot(b.ids[i]) = eval_op(op);
          break;
      }
    }
  }

  Scalar eval_op(const Op& op) {
    switch (op.kind) {
      case OpKind::Const:
        return op.value;
      case OpKind::IndexVar:
        return Scalar::of_int(op.dtype, vars_.at(static_cast<std::size_t>(op.index_var)));
      case OpKind::Load: {
        Array& b = buffer(op.buffer);
        std::int64_t off = eval_index(op.index, vars_);
        check_bounds(b, off, "load", op.buffer);
        return read_element(b, off);
      }
      case OpKind::Scalar: {
        args_.clear();
        for (int a : op.args) args_.push_back(value(a));
        std::vector<Scalar> args = args_;  // args_ is reused by nested evaluation
        return scalar_eval(op.sop, op.dtype, args);
      }
      case OpKind::Loop:
      case OpKind::While:
      case OpKind::If:
        break;  // handled by run_block, which knows its id
      case OpKind::LoopResult:
        return loop_results_.at(op.args[0])[static_cast<std::size_t>(op.result_index)];
    }
    throw InternalError("kernel " + k_.name + ": bad op kind");
  }

  // A Loop's own value is unused; its carries are kept for its LoopResult ops.
  Scalar eval_loop(const Op& op, int id) {
    const Block& body = op.blocks[0];
    std::vector<Scalar> carries;
    for (int a : op.args) carries.push_back(value(a));
    std::size_t iv = static_cast<std::size_t>(op.index_var);
    if (op.lanes) {
      loop_results_[id] = eval_lanes(op, carries);
      return Scalar{};
    }
    for (std::int64_t t = 0; t < op.trip_count; ++t) {
      vars_.at(iv) = t;
      for (std::size_t c = 0; c < carries.size(); ++c) slot(body.params[c]) = carries[c];
      run_block(body);
      for (std::size_t c = 0; c < carries.size(); ++c) carries[c] = value(body.yields[c]);
    }
    loop_results_[id] = carries;
    return Scalar{};
  }

  // A lane loop (loop::Op::lanes): each lane from `init`, then the halving fold.
  std::vector<Scalar> eval_lanes(const Op& op, const std::vector<Scalar>& init) {
    const Block& body = op.blocks[0];
    std::vector<std::vector<Scalar>> ys(init.size());  // [carry][lane]
    for (std::int64_t t = 0; t < op.trip_count; ++t) {
      vars_.at(static_cast<std::size_t>(op.index_var)) = t;
      for (std::size_t c = 0; c < init.size(); ++c) slot(body.params[c]) = init[c];
      run_block(body);
      for (std::size_t c = 0; c < init.size(); ++c) ys[c].push_back(value(body.yields[c]));
    }
    std::vector<Scalar> results;
    for (std::size_t c = 0; c < init.size(); ++c) {
      results.push_back(loop::fold_lanes(std::move(ys[c]), [&](Scalar a, Scalar b) {
        const std::array<Scalar, 2> pair{a, b};
        return scalar_eval(op.sop, body.param_dtypes[c], pair);
      }));
    }
    return results;
  }

  // Per point: while (cond(carries)) carries = body(carries).
  Scalar eval_while(const Op& op, int id) {
    const Block& cond = op.blocks[0];
    const Block& body = op.blocks[1];
    const std::size_t n = op.args.size();
    std::vector<Scalar> carries;
    for (int a : op.args) carries.push_back(value(a));
    for (;;) {
      for (std::size_t c = 0; c < n; ++c) slot(cond.params[c]) = carries[c];
      run_block(cond);
      if (!value(cond.yields[0]).as<bool>()) break;
      for (std::size_t c = 0; c < n; ++c) slot(body.params[c]) = carries[c];
      run_block(body);
      for (std::size_t c = 0; c < n; ++c) carries[c] = value(body.yields[c]);
    }
    loop_results_[id] = carries;
    return Scalar{};
  }

  Scalar eval_if(const Op& op, int id) {
    const Block& taken = op.blocks[value(op.args[0]).as<bool>() ? 0 : 1];
    run_block(taken);
    std::vector<Scalar> results;
    for (int y : taken.yields) results.push_back(value(y));
    loop_results_[id] = results;
    return Scalar{};
  }

  const Kernel& k_;
  std::vector<Array>& buffers_;
  std::vector<Scalar> values_;
  std::vector<std::int64_t> vars_;
  std::vector<Scalar> args_;
  std::unordered_map<int, std::vector<Scalar>> loop_results_;
};

void run_host_step(const loop::HostStep& h, std::vector<Array>& buffers) {
  std::vector<Array> args;
  for (int b : h.inputs) args.push_back(buffers.at(static_cast<std::size_t>(b)));
  std::vector<Array> outs = h.run(args);
  if (outs.size() != h.outputs.size()) {
    throw InternalError("host step " + h.name + " returned " + std::to_string(outs.size()) +
                        " arrays, expected " + std::to_string(h.outputs.size()));
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    Array& dst = buffers.at(static_cast<std::size_t>(h.outputs[i]));
    if (outs[i].dtype() != dst.dtype() || outs[i].shape() != dst.shape()) {
      throw InternalError("host step " + h.name + ": output " + std::to_string(i) + " is " +
                          std::string(dtype_name(outs[i].dtype())) +
                          shape_to_string(outs[i].shape()) + ", its buffer is " +
                          std::string(dtype_name(dst.dtype())) + shape_to_string(dst.shape()));
    }
    dst = std::move(outs[i]);
  }
}

}  // namespace

std::vector<Array> run_program_reference(const loop::Program& program,
                                         std::span<const Array> inputs) {
  if (static_cast<int>(inputs.size()) != program.num_inputs) {
    throw ArgumentError("run_program_reference: the program takes " +
                        std::to_string(program.num_inputs) + " inputs, got " +
                        std::to_string(inputs.size()));
  }
  loop::verify(program);
  std::vector<Array> buffers;
  buffers.reserve(program.buffers.size());
  for (const loop::Buffer& b : program.buffers) {
    switch (b.kind) {
      case loop::BufferKind::Input: {
        const Array& in = inputs[static_cast<std::size_t>(b.io_index)];
        if (in.dtype() != b.dtype || in.shape() != b.shape) {
          throw ArgumentError("run_program_reference: input " + std::to_string(b.io_index) +
                              " is " + std::string(dtype_name(in.dtype())) +
                              shape_to_string(in.shape()) + ", expected " +
                              std::string(dtype_name(b.dtype)) + shape_to_string(b.shape));
        }
        buffers.push_back(in);
        break;
      }
      case loop::BufferKind::Constant:
        buffers.push_back(b.constant);
        break;
      default:
        buffers.push_back(Array::zeros(b.dtype, b.shape));
        break;
    }
  }
  for (const loop::Step& step : program.steps) {
    if (const loop::Kernel* k = std::get_if<loop::Kernel>(&step)) {
      KernelRunner(*k, buffers).run();
    } else {
      run_host_step(std::get<loop::HostStep>(step), buffers);
    }
  }
  std::vector<Array> result;
  for (const loop::OutputSource& o : program.outputs) {
    if (o.buffer >= 0) {
      result.push_back(buffers.at(static_cast<std::size_t>(o.buffer)));
    } else {
      result.push_back(Array::full(o.literal.dtype(), {}, o.literal));
    }
  }
  return result;
}

}  // namespace lanes::internal
