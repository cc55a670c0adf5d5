// serialize_workgroup_folds (see workgroup_fold_order.h): the fold Loop's body is copied
// once per work-item (a strided Loop) and once per combine of the tree, with fresh op
// ids and index variables, and the Loop's results renamed to the tree's root state.
#include "tests/oracle/workgroup_fold_order.h"

#include <lanes/error.h>

#include <algorithm>
#include <string>
#include <unordered_map>

#include "codegen/amdgpu/amdgpu_codegen.h"

namespace lanes::internal::amdgpu {

namespace {

using loop::AffineIndex;
using loop::Block;
using loop::Kernel;
using loop::Op;
using loop::OpKind;

[[noreturn]] void fail(const Kernel& k, const std::string& what) {
  throw InternalError("amdgpu fold order: kernel " + k.name + ": " + what);
}

int max_index_var(const Block& b) {
  int m = -1;
  for (const Op& op : b.ops) {
    if (op.kind == OpKind::Loop || op.kind == OpKind::IndexVar) m = std::max(m, op.index_var);
    for (const auto& [var, stride] : op.index.terms) m = std::max(m, var);
    for (const Block& inner : op.blocks) m = std::max(m, max_index_var(inner));
  }
  return m;
}

class Serializer {
 public:
  explicit Serializer(Kernel& k) : k_(k) {
    next_id_ = k.num_ops;
    next_var_ =
        std::max({k.num_index_vars, static_cast<int>(k.extents.size()), max_index_var(k.body) + 1});
  }

  void run() {
    std::vector<Op>& ops = k_.body.ops;
    std::size_t pos = 0;
    while (pos < ops.size() && k_.body.ids[pos] != k_.fold.loop) ++pos;
    if (pos == ops.size() || ops[pos].kind != OpKind::Loop ||
        ops[pos].args.size() != k_.fold.buffers.size()) {
      fail(k_, "the partials fold is not a top-level Loop of its partial buffers");
    }
    const Op loop = ops[pos];
    const int loop_id = k_.body.ids[pos];
    std::size_t last = pos;  // the Loop whose results the tree combines
    if (k_.fold.rest_loop >= 0) {
      while (last < ops.size() && k_.body.ids[last] != k_.fold.rest_loop) ++last;
      if (last == ops.size() || ops[last].kind != OpKind::Loop ||
          ops[last].args.size() != loop.args.size()) {
        fail(k_, "the rest Loop is not a top-level Loop after the fold");
      }
    }
    const int last_id = k_.body.ids[last];
    // Ops before the rest Loop other than the fold's results go first (they are the
    // identity and the rest's constants); the rest Loop reads the fold's results only.
    Block out;
    for (std::size_t i = 0; i < last; ++i) {
      const Op& op = ops[i];
      if (i == pos || (op.kind == OpKind::LoopResult && op.args.at(0) == loop_id)) continue;
      push(out, op, k_.body.ids[i]);
    }

    // Work-item t's strided folds: k = t + W j for j in [0, ceil((trips - t) / W)), of
    // the partials and then of the rest elements.
    const std::int64_t wg = kWorkgroupSize;
    const std::int64_t active = std::min(wg, std::max(loop.trip_count, ops[last].trip_count));
    std::vector<std::vector<int>> state(static_cast<std::size_t>(std::max<std::int64_t>(active, 1)),
                                        loop.args);
    auto strided = [&](const Op& l, std::int64_t t, const std::vector<int>& init) {
      Op copy_op = l;
      copy_op.args = init;
      copy_op.index_var = next_var_++;
      copy_op.trip_count = (l.trip_count - t + wg - 1) / wg;
      rename_.clear();
      copy_op.blocks[0] = copy(l.blocks[0], l.index_var, copy_op.index_var, t, wg);
      const int id = push(out, std::move(copy_op), next_id_++);
      std::vector<int> results;
      for (std::size_t c = 0; c < l.args.size(); ++c) {
        Op r;
        r.kind = OpKind::LoopResult;
        r.dtype = l.blocks[0].param_dtypes[c];
        r.args = {id};
        r.result_index = static_cast<int>(c);
        results.push_back(push(out, std::move(r), next_id_++));
      }
      return results;
    };
    for (std::int64_t t = 0; t < active; ++t) {
      auto& st = state[static_cast<std::size_t>(t)];
      if (t < loop.trip_count) st = strided(loop, t, st);
      if (last != pos && t < ops[last].trip_count) st = strided(ops[last], t, st);
    }
    // The tree, stage by stage.
    for (std::int64_t s = wg / 2; s >= 1; s /= 2) {
      for (std::int64_t t = 0; t < s && t + s < active; ++t) {
        auto& mine = state[static_cast<std::size_t>(t)];
        mine = combine(out, loop, mine, state[static_cast<std::size_t>(t + s)]);
      }
    }
    // The rest of the kernel reads the root's state instead of the Loop's results.
    final_.clear();
    for (std::size_t i = last + 1; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (op.kind == OpKind::LoopResult && op.args.at(0) == last_id) {
        final_[k_.body.ids[i]] = state[0].at(static_cast<std::size_t>(op.result_index));
        continue;
      }
      Op renamed = op;
      rename_uses(renamed);
      push(out, std::move(renamed), k_.body.ids[i]);
    }
    for (loop::Store& st : k_.stores) {
      if (auto it = final_.find(st.value); it != final_.end()) st.value = it->second;
    }
    k_.body = std::move(out);
    k_.num_ops = next_id_;
    k_.num_index_vars = next_var_;
    k_.fold = {};
  }

 private:
  static int push(Block& b, Op op, int id) {
    b.ops.push_back(std::move(op));
    b.ids.push_back(id);
    return id;
  }

  int renamed(int id) const {
    auto it = rename_.find(id);
    return it == rename_.end() ? id : it->second;
  }

  // A copy of `b` with fresh ids; index variable `var` becomes base + scale * new_var.
  Block copy(const Block& b, int var, int new_var, std::int64_t base, std::int64_t scale) {
    Block c;
    c.param_dtypes = b.param_dtypes;
    for (int p : b.params) c.params.push_back(rename_[p] = next_id_++);
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      Op op = b.ops[i];
      if (op.kind == OpKind::IndexVar && op.index_var == var) {
        if (new_var < 0) fail(k_, "the partials fold uses its index variable in a combine");
        // base + scale * new_var, spelled in ops.
        auto add = [&](Op o) { return push(c, std::move(o), next_id_++); };
        Op k;
        k.kind = OpKind::Const;
        k.dtype = op.dtype;
        k.value = Scalar::of_int(k.dtype, scale);
        const int scale_id = add(k);
        k.value = Scalar::of_int(k.dtype, base);
        const int base_id = add(k);
        Op iv = op;
        iv.index_var = new_var;
        const int iv_id = add(iv);
        Op mul;
        mul.kind = OpKind::Scalar;
        mul.dtype = op.dtype;
        mul.sop = ScalarOp::Mul;
        mul.args = {iv_id, scale_id};
        Op sum = mul;
        sum.sop = ScalarOp::Add;
        sum.args = {add(mul), base_id};
        rename_[b.ids[i]] = add(sum);
        continue;
      }
      for (int& a : op.args) a = renamed(a);
      op.index = rescale(op.index, var, new_var, base, scale);
      for (Block& inner : op.blocks) inner = copy(inner, var, new_var, base, scale);
      c.ids.push_back(rename_[b.ids[i]] = next_id_++);
      c.ops.push_back(std::move(op));
    }
    for (int y : b.yields) c.yields.push_back(renamed(y));
    return c;
  }

  AffineIndex rescale(AffineIndex idx, int var, int new_var, std::int64_t base,
                      std::int64_t scale) const {
    for (auto& [v, stride] : idx.terms) {
      if (v != var) continue;
      if (new_var < 0) fail(k_, "the partials fold indexes by its index variable in a combine");
      idx.offset += base * stride;
      v = new_var;
      stride *= scale;
    }
    return idx;
  }

  // combine(mine, partner): the Loop body inline, its carries bound to `mine` and its
  // loads of partial buffer c (at the index variable) replaced by partner[c].
  std::vector<int> combine(Block& out, const Op& loop, const std::vector<int>& mine,
                           const std::vector<int>& partner) {
    const Block& body = loop.blocks[0];
    rename_.clear();
    for (std::size_t c = 0; c < mine.size(); ++c) rename_[body.params[c]] = mine[c];
    for (std::size_t i = 0; i < body.ops.size(); ++i) {
      const Op& op = body.ops[i];
      if (op.kind == OpKind::Load) {
        auto it = std::find(k_.fold.buffers.begin(), k_.fold.buffers.end(), op.buffer);
        if (it != k_.fold.buffers.end()) {
          if (op.index.offset != 0 || op.index.terms.size() != 1 ||
              op.index.terms[0] != std::pair<int, std::int64_t>{loop.index_var, 1}) {
            fail(k_, "the partials fold loads a partial off its index");
          }
          rename_[body.ids[i]] = partner[static_cast<std::size_t>(it - k_.fold.buffers.begin())];
          continue;
        }
      }
      Op c = op;
      if (c.kind == OpKind::IndexVar && c.index_var == loop.index_var)
        fail(k_, "the partials fold uses its index variable as a value");
      for (int& a : c.args) a = renamed(a);
      c.index = rescale(c.index, loop.index_var, -1, 0, 0);
      for (Block& inner : c.blocks) inner = copy(inner, loop.index_var, -1, 0, 0);
      const int id = next_id_++;
      rename_[body.ids[i]] = id;
      push(out, std::move(c), id);
    }
    std::vector<int> result;
    for (int y : body.yields) result.push_back(renamed(y));
    return result;
  }

  void rename_uses(Op& op) const {
    for (int& a : op.args) {
      if (auto it = final_.find(a); it != final_.end()) a = it->second;
    }
    for (Block& inner : op.blocks) {
      for (Op& o : inner.ops) rename_uses(o);
      for (int& y : inner.yields) {
        if (auto it = final_.find(y); it != final_.end()) y = it->second;
      }
    }
  }

  Kernel& k_;
  int next_id_ = 0;
  int next_var_ = 0;
  std::unordered_map<int, int> rename_;  // while copying: old id -> new id
  std::unordered_map<int, int> final_;   // the fold Loop's results -> the root's state
};

}  // namespace

loop::Program serialize_workgroup_folds(loop::Program program) {
  for (loop::Step& step : program.steps) {
    if (auto* k = std::get_if<Kernel>(&step); k != nullptr && k->fold.loop >= 0) {
      Serializer(*k).run();
    }
  }
  return program;
}

}  // namespace lanes::internal::amdgpu
