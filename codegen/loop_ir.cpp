// The loop IR's helpers: AffineIndex::stride_of and the readable text form of a Program
// (printed by LANES_DEBUG=ir and in test failure messages).
//
//   b0: f64[8] input 0
//   b1: f64[8] output 0
//   kernel k0_add [8] vector_axis=-1 index_vars=1 ops=3 {
//     %0:f64 = load b0[i0]
//     %1:f64 = sin %0
//     store b1[i0] = %1
//   }
//   outputs: b1
//
// While and If print their blocks nested:
//   %4:f64 = while carries(%5:f64 = %1) { ...  yield %7 } do (%8:f64) { ... yield %9 }
//   %4:f64 = if %3 { ... yield %5 } else { ... yield %6 }
#include "codegen/loop_ir.h"

#include <algorithm>

#include <sstream>

namespace lanes::internal::loop {

AffineIndex affine_const(std::int64_t c) {
  AffineIndex a;
  a.offset = c;
  return a;
}

AffineIndex affine_var(int v, std::int64_t stride) {
  AffineIndex a;
  a.terms.push_back({v, stride});
  return a;
}

AffineIndex scaled_add(const AffineIndex& a, std::int64_t k, const AffineIndex& b) {
  AffineIndex r = b;
  r.offset += a.offset * k;
  for (const auto& [v, s] : a.terms) r.terms.push_back({v, s * k});
  std::sort(r.terms.begin(), r.terms.end());
  AffineIndex m;
  m.offset = r.offset;
  for (const auto& [v, s] : r.terms) {
    if (!m.terms.empty() && m.terms.back().first == v) {
      m.terms.back().second += s;
    } else {
      m.terms.push_back({v, s});
    }
  }
  std::erase_if(m.terms, [](const auto& t) { return t.second == 0; });
  return m;
}

std::int64_t AffineIndex::stride_of(int index_var) const {
  std::int64_t s = 0;
  for (const auto& [var, stride] : terms) {
    if (var == index_var) s += stride;
  }
  return s;
}

namespace {

std::string affine_text(const AffineIndex& idx) {
  std::ostringstream os;
  bool first = true;
  for (const auto& [var, stride] : idx.terms) {
    if (!first) os << " + ";
    first = false;
    if (stride != 1) os << stride << "*";
    os << "i" << var;
  }
  if (idx.offset != 0 || first) {
    if (!first) os << " + ";
    os << idx.offset;
  }
  return os.str();
}

std::string args_text(const std::vector<int>& args) {
  std::string s;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) s += ", ";
    s += "%" + std::to_string(args[i]);
  }
  return s;
}

void print_block(std::ostringstream& os, const Block& b, int indent);

void print_op(std::ostringstream& os, int id, const Op& op, int indent) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  os << pad << "%" << id << ":" << dtype_name(op.dtype) << " = ";
  switch (op.kind) {
    case OpKind::Const:
      os << "const " << op.value.to_string();
      break;
    case OpKind::IndexVar:
      os << "index i" << op.index_var;
      break;
    case OpKind::Load:
      os << "load b" << op.buffer << "[" << affine_text(op.index) << "]";
      break;
    case OpKind::Scalar:
      os << scalar_op_name(op.sop) << " " << args_text(op.args);
      break;
    case OpKind::LoopResult:
      os << "result " << op.result_index << " of %" << (op.args.empty() ? -1 : op.args[0]);
      break;
    case OpKind::Loop: {
      os << (op.lanes          ? "lanes_loop i"
             : op.reassociable ? "reduce_loop i"
                               : "loop i")
         << op.index_var << " in [0, " << op.trip_count << ")";
      if (op.lanes) os << " fold " << scalar_op_name(op.sop);
      const Block* body = op.blocks.empty() ? nullptr : &op.blocks[0];
      os << " carries(";
      for (std::size_t k = 0; k < op.args.size(); ++k) {
        if (k) os << ", ";
        if (body && k < body->params.size()) {
          os << "%" << body->params[k] << ":" << dtype_name(body->param_dtypes[k]) << " = ";
        }
        os << "%" << op.args[k];
      }
      os << ") {\n";
      if (body) print_block(os, *body, indent + 2);
      os << pad << "}";
      break;
    }
    case OpKind::While: {
      const Block* cond = op.blocks.size() > 0 ? &op.blocks[0] : nullptr;
      const Block* body = op.blocks.size() > 1 ? &op.blocks[1] : nullptr;
      os << "while carries(";
      for (std::size_t k = 0; k < op.args.size(); ++k) {
        if (k) os << ", ";
        if (cond && k < cond->params.size()) {
          os << "%" << cond->params[k] << ":" << dtype_name(cond->param_dtypes[k]) << " = ";
        }
        os << "%" << op.args[k];
      }
      os << ") {\n";
      if (cond) print_block(os, *cond, indent + 2);
      os << pad << "} do (";
      if (body) {
        for (std::size_t k = 0; k < body->params.size(); ++k) {
          os << (k ? ", %" : "%") << body->params[k] << ":" << dtype_name(body->param_dtypes[k]);
        }
      }
      os << ") {\n";
      if (body) print_block(os, *body, indent + 2);
      os << pad << "}";
      break;
    }
    case OpKind::If: {
      os << "if " << args_text(op.args) << " {\n";
      if (!op.blocks.empty()) print_block(os, op.blocks[0], indent + 2);
      os << pad << "} else {\n";
      if (op.blocks.size() > 1) print_block(os, op.blocks[1], indent + 2);
      os << pad << "}";
      break;
    }
  }
  os << "\n";
}

void print_block(std::ostringstream& os, const Block& b, int indent) {
  for (std::size_t i = 0; i < b.ops.size(); ++i) {
    int id = i < b.ids.size() ? b.ids[i] : -1;
    print_op(os, id, b.ops[i], indent);
  }
  if (!b.yields.empty()) {
    os << std::string(static_cast<std::size_t>(indent), ' ') << "yield " << args_text(b.yields)
       << "\n";
  }
}

const char* kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::Input:
      return "input";
    case BufferKind::Output:
      return "output";
    case BufferKind::Temp:
      return "temp";
    case BufferKind::Constant:
      return "constant";
  }
  return "?";
}

}  // namespace

std::string Program::to_string() const {
  std::ostringstream os;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const Buffer& b = buffers[i];
    os << "b" << i << ": " << dtype_name(b.dtype) << shape_to_string(b.shape) << " "
       << kind_name(b.kind);
    if (b.kind == BufferKind::Input || b.kind == BufferKind::Output) os << " " << b.io_index;
    os << "\n";
  }
  for (const Step& step : steps) {
    if (const Kernel* k = std::get_if<Kernel>(&step)) {
      os << "kernel " << k->name << " " << shape_to_string(k->extents)
         << " vector_axis=" << k->vector_axis << " index_vars=" << k->num_index_vars
         << " ops=" << k->num_ops << " {\n";
      print_block(os, k->body, 2);
      for (const Store& s : k->stores) {
        os << "  store b" << s.buffer << "[" << affine_text(s.index) << "] = %" << s.value << "\n";
      }
      os << "}\n";
    } else {
      const HostStep& h = std::get<HostStep>(step);
      os << "host " << h.name << "(";
      for (std::size_t i = 0; i < h.inputs.size(); ++i) os << (i ? ", b" : "b") << h.inputs[i];
      os << ") -> (";
      for (std::size_t i = 0; i < h.outputs.size(); ++i) os << (i ? ", b" : "b") << h.outputs[i];
      os << ")\n";
    }
  }
  os << "outputs:";
  for (const OutputSource& o : outputs) {
    if (o.buffer >= 0) {
      os << " b" << o.buffer;
    } else {
      os << " " << dtype_name(o.literal.dtype()) << " " << o.literal.to_string();
    }
  }
  os << "\n";
  return os.str();
}

}  // namespace lanes::internal::loop
