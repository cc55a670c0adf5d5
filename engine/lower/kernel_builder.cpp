// KernelBuilder: expression inlining, loop nests and load folding (see kernel_builder.h).
#include "engine/lower/kernel_builder.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/primitive.h"
#include "runtime/check.h"

namespace lanes::internal::lower {

using loop::affine_const;
using loop::affine_var;
using loop::AffineIndex;
using loop::Op;
using loop::OpKind;
using loop::scaled_add;

namespace {

std::string coords_key(const Coords& c) {
  std::string k;
  for (const AffineIndex& a : c) {
    for (const auto& [v, s] : a.terms) k += std::to_string(s) + "i" + std::to_string(v) + "+";
    k += std::to_string(a.offset) + ",";
  }
  return k;
}

}  // namespace

AffineIndex linearize(const Coords& coords, const Shape& shape) {
  if (coords.size() != shape.size()) {
    LANES_FAIL("lower: coordinates of rank " + std::to_string(coords.size()) +
               " for a value of shape " + shape_to_string(shape));
  }
  AffineIndex r;
  std::int64_t stride = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    r = scaled_add(coords[d], stride, r);
    stride *= shape[d];
  }
  return r;
}

KernelBuilder::KernelBuilder(const Graph& g, const FusionPlan& plan,
                             const std::vector<int>& buffer_of, std::string name,
                             const Shape& extents)
    : g_(g), plan_(plan), buffer_of_(buffer_of), root_(std::make_unique<Scope>()) {
  kernel_.name = std::move(name);
  scalar_kernel_ = extents.empty();
  kernel_.extents = extents.empty() ? Shape{1} : extents;
  kernel_.vector_axis = -1;
  kernel_.num_index_vars = static_cast<int>(kernel_.extents.size());
  var_scope_.assign(kernel_.extents.size(), root_.get());
}

KernelBuilder::~KernelBuilder() = default;

Coords KernelBuilder::parallel_coords() const {
  Coords c;
  if (scalar_kernel_) return c;  // a rank-0 value: extents {1}, no coordinates
  for (std::size_t d = 0; d < kernel_.extents.size(); ++d) {
    c.push_back(affine_var(static_cast<int>(d)));
  }
  return c;
}

KernelBuilder::Scope* KernelBuilder::target(const Coords& coords) const {
  Scope* best = root_.get();
  for (const AffineIndex& a : coords) {
    for (const auto& [v, s] : a.terms) {
      Scope* sc = var_scope_.at(static_cast<std::size_t>(v));
      if (sc->depth > best->depth) best = sc;
    }
  }
  return best;
}

int KernelBuilder::append(Scope* s, Op op) {
  int id = next_id_++;
  s->block.ops.push_back(std::move(op));
  s->block.ids.push_back(id);
  return id;
}

int KernelBuilder::constant(Scalar value) {
  // The key names the value exactly: an integer's decimal text (2^53 and 2^53 + 1 are two
  // constants), a float's bits (-0 and NaN payloads kept apart).
  std::string key =
      "c" + std::string(dtype_name(value.dtype())) +
      (is_float(value.dtype()) ? std::to_string(std::bit_cast<std::uint64_t>(value.as_double()))
                               : value.to_string());
  auto it = root_->cache.find(key);
  if (it != root_->cache.end()) return it->second;
  Op op;
  op.kind = OpKind::Const;
  op.dtype = value.dtype();
  op.value = value;
  int id = append(root_.get(), std::move(op));
  root_->cache[key] = id;
  return id;
}

int KernelBuilder::scalar(Scope* s, ScalarOp sop, DType dtype, std::vector<int> args) {
  Op op;
  op.kind = OpKind::Scalar;
  op.sop = sop;
  op.dtype = dtype;
  op.args = std::move(args);
  return append(s, std::move(op));
}

int KernelBuilder::convert(Scope* s, int value, DType from, DType to) {
  if (from == to) return value;
  return scalar(s, ScalarOp::Convert, to, {value});
}

int KernelBuilder::cached(const Scope* s, const std::string& key) {
  for (const Scope* p = s; p; p = p->parent) {
    auto it = p->cache.find(key);
    if (it != p->cache.end()) return it->second;
  }
  return -1;
}

int KernelBuilder::index_value(const AffineIndex& c, DType dtype) {
  Scope* s = target({c});
  std::string key = "idx" + coords_key({c}) + std::string(dtype_name(dtype));
  if (const int hit = cached(s, key); hit >= 0) return hit;
  int acc = -1;
  for (const auto& [v, stride] : c.terms) {
    Scope* vs = var_scope_.at(static_cast<std::size_t>(v));
    std::string vkey = "iv" + std::to_string(v);
    int iv;
    if (auto it = vs->cache.find(vkey); it != vs->cache.end()) {
      iv = it->second;
    } else {
      Op op;
      op.kind = OpKind::IndexVar;
      op.dtype = DType::I64;
      op.index_var = v;
      iv = append(vs, std::move(op));
      vs->cache[vkey] = iv;
    }
    int term = stride == 1 ? iv
                           : scalar(s, ScalarOp::Mul, DType::I64,
                                    {iv, constant(Scalar::of_int(DType::I64, stride))});
    acc = acc < 0 ? term : scalar(s, ScalarOp::Add, DType::I64, {acc, term});
  }
  if (acc < 0) {
    acc = constant(Scalar::of_int(DType::I64, c.offset));
  } else if (c.offset != 0) {
    acc =
        scalar(s, ScalarOp::Add, DType::I64, {acc, constant(Scalar::of_int(DType::I64, c.offset))});
  }
  int r = convert(s, acc, DType::I64, dtype);
  s->cache[key] = r;
  return r;
}

int KernelBuilder::emit_root(int var, const Coords& coords) {
  return emit_in(Atom::of_var(var), coords, /*root=*/true);
}

int KernelBuilder::emit(const Atom& a, const Coords& coords) {
  return emit_in(a, coords, /*root=*/false);
}

// The walk is iterative (an explicit stack of pending values), so a chain of 10^5
// inlined elementwise and index-map producers needs no stack depth. A producer with a loop
// of its own (reduction, dot_general, inlined control flow) is expanded by a nested call
// (it places its operands inside its loop scopes); fusion bounds how many of those nest
// along one inlined path (kMaxInlinedLoops), so that recursion is bounded too.
int KernelBuilder::emit_in(const Atom& a, const Coords& coords, bool root) {
  // A value whose operands are being emitted: once they are, it is combined and cached.
  struct Pending {
    Scope* scope;
    std::string key;
    ScalarOp op;  // None: the value is its single operand's (an index map, a reshape)
    DType dtype;
    std::vector<std::pair<Atom, Coords>> operands;
    std::size_t next = 0;
    std::vector<int> args;
  };
  std::vector<Pending> stack;
  // Resolves a request at once (a literal, a cached or loaded value, a producer with a
  // loop), or pushes it as Pending and returns -1.
  auto start = [&](const Atom& x, const Coords& c, bool as_root) -> int {
    if (x.is_literal()) return constant(x.literal.value);
    const int v = x.var;
    const AbstractValue& av = g_.aval(v);
    if (static_cast<int>(c.size()) != av.rank()) {
      LANES_FAIL("lower: " + av.to_string() + " value %" + std::to_string(v) + " requested with " +
                 std::to_string(c.size()) + " coordinates");
    }
    Scope* s = target(c);
    const std::string point = std::to_string(v) + ":" + coords_key(c);
    std::string key = (as_root ? "r" : "v") + point;
    if (const int hit = cached(s, key); hit >= 0) return hit;
    const auto vu = static_cast<std::size_t>(v);
    const bool mat = plan_.materialized[vu];
    // A value this kernel itself stores, requested at the point where it stores it: its
    // register (lower.cpp's depends_on_open allows only such reads of the open kernel).
    if (mat && !as_root) {
      if (const int hit = cached(s, "r" + point); hit >= 0) return hit;
    }
    const int producer = plan_.producer[vu];
    const LoweringKind kind =
        producer < 0 ? LoweringKind::Host : plan_.eqn_kind[static_cast<std::size_t>(producer)];
    int id = -1;
    if ((mat && !as_root) || kind == LoweringKind::Constant || producer < 0) {
      int b = buffer_of_.at(vu);
      if (b < 0) LANES_FAIL("lower: value %" + std::to_string(v) + " has no buffer");
      Op op;
      op.kind = OpKind::Load;
      op.dtype = av.dtype;
      op.buffer = b;
      op.index = linearize(c, av.shape);
      id = append(s, std::move(op));
    } else {
      const Equation& e = g_.eqns.at(static_cast<std::size_t>(producer));
      std::vector<std::pair<Atom, Coords>> operands;
      if (!inline_operands(e, kind, v, c, operands)) {
        id = expand(v, c, s);
      } else {
        const ScalarOp op = kind == LoweringKind::Elementwise ? e.prim->scalar_op : ScalarOp::None;
        stack.push_back(Pending{s, std::move(key), op, av.dtype, std::move(operands), 0, {}});
        return -1;
      }
    }
    s->cache[key] = id;
    return id;
  };
  int r = start(a, coords, root);
  while (!stack.empty()) {
    Pending& p = stack.back();
    if (r >= 0) p.args.push_back(r);
    if (p.next < p.operands.size()) {
      // Copies: start() may grow the stack and move p.
      const Atom x = p.operands[p.next].first;
      const Coords c = std::move(p.operands[p.next].second);
      ++p.next;
      r = start(x, c, /*as_root=*/false);
      continue;
    }
    r = p.op == ScalarOp::None ? p.args.at(0) : scalar(p.scope, p.op, p.dtype, std::move(p.args));
    p.scope->cache[p.key] = r;
    stack.pop_back();
  }
  return r;
}

bool KernelBuilder::inline_operands(const Equation& e, LoweringKind kind, int var,
                                    const Coords& coords,
                                    std::vector<std::pair<Atom, Coords>>& operands) const {
  const AbstractValue& out = g_.aval(var);
  switch (kind) {
    case LoweringKind::Elementwise:
      for (const Atom& a : e.inputs) {
        AbstractValue ia = g_.aval(a);
        Coords c;
        const int off = out.rank() - ia.rank();
        for (int d = 0; d < ia.rank(); ++d) {
          const std::size_t du = static_cast<std::size_t>(d);
          const std::size_t od = static_cast<std::size_t>(d + off);
          c.push_back(ia.shape[du] == 1 && out.shape[od] != 1 ? affine_const(0) : coords[od]);
        }
        operands.emplace_back(a, std::move(c));
      }
      return true;
    case LoweringKind::IndexMap:
      operands.emplace_back(e.inputs[0],
                            e.prim->index_map(coords, g_.aval(e.inputs[0]), out, e.params));
      return true;
    case LoweringKind::Reshape: {
      const Atom& a = e.inputs[0];
      if (a.is_literal()) {
        operands.emplace_back(a, Coords{});
        return true;
      }
      AbstractValue ia = g_.aval(a);
      if (!is_unit_reshape(ia.shape, out.shape)) return false;  // a load: expand()
      std::vector<AffineIndex> nonunit;
      for (std::size_t d = 0; d < coords.size(); ++d) {
        if (out.shape[d] != 1) nonunit.push_back(coords[d]);
      }
      Coords c;
      std::size_t k = 0;
      for (auto ext : ia.shape) c.push_back(ext != 1 ? nonunit.at(k++) : affine_const(0));
      operands.emplace_back(a, std::move(c));
      return true;
    }
    default:
      return false;
  }
}

// The producers that inline_operands() does not walk: a load through a reshape, iota, and
// the producers with loops of their own.
int KernelBuilder::expand(int var, const Coords& coords, Scope* s) {
  const Equation& e =
      g_.eqns.at(static_cast<std::size_t>(plan_.producer[static_cast<std::size_t>(var)]));
  const LoweringKind kind =
      plan_.eqn_kind[static_cast<std::size_t>(plan_.producer[static_cast<std::size_t>(var)])];
  const AbstractValue& out = g_.aval(var);
  switch (kind) {
    case LoweringKind::Reshape: {
      // Not a unit reshape: the row-major offset is the same in the operand and the result.
      const Atom& a = e.inputs[0];
      int b = buffer_of_.at(static_cast<std::size_t>(a.var));
      if (b < 0) LANES_FAIL("lower: reshape operand is not materialized");
      Op op;
      op.kind = OpKind::Load;
      op.dtype = out.dtype;
      op.buffer = b;
      op.index = linearize(coords, out.shape);
      return append(s, std::move(op));
    }
    case LoweringKind::Iota: {
      const auto dim = static_cast<std::size_t>(e.params.get_int("dimension"));
      return index_value(coords.at(dim), out.dtype);
    }
    case LoweringKind::Reduction:
      return expand_reduce(e, coords, s);
    case LoweringKind::Contraction:
      return expand_dot(e, coords, s);
    case LoweringKind::ControlFlow:
      return expand_control_flow(var, e, coords, s);
    default:
      break;
  }
  LANES_FAIL("lower: " + e.prim->name + " cannot be inlined into a kernel");
}

std::vector<int> KernelBuilder::emit_loop_nest(Scope* s, const std::vector<std::int64_t>& trips,
                                               const std::vector<DType>& dtypes,
                                               const std::vector<int>& init, const LoopBody& body,
                                               bool reassociable) {
  std::vector<int> vars;
  if (trips.empty()) return body(s, vars, init);
  return emit_loop_level(s, 0, trips, dtypes, init, vars, body, reassociable);
}

std::vector<int> KernelBuilder::emit_loop_level(Scope* s, std::size_t level,
                                                const std::vector<std::int64_t>& trips,
                                                const std::vector<DType>& dtypes,
                                                const std::vector<int>& init,
                                                std::vector<int>& vars, const LoopBody& body,
                                                bool reassociable) {
  auto child = std::make_unique<Scope>();
  child->parent = s;
  child->depth = s->depth + 1;
  const int iv = kernel_.num_index_vars++;
  var_scope_.push_back(child.get());
  vars.push_back(iv);
  std::vector<int> params;
  for (DType t : dtypes) {
    params.push_back(next_id_++);
    child->block.param_dtypes.push_back(t);
  }
  child->block.params = params;
  std::vector<int> yields = level + 1 == trips.size()
                                ? body(child.get(), vars, params)
                                : emit_loop_level(child.get(), level + 1, trips, dtypes, params,
                                                  vars, body, reassociable);
  child->block.yields = yields;
  Op loop_op;
  loop_op.kind = OpKind::Loop;
  loop_op.dtype = dtypes.empty() ? DType::I64 : dtypes[0];
  loop_op.args = init;
  loop_op.index_var = iv;
  loop_op.trip_count = trips[level];
  loop_op.reassociable = reassociable;
  loop_op.blocks.push_back(std::move(child->block));
  const int lid = append(s, std::move(loop_op));
  std::vector<int> results;
  for (std::size_t k = 0; k < dtypes.size(); ++k) {
    Op r;
    r.kind = OpKind::LoopResult;
    r.dtype = dtypes[k];
    r.args = {lid};
    r.result_index = static_cast<int>(k);
    results.push_back(append(s, std::move(r)));
  }
  return results;
}

int KernelBuilder::expand_dot(const Equation& e, const Coords& coords, Scope* s) {
  const Atom& lhs = e.inputs[0];
  const Atom& rhs = e.inputs[1];
  const AbstractValue la = g_.aval(lhs), ra = g_.aval(rhs);
  const DType od = g_.aval(e.outputs[0]).dtype;
  const auto& lc = e.params.get_ints("lhs_contracting");
  const auto& rc = e.params.get_ints("rhs_contracting");
  const auto& lb = e.params.get_ints("lhs_batch");
  const auto& rb = e.params.get_ints("rhs_batch");
  auto position = [](const std::vector<std::int64_t>& v, int d) {
    auto it = std::find(v.begin(), v.end(), d);
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
  };
  std::int64_t lhs_free = 0;
  for (int d = 0; d < la.rank(); ++d) {
    if (position(lc, d) < 0 && position(lb, d) < 0) ++lhs_free;
  }
  std::vector<std::int64_t> trips;
  for (auto d : lc) trips.push_back(la.shape[static_cast<std::size_t>(d)]);

  std::vector<int> r = emit_loop_nest(
      s, trips, {od}, {constant(Scalar::of_int(od, 0))},
      [&](Scope* inner, const std::vector<int>& vars, const std::vector<int>& carries) {
        // Output coordinates: batch dims, then lhs free dims, then rhs free dims.
        auto operand_coords = [&](const AbstractValue& av, const std::vector<std::int64_t>& con,
                                  const std::vector<std::int64_t>& bat, std::size_t free0) {
          Coords c;
          std::size_t f = free0;
          for (int d = 0; d < av.rank(); ++d) {
            if (int p = position(con, d); p >= 0) {
              c.push_back(affine_var(vars[static_cast<std::size_t>(p)]));
            } else if (int q = position(bat, d); q >= 0) {
              c.push_back(coords.at(static_cast<std::size_t>(q)));
            } else {
              c.push_back(coords.at(f++));
            }
          }
          return c;
        };
        const int x =
            convert(inner, emit(lhs, operand_coords(la, lc, lb, lb.size())), la.dtype, od);
        const int y = convert(
            inner,
            emit(rhs, operand_coords(ra, rc, rb, lb.size() + static_cast<std::size_t>(lhs_free))),
            ra.dtype, od);
        const int p = scalar(inner, ScalarOp::Mul, od, {x, y});
        // No contracting dimension (an outer product): the product itself, as the
        // reference computes it.
        if (vars.empty()) return std::vector<int>{p};
        return std::vector<int>{scalar(inner, ScalarOp::Add, od, {carries[0], p})};
      },
      /*reassociable=*/true);
  return r[0];
}

void KernelBuilder::store(int buffer, const Shape& shape, const Coords& coords, int value,
                          std::int64_t offset) {
  loop::Store st;
  st.buffer = buffer;
  st.index = linearize(coords, shape);
  st.index.offset += offset;
  st.value = value;
  kernel_.stores.push_back(std::move(st));
}

loop::Kernel KernelBuilder::finish() {
  kernel_.body = std::move(root_->block);
  kernel_.num_ops = next_id_;
  return std::move(kernel_);
}

}  // namespace lanes::internal::lower
