// The loop-IR verifier (see loop_verify.h). One pass over each kernel with an explicit
// stack of open blocks (no recursion on the nesting depth of a user's program): an op's
// operands are checked where it stands, its blocks are walked in order, and it becomes
// visible to later ops when they are done; leaving a block hides its params and ops
// again and unbinds a Loop's index variable.
#include "codegen/loop_verify.h"

#include <lanes/error.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/check.h"

namespace lanes::internal::loop {

namespace {

const char* kind_name(OpKind k) {
  switch (k) {
    case OpKind::Const:
      return "Const";
    case OpKind::IndexVar:
      return "IndexVar";
    case OpKind::Load:
      return "Load";
    case OpKind::Scalar:
      return "Scalar";
    case OpKind::Loop:
      return "Loop";
    case OpKind::LoopResult:
      return "LoopResult";
    case OpKind::While:
      return "While";
    case OpKind::If:
      return "If";
  }
  return "?";
}

std::string dt(DType t) { return std::string(dtype_name(t)); }

class KernelVerifier {
 public:
  KernelVerifier(const Kernel& k, std::span<const Buffer> bufs) : k_(k), bufs_(bufs) {}

  void run() {
    const int rank = static_cast<int>(k_.extents.size());
    if (rank < 1) fail(" has rank 0");
    for (std::int64_t e : k_.extents) {
      if (e < 0) fail(" has a negative extent " + std::to_string(e));
      if (e == 0) empty_ = true;
    }
    if (k_.vector_axis < -1 || k_.vector_axis >= rank) {
      fail(" has vector axis " + std::to_string(k_.vector_axis) + " outside [-1, " +
           std::to_string(rank) + ")");
    }
    if (k_.num_index_vars < rank) {
      fail(" has num_index_vars " + std::to_string(k_.num_index_vars) + " below its rank " +
           std::to_string(rank));
    }
    if (k_.num_ops < 0) fail(" has num_ops " + std::to_string(k_.num_ops));
    if (!k_.body.params.empty()) fail(" has a body with params");
    const auto n = static_cast<std::size_t>(k_.num_ops);
    seen_.assign(n, 0);
    live_.assign(n, 0);
    dtype_.assign(n, DType::F64);
    def_.assign(n, nullptr);
    results_.assign(n, {});
    bound_.assign(static_cast<std::size_t>(k_.num_index_vars), 0);
    range_.assign(static_cast<std::size_t>(k_.num_index_vars), 0);
    for (int d = 0; d < rank; ++d) {
      bound_[d] = 1;
      range_[d] = k_.extents[d];
    }
    walk();
    check_fold();
  }

 private:
  struct Frame {
    const Block* block;
    const Op* owner;  // the op whose block this is; nullptr: the kernel body
    int owner_id;
    int which;                   // index of the block in owner->blocks
    std::size_t pos = 0;         // next op
    std::size_t next_block = 0;  // next block of the op at pos to walk
  };

  // `what` follows the kernel's name: " has rank 0", ": op %3 (Load): ...".
  [[noreturn]] void fail(const std::string& what) const {
    LANES_FAIL("loop IR: kernel " + k_.name + what);
  }
  static std::string op_label(int id, const Op& op) {
    std::string name = kind_name(op.kind);
    if (op.kind == OpKind::Scalar) name += " " + std::string(scalar_op_name(op.sop));
    return ": op %" + std::to_string(id) + " (" + name + ")";
  }
  [[noreturn]] void fail_op(int id, const Op& op, const std::string& what) const {
    fail(op_label(id, op) + ": " + what);
  }

  // An id that `where` defines: in range and not defined before.
  void claim(int id, const std::string& where) {
    if (id < 0 || id >= k_.num_ops) {
      fail(where + ": defines id %" + std::to_string(id) + " outside [0, " +
           std::to_string(k_.num_ops) + ")");
    }
    if (seen_[id]) fail(where + ": defines id %" + std::to_string(id) + " twice");
    seen_[id] = 1;
  }

  // An operand: an id in scope; returns its dtype.
  DType use(int id, const Op& op, int op_id, const char* what) {
    if (id < 0 || id >= k_.num_ops || !live_[id]) {
      fail_op(op_id, op,
              std::string(what) + " %" + std::to_string(id) +
                  (id >= 0 && id < k_.num_ops && seen_[id] ? " is out of scope"
                                                           : " is not defined before its use"));
    }
    return dtype_[id];
  }

  void expect_dtype(DType got, DType want, int op_id, const Op& op, const std::string& what) {
    if (got != want) fail_op(op_id, op, what + " is " + dt(got) + ", expected " + dt(want));
  }

  // `where` labels the access in messages.
  const Buffer& buffer(int b, const std::string& where) {
    if (b < 0 || b >= static_cast<int>(bufs_.size())) {
      fail(where + ": uses unknown buffer b" + std::to_string(b) + " (the program has " +
           std::to_string(bufs_.size()) + ")");
    }
    return bufs_[static_cast<std::size_t>(b)];
  }

  // Index variables bound; with `exact` (the access runs at every point of the index
  // space), the whole range of offsets inside the buffer.
  void check_index(const AffineIndex& index, const Buffer& buf, int b, const std::string& where,
                   bool exact) {
    std::int64_t lo = index.offset, hi = index.offset;
    bool runs = !empty_ && exact;
    for (const auto& [var, stride] : index.terms) {
      if (var < 0 || var >= k_.num_index_vars || !bound_[var]) {
        fail(where + ": indexes b" + std::to_string(b) + " with unbound index variable i" +
             std::to_string(var));
      }
      if (range_[var] == 0) runs = false;
      const std::int64_t last = stride * (range_[var] - 1);
      lo += std::min<std::int64_t>(0, last);
      hi += std::max<std::int64_t>(0, last);
    }
    const std::int64_t size = shape_size(buf.shape);
    if (runs && (lo < 0 || hi >= size)) {
      fail(where + ": accesses b" + std::to_string(b) + "[" + std::to_string(lo) + " .. " +
           std::to_string(hi) + "] of " + std::to_string(size) + " elements");
    }
  }

  // Whether the block being walked runs at every point of the index space (only Loops
  // that run enclose it).
  bool unconditional() const {
    for (const Frame& f : stack_) {
      if (f.owner != nullptr && (f.owner->kind != OpKind::Loop || f.owner->trip_count == 0)) {
        return false;
      }
    }
    return true;
  }

  void check_op(const Op& op, int id) {
    const std::size_t n = op.args.size();
    std::vector<DType> args;
    for (int a : op.args) args.push_back(use(a, op, id, "operand"));
    std::size_t blocks = 0;
    switch (op.kind) {
      case OpKind::Const:
        if (n != 0) fail_op(id, op, "has operands");
        if (op.value.dtype() != op.dtype) {
          fail_op(id, op, "holds a " + dt(op.value.dtype()) + " value as " + dt(op.dtype));
        }
        break;
      case OpKind::IndexVar:
        if (n != 0) fail_op(id, op, "has operands");
        if (op.index_var < 0 || op.index_var >= k_.num_index_vars || !bound_[op.index_var]) {
          fail_op(id, op, "reads unbound index variable i" + std::to_string(op.index_var));
        }
        break;
      case OpKind::Load: {
        if (n != 0) fail_op(id, op, "has operands");
        const Buffer& buf = buffer(op.buffer, op_label(id, op));
        expect_dtype(op.dtype, buf.dtype, id, op,
                     "its dtype (b" + std::to_string(op.buffer) + "'s)");
        check_index(op.index, buf, op.buffer, op_label(id, op), unconditional());
        break;
      }
      case OpKind::Scalar:
        check_scalar(op, id, args);
        break;
      case OpKind::Loop:
        blocks = 1;
        check_blocks(op, id, blocks);
        check_carries(op, id, op.blocks[0], args, "body");
        if (op.trip_count < 0) fail_op(id, op, "has trip count " + std::to_string(op.trip_count));
        if (op.lanes && (op.trip_count < 1 || (op.trip_count & (op.trip_count - 1)) != 0)) {
          fail_op(
              id, op,
              "is a lane loop of " + std::to_string(op.trip_count) + " lanes, not a power of two");
        }
        if (op.lanes && op.sop != ScalarOp::Add && op.sop != ScalarOp::Mul &&
            op.sop != ScalarOp::Max && op.sop != ScalarOp::Min) {
          fail_op(id, op, "is a lane loop folded by " + std::string(scalar_op_name(op.sop)));
        }
        if (op.index_var < static_cast<int>(k_.extents.size()) ||
            op.index_var >= k_.num_index_vars) {
          fail_op(id, op,
                  "has index variable i" + std::to_string(op.index_var) + " outside [" +
                      std::to_string(k_.extents.size()) + ", " + std::to_string(k_.num_index_vars) +
                      ")");
        }
        if (bound_[op.index_var]) {
          fail_op(id, op,
                  "binds index variable i" + std::to_string(op.index_var) +
                      ", which an enclosing Loop binds");
        }
        break;
      case OpKind::While:
        blocks = 2;
        check_blocks(op, id, blocks);
        check_carries(op, id, op.blocks[0], args, "cond");
        check_carries(op, id, op.blocks[1], args, "body");
        if (op.blocks[0].yields.size() != 1) {
          fail_op(id, op,
                  "has a cond block with " + std::to_string(op.blocks[0].yields.size()) +
                      " yields, expected 1");
        }
        break;
      case OpKind::If:
        blocks = 2;
        check_blocks(op, id, blocks);
        if (n != 1) fail_op(id, op, "has " + std::to_string(n) + " operands, expected 1");
        expect_dtype(args[0], DType::Bool, id, op, "the predicate");
        for (const Block& b : op.blocks) {
          if (!b.params.empty()) fail_op(id, op, "has an arm with params");
        }
        if (op.blocks[0].yields.size() != op.blocks[1].yields.size()) {
          fail_op(id, op,
                  "yields " + std::to_string(op.blocks[0].yields.size()) +
                      " values from its then arm and " +
                      std::to_string(op.blocks[1].yields.size()) + " from its else arm");
        }
        break;
      case OpKind::LoopResult: {
        if (n != 1) fail_op(id, op, "has " + std::to_string(n) + " operands, expected 1");
        const Op* of = def_[op.args[0]];
        if (of == nullptr ||
            (of->kind != OpKind::Loop && of->kind != OpKind::While && of->kind != OpKind::If)) {
          fail_op(id, op, "reads %" + std::to_string(op.args[0]) + ", not a Loop, While or If");
        }
        const std::vector<DType>& r = results_[op.args[0]];
        if (op.result_index < 0 || op.result_index >= static_cast<int>(r.size())) {
          fail_op(id, op,
                  "reads result " + std::to_string(op.result_index) + " of %" +
                      std::to_string(op.args[0]) + ", which has " + std::to_string(r.size()));
        }
        expect_dtype(op.dtype, r[op.result_index], id, op, "its dtype");
        break;
      }
    }
    if (blocks == 0 && !op.blocks.empty()) fail_op(id, op, "has blocks");
  }

  void check_blocks(const Op& op, int id, std::size_t want) {
    if (op.blocks.size() != want) {
      fail_op(
          id, op,
          "has " + std::to_string(op.blocks.size()) + " blocks, expected " + std::to_string(want));
    }
  }

  // A Loop or While block: one param per carry, of the carry's dtype.
  void check_carries(const Op& op, int id, const Block& b, const std::vector<DType>& args,
                     const char* name) {
    if (b.params.size() != args.size() || b.param_dtypes.size() != args.size()) {
      fail_op(id, op,
              "has " + std::to_string(args.size()) + " carries but its " + name + " block " +
                  std::to_string(b.params.size()) + " params");
    }
    for (std::size_t c = 0; c < args.size(); ++c) {
      expect_dtype(b.param_dtypes[c], args[c], id, op,
                   std::string(name) + " param " + std::to_string(c));
    }
  }

  void check_scalar(const Op& op, int id, const std::vector<DType>& args) {
    const ScalarOp s = op.sop;
    if (s == ScalarOp::None) fail_op(id, op, "has no ScalarOp");
    const int arity = scalar_op_arity(s);
    if (static_cast<int>(args.size()) != arity) {
      fail_op(
          id, op,
          "has " + std::to_string(args.size()) + " operands, expected " + std::to_string(arity));
    }
    if (s == ScalarOp::Convert) return;
    if (s == ScalarOp::Select) {
      expect_dtype(args[0], DType::Bool, id, op, "the predicate");
      expect_dtype(args[1], op.dtype, id, op, "operand 1");
      expect_dtype(args[2], op.dtype, id, op, "operand 2");
      return;
    }
    if (scalar_op_is_comparison(s)) {
      expect_dtype(op.dtype, DType::Bool, id, op, "the result");
      expect_dtype(args[1], args[0], id, op, "operand 1");
      return;
    }
    for (std::size_t a = 0; a < args.size(); ++a) {
      expect_dtype(args[a], op.dtype, id, op, "operand " + std::to_string(a));
    }
  }

  // Enters block `which` of `op`: its params come into scope, a Loop's index variable
  // is bound.
  void enter(const Block& b, const Op* op, int id, int which) {
    const std::string where = op != nullptr ? op_label(id, *op) : ": body";
    if (b.ids.size() != b.ops.size() || b.params.size() != b.param_dtypes.size()) {
      fail(where +
           ": has a block whose ids and ops, or params and param dtypes, differ in "
           "number");
    }
    for (std::size_t i = 0; i < b.params.size(); ++i) {
      claim(b.params[i], where);
      live_[b.params[i]] = 1;
      dtype_[b.params[i]] = b.param_dtypes[i];
    }
    if (op != nullptr && op->kind == OpKind::Loop) {
      bound_[op->index_var] = 1;
      range_[op->index_var] = op->trip_count;
    }
    stack_.push_back(Frame{&b, op, id, which});
  }

  // Leaves the innermost block: checks its yields, then hides its values.
  void leave() {
    const Frame f = stack_.back();
    const Block& b = *f.block;
    const Op* op = f.owner;
    if (op == nullptr) {
      check_stores();
    } else {
      std::vector<DType> ys;
      for (int y : b.yields) ys.push_back(use(y, *op, f.owner_id, "yield"));
      switch (op->kind) {
        case OpKind::Loop:
        case OpKind::While:
          if (op->kind == OpKind::While && f.which == 0) {
            expect_dtype(ys[0], DType::Bool, f.owner_id, *op, "the condition");
            break;
          }
          if (ys.size() != b.params.size()) {
            fail_op(f.owner_id, *op,
                    "yields " + std::to_string(ys.size()) + " values for " +
                        std::to_string(b.params.size()) + " carries");
          }
          for (std::size_t c = 0; c < ys.size(); ++c) {
            expect_dtype(ys[c], b.param_dtypes[c], f.owner_id, *op, "yield " + std::to_string(c));
          }
          results_[f.owner_id] = b.param_dtypes;
          break;
        case OpKind::If:
          if (f.which == 0) {
            results_[f.owner_id] = ys;
          } else {
            for (std::size_t c = 0; c < ys.size(); ++c) {
              expect_dtype(ys[c], results_[f.owner_id][c], f.owner_id, *op,
                           "else yield " + std::to_string(c));
            }
          }
          break;
        default:
          break;
      }
      if (op->kind == OpKind::Loop) bound_[op->index_var] = 0;
    }
    for (int p : b.params) live_[p] = 0;
    for (int i : b.ids) live_[i] = 0;
    stack_.pop_back();
  }

  void walk() {
    enter(k_.body, nullptr, -1, 0);
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      const Block& b = *f.block;
      if (f.pos == b.ops.size()) {
        leave();
        continue;
      }
      const Op& op = b.ops[f.pos];
      const int id = b.ids[f.pos];
      if (f.next_block == 0) {
        claim(id, op_label(id, op));
        check_op(op, id);
      }
      if (f.next_block < op.blocks.size()) {
        const int which = static_cast<int>(f.next_block++);
        enter(op.blocks[static_cast<std::size_t>(which)], &op, id, which);  // f is invalid now
        continue;
      }
      live_[id] = 1;
      dtype_[id] = op.dtype;
      def_[id] = &op;
      ++f.pos;
      f.next_block = 0;
    }
  }

  // At the end of the body, whose values are in scope.
  void check_stores() {
    for (std::size_t i = 0; i < k_.stores.size(); ++i) {
      const Store& s = k_.stores[i];
      const std::string where = ": store " + std::to_string(i);
      const Buffer& buf = buffer(s.buffer, where);
      if (buf.kind != BufferKind::Output && buf.kind != BufferKind::Temp) {
        fail(where + ": stores to b" + std::to_string(s.buffer) + ", not an Output or Temp buffer");
      }
      if (s.value < 0 || s.value >= k_.num_ops || !live_[s.value]) {
        fail(where + ": stores %" + std::to_string(s.value) + ", not a value of the body");
      }
      if (dtype_[s.value] != buf.dtype) {
        fail(where + ": stores %" + std::to_string(s.value) + " of " + dt(dtype_[s.value]) +
             " into b" + std::to_string(s.buffer) + " of " + dt(buf.dtype));
      }
      for (const auto& [var, stride] : s.index.terms) {
        if (var < 0 || var >= static_cast<int>(k_.extents.size())) {
          fail(where + ": indexes b" + std::to_string(s.buffer) + " with index variable i" +
               std::to_string(var) + ", not a parallel dimension");
        }
      }
      check_index(s.index, buf, s.buffer, where, true);
    }
  }

  // The top-level op with id `id`, or -1.
  int top_level(int id) const {
    const auto& ids = k_.body.ids;
    auto it = std::find(ids.begin(), ids.end(), id);
    return it == ids.end() ? -1 : static_cast<int>(it - ids.begin());
  }

  void check_fold() {
    const PartialsFold& f = k_.fold;
    if (f.loop < 0) {
      if (!f.buffers.empty() || f.rest_loop >= 0) fail(" has a PartialsFold without its Loop");
      return;
    }
    const int pos = top_level(f.loop);
    if (pos < 0 || k_.body.ops[pos].kind != OpKind::Loop) {
      fail(" folds partials in %" + std::to_string(f.loop) + ", not a top-level Loop");
    }
    const Op& loop = k_.body.ops[pos];
    if (f.buffers.size() != loop.args.size()) {
      fail(" folds " + std::to_string(f.buffers.size()) + " partial buffers into the " +
           std::to_string(loop.args.size()) + " carries of %" + std::to_string(f.loop));
    }
    for (int b : f.buffers) {
      if (b < 0 || b >= static_cast<int>(bufs_.size())) {
        fail(" folds partials of unknown buffer b" + std::to_string(b));
      }
    }
    // The fold reads its partial buffers at [k] only (k: the fold Loop's index variable).
    std::vector<const Block*> work{&loop.blocks[0]};
    while (!work.empty()) {
      const Block* b = work.back();
      work.pop_back();
      for (std::size_t i = 0; i < b->ops.size(); ++i) {
        const Op& op = b->ops[i];
        const bool partial =
            op.kind == OpKind::Load &&
            std::find(f.buffers.begin(), f.buffers.end(), op.buffer) != f.buffers.end();
        if (partial && (op.index.offset != 0 || op.index.terms.size() != 1 ||
                        op.index.terms[0] != std::pair<int, std::int64_t>{loop.index_var, 1})) {
          fail_op(b->ids[i], op,
                  "reads partial buffer b" + std::to_string(op.buffer) +
                      " off the fold's index variable");
        }
        for (const Block& inner : op.blocks) work.push_back(&inner);
      }
    }
    if (f.rest_loop >= 0) {
      const int r = top_level(f.rest_loop);
      if (r <= pos || k_.body.ops[r].kind != OpKind::Loop ||
          k_.body.ops[r].args.size() != loop.args.size()) {
        fail(" has rest Loop %" + std::to_string(f.rest_loop) +
             ", not a top-level Loop after the fold with its carries");
      }
    }
  }

  const Kernel& k_;
  std::span<const Buffer> bufs_;
  bool empty_ = false;                       // some extent is 0: nothing runs
  std::vector<char> seen_;                   // per id: defined somewhere
  std::vector<char> live_;                   // per id: in scope now
  std::vector<DType> dtype_;                 // per id
  std::vector<const Op*> def_;               // per id: its op (nullptr: a param)
  std::vector<std::vector<DType>> results_;  // per Loop/While/If id: its results' dtypes
  std::vector<char> bound_;                  // per index variable
  std::vector<std::int64_t> range_;          // per bound index variable: its trip count
  std::vector<Frame> stack_;
};

}  // namespace

void verify(const Kernel& kernel, std::span<const Buffer> buffers) {
  KernelVerifier(kernel, buffers).run();
}

void verify(const Program& program) {
  const auto nb = static_cast<int>(program.buffers.size());
  auto fail = [](const std::string& what) { LANES_FAIL("loop IR: " + what); };
  for (int i = 0; i < nb; ++i) {
    const Buffer& b = program.buffers[static_cast<std::size_t>(i)];
    if (b.kind == BufferKind::Input && (b.io_index < 0 || b.io_index >= program.num_inputs)) {
      fail("input buffer b" + std::to_string(i) + " is argument " + std::to_string(b.io_index) +
           " of " + std::to_string(program.num_inputs));
    }
    if (b.kind == BufferKind::Constant &&
        (b.constant.dtype() != b.dtype || b.constant.shape() != b.shape)) {
      fail("constant buffer b" + std::to_string(i) + " holds " + dt(b.constant.dtype()) +
           shape_to_string(b.constant.shape()) + ", declared " + dt(b.dtype) +
           shape_to_string(b.shape));
    }
  }
  for (const Step& step : program.steps) {
    if (const Kernel* k = std::get_if<Kernel>(&step)) {
      verify(*k, program.buffers);
      continue;
    }
    const HostStep& h = std::get<HostStep>(step);
    if (!h.run) fail("host step " + h.name + " has nothing to run");
    for (const std::vector<int>* list : {&h.inputs, &h.outputs}) {
      for (int b : *list) {
        if (b < 0 || b >= nb)
          fail("host step " + h.name + " uses unknown buffer b" + std::to_string(b));
      }
    }
  }
  for (const OutputSource& o : program.outputs) {
    if (o.buffer >= nb) fail("output reads unknown buffer b" + std::to_string(o.buffer));
  }
}

}  // namespace lanes::internal::loop
