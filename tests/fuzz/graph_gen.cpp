// The random graph generator: decoding fuzzer bytes into a Recipe, input arrays, and
// the traced lanes::Fn (see graph_gen.h for the design).
#include "tests/fuzz/graph_gen.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <utility>

#include "engine/passes/dce.h"
#include "engine/trace.h"
#include "frontend/fn_impl.h"
#include "tests/oracle/primitive_cases.h"

namespace lanes::fuzz {

namespace {

constexpr int kMaxOps = 24;
constexpr std::int64_t kMaxElements = 512;  // an op whose result is larger is skipped
constexpr int kMaxRank = 4;

// --- op kinds (the first byte of an OpSpec, modulo kNumKinds) ---------------------------
enum Kind : std::uint8_t {
  kUnary,
  kBinary,
  kCompare,
  kLogical,
  kWhere,
  kAsType,
  kLiteral,
  kReduce,
  kBroadcast,
  kReshape,
  kTranspose,
  kSlice,
  kConcat,
  kIota,
  kDot,
  kCond,
  kWhile,
  kFori,
  kScan,
  kNumKinds
};

using Unary = Value (*)(const Value&);
struct UnaryEntry {
  const char* name;
  Unary fn;
  bool exact;  // bit-exact in jit (IR arithmetic, llvm.sqrt, rounding functions, ...)
};
const UnaryEntry kUnaryAny[] = {
    {"sin", lanes::sin, false},      {"cos", lanes::cos, false},
    {"tan", lanes::tan, false},      {"asin", lanes::asin, false},
    {"acos", lanes::acos, false},    {"atan", lanes::atan, false},
    {"sinh", lanes::sinh, false},    {"cosh", lanes::cosh, false},
    {"tanh", lanes::tanh, false},    {"asinh", lanes::asinh, false},
    {"acosh", lanes::acosh, false},  {"atanh", lanes::atanh, false},
    {"exp", lanes::exp, false},      {"exp2", lanes::exp2, false},
    {"expm1", lanes::expm1, false},  {"log", lanes::log, false},
    {"log2", lanes::log2, false},    {"log10", lanes::log10, false},
    {"log1p", lanes::log1p, false},  {"sqrt", lanes::sqrt, true},
    {"rsqrt", lanes::rsqrt, false},  {"cbrt", lanes::cbrt, false},
    {"erf", lanes::erf, false},      {"erfc", lanes::erfc, false},
    {"neg", lanes::neg, true},       {"abs", lanes::abs, true},
    {"sign", lanes::sign, true},     {"floor", lanes::floor, true},
    {"ceil", lanes::ceil, true},     {"round", lanes::round, true},
    {"square", lanes::square, true}, {"not", lanes::logical_not, true},
};
constexpr int kNumUnaryAny = sizeof(kUnaryAny) / sizeof(kUnaryAny[0]);

// Smooth and bounded compositions for the gradient checks.
Value d_exp(const Value& x) { return lanes::exp(lanes::tanh(x)); }
Value d_log(const Value& x) { return lanes::log1p(x * x); }
Value d_sqrt(const Value& x) { return lanes::sqrt(x * x + 1.0); }
Value d_xtanh(const Value& x) { return x * lanes::tanh(x); }
Value d_sinh(const Value& x) { return lanes::sinh(lanes::tanh(x)); }
const UnaryEntry kUnaryDiff[] = {
    {"sin", lanes::sin, false},    {"cos", lanes::cos, false}, {"tanh", lanes::tanh, false},
    {"atan", lanes::atan, false},  {"erf", lanes::erf, false}, {"asinh", lanes::asinh, false},
    {"neg", lanes::neg, true},     {"exp∘tanh", d_exp, false}, {"log1p(x²)", d_log, false},
    {"sqrt(x²+1)", d_sqrt, false}, {"x·tanh", d_xtanh, false}, {"sinh∘tanh", d_sinh, false},
};
constexpr int kNumUnaryDiff = sizeof(kUnaryDiff) / sizeof(kUnaryDiff[0]);

using Binary = Value (*)(const Value&, const Value&);
Value b_safe_div(const Value& a, const Value& b) { return a / (lanes::sin(b) + 1.5); }
// 64 tanh(x / 64): about x for |x| << 64, never beyond 64. The Differentiable flavor
// passes products, quotients and dots through it: a chain of them (powers in a loop,
// a dot of those) otherwise reaches 1e7, and an input's effect on such an intermediate
// falls below its ulp at any finite-difference step (the differences then miss a
// dependency that grad sees: a fuzz-found false mismatch).
Value soft_clamp(const Value& x) { return lanes::tanh(x * (1.0 / 64)) * 64.0; }
Value b_mul_tanh(const Value& a, const Value& b) { return a * lanes::tanh(b); }
Value b_atan2(const Value& a, const Value& b) { return lanes::atan2(a, b * b + 2.0); }

// --- primitives from the tests' primitive table (tests/oracle/primitive_cases.h) ----------
// The kinds above make every primitive that was registered when the corpus was recorded,
// with a byte decoding that corpus/ replays and so must not change. A generic row of the
// table for any other primitive is made through extension slots of kUnary (rows of one
// operand, or whose operands all derive from one value: structural rows) and kBinary
// (elementwise rows of two operands): see pick().
const std::set<std::string>& made_by_kinds() {
  static const std::set<std::string> s = [] {
    std::istringstream in(
        "neg abs sign not floor ceil round sqrt rsqrt cbrt exp exp2 expm1 log log2 log10 "
        "log1p sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh erf erfc add sub "
        "mul div rem pow atan2 min max and or xor lt le gt ge eq ne select convert "
        "broadcast_in_dim reshape transpose slice concatenate iota constant reduce_sum "
        "reduce_prod reduce_max reduce_min argmax argmin dot_general");
    std::set<std::string> names;
    for (std::string w; in >> w;) names.insert(w);
    return names;
  }();
  return s;
}

std::set<std::string>& treated_as_new() {
  static std::set<std::string> s;
  return s;
}

struct TableOps {
  std::vector<const testing::PrimitiveCase*> unary, binary;
};

// The rows the kinds do not make; for the Differentiable flavor only differentiable rows
// that accept f64.
TableOps table_ops(bool diff) {
  TableOps t;
  for (const testing::PrimitiveCase& r : testing::primitive_cases()) {
    if (!r.generic() || (made_by_kinds().count(r.name) && !treated_as_new().count(r.name)))
      continue;
    if (diff && (!r.differentiable || !r.accepts(DType::F64))) continue;
    bool two = r.kind == testing::RowKind::Elementwise && r.arity == 2;
    (two ? t.binary : t.unary).push_back(&r);
  }
  return t;
}

// The slot a byte `which` picks among n entries of a kind's own list and m table rows:
// entry which % n, as the corpus was recorded, while the table has no rows for the kind;
// once it has, the top n bytes (and the remainder of 256 / n) pick table rows (slot n + j).
int pick(int which, int n, std::size_t m) {
  if (m == 0) return which % n;
  const int cut = n * (256 / n - 1);
  return which < cut ? which % n : n + (which - cut) % static_cast<int>(m);
}

bool shapes_broadcast(const Shape& a, const Shape& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    std::int64_t x = a[a.size() - 1 - i], y = b[b.size() - 1 - i];
    if (x != y && x != 1 && y != 1) return false;
  }
  return true;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  Shape r(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < r.size(); ++i) {
    std::int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    std::int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    r[r.size() - 1 - i] = x == 1 ? y : x;
  }
  return r;
}

// The element [0, ..., 0] of x as a rank-0 value (exact).
Value first_element(const Value& x) {
  if (x.rank() == 0) return x;
  Axes lo(static_cast<std::size_t>(x.rank()), 0), hi(lo.size(), 1);
  return lanes::reshape(lanes::slice(x, lo, hi), {});
}

// Slice i of x along axis 0, without that axis.
Value row(const Value& x, std::int64_t i) {
  Axes lo(static_cast<std::size_t>(x.rank()), 0);
  Axes hi = x.shape();
  lo[0] = i;
  hi[0] = i + 1;
  Shape s = x.shape();
  s.erase(s.begin());
  return lanes::reshape(lanes::slice(x, lo, hi), s);
}

// A value and whether it may differ from the interpreter within a ULP bound (Inexact:
// which bound, the coarsest of its inexact sources).
struct TV {
  Value v;
  int inexact;
};

int worst(std::initializer_list<int> levels) { return std::max(levels); }
// The level of an inexact operation whose result has dtype `t`.
int level(DType t) { return t == DType::F32 ? kInexactF32 : kInexactF64; }

class Builder {
 public:
  Builder(const Recipe& r, std::vector<Value> inputs)
      : r_(r), diff_(r.flavor == Flavor::Differentiable) {
    for (Value& v : inputs) vals_.push_back({std::move(v), false});
  }

  std::vector<TV> run() {
    for (const OpSpec& op : r_.ops) {
      std::size_t before = vals_.size();
      try {
        apply(op);
      } catch (const lanes::Error&) {
        // The generator coerces operands so ops are well typed; a rejected op (a case
        // the coercion misses) is skipped rather than failing the whole case.
        vals_.erase(vals_.begin() + static_cast<std::ptrdiff_t>(before), vals_.end());
      }
      // Keep sizes bounded: drop results that grew too large.
      while (vals_.size() > before && (shape_size(vals_.back().v.shape()) > kMaxElements ||
                                       vals_.back().v.rank() > kMaxRank)) {
        vals_.pop_back();
      }
    }
    std::vector<TV> outs;
    for (std::uint8_t o : r_.outputs) outs.push_back(vals_[o % vals_.size()]);
    if (diff_) {
      for (TV& t : outs) t.v = lanes::astype(t.v, DType::F64);
    }
    return outs;
  }

 private:
  const TV& operand(std::uint8_t i) const { return vals_[i % vals_.size()]; }
  void push(Value v, int inexact) { vals_.push_back({std::move(v), inexact}); }

  // y reshaped so that it broadcasts against x without changing x's shape.
  static Value fit_to(const Value& y, const Value& x) {
    if (shapes_broadcast(x.shape(), y.shape()) &&
        broadcast_shapes(x.shape(), y.shape()) == x.shape())
      return y;
    return first_element(y);
  }
  // y reshaped so that it broadcasts against x (the result may be larger than either).
  static Value fit(const Value& y, const Value& x) {
    return shapes_broadcast(x.shape(), y.shape()) ? y : first_element(y);
  }
  static Value numeric(const Value& x) {  // bools as i32, for ops bools do not accept
    return x.dtype() == DType::Bool ? lanes::astype(x, DType::I32) : x;
  }

  // x as a value of shape s: its first elements when it has enough, else its first element
  // broadcast.
  static Value shaped_like(const Value& x, const Shape& s) {
    const std::int64_t n = shape_size(s);
    Value flat = lanes::reshape(x, {-1});
    if (flat.shape()[0] >= n) return lanes::reshape(lanes::slice(flat, {0}, {n}), s);
    return lanes::broadcast_to(first_element(x), s);
  }

  // A row of the table applied to a (and b): elementwise rows on a and b fitted to it,
  // structural ones on a (or b) reshaped to the row's operand shapes; operands converted
  // to the dtypes the row takes (Differentiable: f64, mapped into the row's domain).
  TV table_op(const testing::PrimitiveCase& r, const TV& a, const TV& b, int which) const {
    DType t = r.accepts(a.v.dtype())  ? a.v.dtype()
              : r.accepts(DType::F64) ? DType::F64
                                      : r.dtypes[0];
    if (diff_) t = DType::F64;
    std::vector<testing::Example> ex = testing::examples(r, t);
    const testing::Example& e = ex[static_cast<std::size_t>(which >> 3) % ex.size()];
    std::vector<Value> in;
    for (std::size_t i = 0; i < e.operands.size(); ++i) {
      const testing::Operand& o = e.operands[i];
      const Value& src = i % 2 == 0 ? a.v : b.v;
      Value v = r.kind == testing::RowKind::Elementwise ? (i == 0 ? src : fit(src, a.v))
                                                        : shaped_like(src, o.shape);
      if (v.dtype() != o.dtype) v = lanes::astype(v, o.dtype);
      if (diff_ && is_float(o.dtype)) {  // smooth, onto the row's domain
        v = o.domain.lo + (o.domain.hi - o.domain.lo) * 0.5 * (lanes::tanh(v) + 1.0);
      }
      in.push_back(v);
    }
    Value out = e.call(in).at(0);
    if (diff_) out = soft_clamp(lanes::astype(out, DType::F64));
    int inexact = worst({a.inexact, b.inexact});
    // Inexact: vector math, and structural rows with a float result (a reduction or
    // contraction may sum in another order; an exact shape op loses only bit-for-bit).
    if (is_float(out.dtype()) && (r.math.precise != 0 || r.math.fast != 0 || diff_ ||
                                  r.kind == testing::RowKind::Structural))
      inexact = worst({inexact, level(out.dtype())});
    return {out, inexact};
  }

  TV unary(int which, const TV& x) const {
    const TableOps table = table_ops(diff_);
    if (diff_) {
      const int k = pick(which, kNumUnaryDiff, table.unary.size());
      if (k >= kNumUnaryDiff) return table_op(*table.unary[k - kNumUnaryDiff], x, x, which);
      const UnaryEntry& e = kUnaryDiff[k];
      Value out = e.fn(x.v);
      return {out, e.exact ? x.inexact : worst({x.inexact, level(out.dtype())})};
    }
    const int k = pick(which, kNumUnaryAny, table.unary.size());
    if (k >= kNumUnaryAny) return table_op(*table.unary[k - kNumUnaryAny], x, x, which);
    const UnaryEntry& e = kUnaryAny[k];
    Value in = x.v;
    std::string n = e.name;
    if (n == "not" && is_float(in.dtype())) in = lanes::astype(in, DType::I32);
    if ((n == "neg" || n == "abs" || n == "sign" || n == "square") && in.dtype() == DType::Bool)
      in = lanes::astype(in, DType::I32);
    // A periodic function turns the rounding differences of a large inexact argument into
    // any value (sin of cosh(cosh(cosh(2.4))) ~ 1.6e62, a fuzz-found false mismatch); a
    // bounded argument (|8 tanh x| <= 8, tanh well conditioned) keeps them as small.
    if ((n == "sin" || n == "cos" || n == "tan") && x.inexact != kExact && is_float(in.dtype()))
      in = lanes::tanh(in) * 8.0;
    Value out = e.fn(in);
    if ((n == "floor" || n == "ceil" || n == "round" || n == "sign") && x.inexact != kExact &&
        is_float(in.dtype())) {
      return {out, kInexactUnbounded};
    }
    return {out,
            !e.exact && is_float(out.dtype()) ? worst({x.inexact, level(out.dtype())}) : x.inexact};
  }

  TV binary(int which, const TV& a, const TV& b) const {
    Value y = fit(b.v, a.v);
    int inexact = worst({a.inexact, b.inexact});
    const TableOps table = table_ops(diff_);
    const int k = pick(which, diff_ ? 6 : 9, table.binary.size());
    if (k >= (diff_ ? 6 : 9)) return table_op(*table.binary[k - (diff_ ? 6 : 9)], a, b, which);
    if (diff_) {
      static const Binary kOps[] = {lanes::add, lanes::sub, lanes::mul,
                                    b_safe_div, b_mul_tanh, b_atan2};
      Value r = soft_clamp(kOps[k](a.v, y));
      return {r, worst({inexact, level(r.dtype())})};
    }
    Value x = a.v;
    switch (k) {
      case 0:
        return {x + y, inexact};
      case 1:
        return {numeric(x) - y, inexact};
      case 2:
        return {x * y, inexact};
      case 3:
        return {numeric(x) / y, inexact};
      case 4: {
        Value r = numeric(x) % y;
        if (inexact != kExact && is_float(r.dtype())) return {r, kInexactUnbounded};
        return {r, inexact};
      }
      case 5: {
        Value r = lanes::pow(numeric(x), y);
        return {r, is_float(r.dtype()) ? worst({inexact, level(r.dtype())}) : inexact};
      }
      case 6: {
        Value r = lanes::atan2(x, y);
        return {r, worst({inexact, level(r.dtype())})};
      }
      case 7:
        return {lanes::minimum(x, y), inexact};
      default:
        return {lanes::maximum(x, y), inexact};
    }
  }

  static Value compare(int which, const Value& x, const Value& y) {
    switch (which % 6) {
      case 0:
        return x < y;
      case 1:
        return x <= y;
      case 2:
        return x > y;
      case 3:
        return x >= y;
      case 4:
        return x == y;
      default:
        return x != y;
    }
  }

  // A scalar bool from any value: its first element, compared with 0 unless bool.
  static Value predicate(const Value& c) {
    Value p = first_element(c);
    return p.dtype() == DType::Bool ? p : p > 0;
  }

  // A loop bound in [0, 3]: a literal, or (data-dependent) from an integer scalar.
  static Value trip_count(const OpSpec& op, const TV& c, int* inexact) {
    if ((op.p0 & 4) && is_int(c.v.dtype())) {
      *inexact = worst({*inexact, c.inexact});
      return lanes::rem(lanes::abs(first_element(c.v)), 4);
    }
    return Value(static_cast<std::int64_t>(op.p0 % 4));
  }

  void apply(const OpSpec& op) {
    const TV& a = operand(op.a);
    const TV& b = operand(op.b);
    const TV& c = operand(op.c);
    const Value& x = a.v;
    const int rank = x.rank();
    if (op.nop) {
      push(x, a.inexact);
      return;
    }
    switch (static_cast<Kind>(op.kind % kNumKinds)) {
      case kUnary: {
        TV t = unary(op.p0, a);
        push(t.v, t.inexact);
        break;
      }
      case kBinary: {
        TV t = binary(op.p0, a, b);
        push(t.v, t.inexact);
        break;
      }
      case kCompare: {
        if (diff_) {  // bools are not differentiable values: use it to select
          push(lanes::where(compare(op.p0, x, fit(b.v, x)), x, fit(c.v, x)), true);
        } else {
          push(compare(op.p0, x, fit(b.v, x)), worst({a.inexact, b.inexact}));
        }
        break;
      }
      case kLogical: {
        if (diff_) return;
        auto logical = [](const Value& v) {
          return is_float(v.dtype()) ? lanes::astype(v, DType::Bool) : v;
        };
        Value l = logical(x), rr = logical(fit(b.v, x));
        Value out = op.p0 % 3 == 0 ? (l & rr) : op.p0 % 3 == 1 ? (l | rr) : (l ^ rr);
        push(out, worst({a.inexact, b.inexact}));
        break;
      }
      case kWhere: {
        Value pred = c.v.dtype() == DType::Bool ? c.v : c.v > 0;
        pred = fit(pred, x);
        Value y = fit(b.v, x);
        push(lanes::where(pred, x, fit(y, pred)), worst({a.inexact, b.inexact, c.inexact}));
        break;
      }
      case kAsType: {
        if (diff_) return;
        push(lanes::astype(x, kAllDTypes[op.p0 % 5]), a.inexact);
        break;
      }
      case kLiteral: {
        static const double kFloats[] = {2.0, 0.5, -1.0, 3.0, 0.0, 1e10};
        // Not 1e10 in differentiable graphs: x + 1e10 rounds x to steps of 2e-6, a
        // staircase whose finite differences are not its derivative (grad_fuzz reported
        // sin(sin(x) + 1e10) as a 1% gradient mismatch).
        // Integers beyond a double's 53 bits and at the ends of i64 and i32, on integer
        // operands (issue 20: jit rounded such constants through a double); a weak i64
        // literal wraps to an i32 operand's width, so i32 graphs see INT32_MIN/MAX too.
        static const std::int64_t kLargeInts[] = {(std::int64_t{1} << 53) + 1,
                                                  (std::int64_t{1} << 53) - 1,
                                                  -(std::int64_t{1} << 53) - 1,
                                                  std::numeric_limits<std::int64_t>::max(),
                                                  std::numeric_limits<std::int64_t>::max() - 1,
                                                  std::numeric_limits<std::int64_t>::min(),
                                                  std::numeric_limits<std::int64_t>::min() + 1,
                                                  std::numeric_limits<std::int32_t>::max(),
                                                  std::numeric_limits<std::int32_t>::min()};
        const bool large = !diff_ && (op.p1 & 1) && is_int(x.dtype()) && (op.p0 / 6) % 4 == 3;
        Value lit = large                   ? Value(kLargeInts[op.p1 % std::size(kLargeInts)])
                    : (op.p1 & 1) && !diff_ ? Value(static_cast<std::int64_t>(op.p1 % 5) - 1)
                                            : Value(kFloats[op.p1 % (diff_ ? 5 : 6)]);
        if (diff_) {
          push(op.p0 % 2 ? x * lit : x + lit, a.inexact);
          break;
        }
        Value xn = numeric(x);
        switch (op.p0 % 6) {
          case 0:
            push(x + lit, a.inexact);
            break;
          case 1:
            push(xn - lit, a.inexact);
            break;
          case 2:
            push(x * lit, a.inexact);
            break;
          case 3:
            push(xn / lit, a.inexact);
            break;
          case 4:
            push(lit - xn, a.inexact);
            break;
          default:
            push(lanes::maximum(x, lit), a.inexact);
            break;
        }
        break;
      }
      case kReduce: {
        if (rank == 0) return;
        Value xn = numeric(x);
        Axes axes;
        if (op.p1 % 3 != 0) axes.push_back(op.p1 % rank);
        int which = op.p0 % (diff_ ? 2 : 6);
        bool fl = is_float(xn.dtype());
        switch (which) {
          case 0:
            push(axes.empty() ? lanes::sum(xn) : lanes::sum(xn, axes),
                 fl ? worst({a.inexact, level(xn.dtype())}) : a.inexact);
            break;
          case 1: {
            Value m = axes.empty() ? lanes::mean(xn) : lanes::mean(xn, axes);
            push(m, worst({a.inexact, level(m.dtype())}));
          } break;
          case 2:
            push(axes.empty() ? lanes::prod(xn) : lanes::prod(xn, axes),
                 fl ? worst({a.inexact, level(xn.dtype())}) : a.inexact);
            break;
          case 3:
            push(axes.empty() ? lanes::max(xn) : lanes::max(xn, axes), a.inexact);
            break;
          case 4:
            push(axes.empty() ? lanes::min(xn) : lanes::min(xn, axes), a.inexact);
            break;
          default:
            push(op.p1 & 8 ? lanes::argmax(xn, op.p1 % rank) : lanes::argmin(xn, op.p1 % rank),
                 a.inexact);
        }
        break;
      }
      case kBroadcast: {
        Value e = lanes::expand_dims(x, op.p1 % (rank + 1));
        if (op.p0 & 1) {
          // Broadcast against another operand's shape where numpy allows it.
          if (shapes_broadcast(e.shape(), b.v.shape()))
            e = lanes::broadcast_to(e, broadcast_shapes(e.shape(), b.v.shape()));
        } else {
          Shape s = e.shape();
          s[static_cast<std::size_t>(op.p1 % (rank + 1))] = 1 + op.p0 % 3;
          e = lanes::broadcast_in_dim(x, s, [&] {
            Axes d;
            for (int i = 0; i <= rank; ++i)
              if (i != op.p1 % (rank + 1)) d.push_back(i);
            return d;
          }());
        }
        push(e, a.inexact);
        break;
      }
      case kReshape: {
        if (op.p0 % 3 == 0) {
          push(lanes::reshape(x, {-1}), a.inexact);
        } else if (op.p0 % 3 == 1) {
          Shape s = x.shape();
          std::reverse(s.begin(), s.end());
          push(lanes::reshape(x, s), a.inexact);
        } else if (rank > 0) {
          // squeeze every extent-1 axis, or add one at the end
          Axes ones;
          for (int i = 0; i < rank; ++i)
            if (x.shape()[static_cast<std::size_t>(i)] == 1) ones.push_back(i);
          push(ones.empty() ? lanes::expand_dims(x, rank) : lanes::squeeze(x, ones), a.inexact);
        }
        break;
      }
      case kTranspose: {
        if (rank < 2) return;
        Axes perm(static_cast<std::size_t>(rank));
        for (int i = 0; i < rank; ++i) perm[static_cast<std::size_t>(i)] = i;
        std::mt19937 g(op.p0);
        std::shuffle(perm.begin(), perm.end(), g);
        push(op.p1 & 1 ? lanes::transpose(x) : lanes::transpose(x, perm), a.inexact);
        break;
      }
      case kSlice: {
        if (rank == 0) return;
        int axis = op.p1 % rank;
        Axes lo(static_cast<std::size_t>(rank), 0);
        Axes hi = x.shape();
        Axes st(static_cast<std::size_t>(rank), 1);
        std::int64_t ext = hi[static_cast<std::size_t>(axis)];
        if (ext == 0) return;
        lo[static_cast<std::size_t>(axis)] = op.p0 % ext;
        st[static_cast<std::size_t>(axis)] = 1 + (op.p0 >> 4) % 3;
        push(lanes::slice(x, lo, hi, st), a.inexact);
        break;
      }
      case kConcat: {
        if (rank == 0) return;
        int axis = op.p1 % rank;
        Value y = b.v;
        bool ok = y.rank() == rank;
        for (int i = 0; ok && i < rank; ++i)
          ok = i == axis ||
               y.shape()[static_cast<std::size_t>(i)] == x.shape()[static_cast<std::size_t>(i)];
        if (!ok) y = x;
        if (y.dtype() != x.dtype()) y = lanes::astype(y, x.dtype());
        push(lanes::concatenate({x, y}, axis), worst({a.inexact, b.inexact}));
        break;
      }
      case kIota: {
        if (diff_) return;
        static const DType kIotaTypes[] = {DType::I32, DType::I64, DType::F32, DType::F64};
        Shape s = x.shape().empty() ? Shape{3} : x.shape();
        push(lanes::iota(kIotaTypes[op.p0 % 4], s, op.p1 % static_cast<int>(s.size())), false);
        break;
      }
      case kDot: {
        Value l = numeric(x), r = numeric(b.v);
        std::optional<Value> out;
        if (rank >= 1 && r.rank() >= 1 &&
            l.shape().back() ==
                r.shape()[static_cast<std::size_t>(r.rank() >= 2 ? r.rank() - 2 : 0)] &&
            rank <= 2 && r.rank() <= 2) {
          out = lanes::dot(l, r);
        } else if (rank == 1 && r.rank() == 1) {
          out = lanes::outer(l, r);
        } else if (rank >= 1) {
          // contract the last axis of x with itself (a sum of squares along it)
          out = lanes::dot_general(l, l, {rank - 1}, {rank - 1}, {}, {});
        } else {
          return;
        }
        if (diff_) *out = soft_clamp(*out);
        push(*out, is_float(out->dtype()) ? worst({a.inexact, b.inexact, level(out->dtype())})
                                          : worst({a.inexact, b.inexact}));
        break;
      }
      case kCond: {
        Value pred = predicate(c.v);
        Value y = fit_to(b.v, x);
        const Builder* self = this;
        int which_u = op.p0, which_b = op.p1;
        // The operands' levels, seen inside the branches.
        const int a_inexact = a.inexact, b_inexact = b.inexact;
        DType dt = x.dtype();
        auto body_inexact = std::make_shared<int>(kExact);
        // true branch: a unary op; false branch: a binary op with a captured outer value.
        internal::BodyFn on_true = [=](const std::vector<Value>& args) {
          TV t = self->unary(which_u, {args[0], a_inexact});
          *body_inexact = worst({*body_inexact, t.inexact});
          return std::vector<Value>{lanes::astype(t.v, dt)};
        };
        internal::BodyFn on_false = [=](const std::vector<Value>& args) {
          TV t = self->binary(which_b, {args[0], a_inexact}, {y, b_inexact});
          *body_inexact = worst({*body_inexact, t.inexact});
          Value v = t.v;
          if (v.shape() != args[0].shape())
            v = lanes::broadcast_to(first_element(v), args[0].shape());
          return std::vector<Value>{lanes::astype(v, dt)};
        };
        std::vector<Value> outs =
            internal::cond_values(pred, {on_false, on_true}, {"false_fn", "true_fn"}, {x}, "cond");
        push(outs[0], worst({a.inexact, b.inexact, c.inexact, *body_inexact}));
        break;
      }
      case kWhile: {
        int inexact = a.inexact;
        const int a_inexact = a.inexact;  // the carry's level on the first iteration
        Value k = trip_count(op, c, &inexact);
        const Builder* self = this;
        int which = op.p1;
        DType dt = x.dtype();
        internal::BodyFn cond_fn = [k](const std::vector<Value>& args) {
          return std::vector<Value>{args[0] < k};
        };
        auto body_inexact = std::make_shared<int>(kExact);
        internal::BodyFn body_fn = [=](const std::vector<Value>& args) {
          TV t = self->unary(which, {args[1], a_inexact});
          *body_inexact = worst({*body_inexact, t.inexact});
          return std::vector<Value>{args[0] + 1, lanes::astype(t.v, dt)};
        };
        std::vector<Value> outs = internal::while_loop_values(
            cond_fn, body_fn, {Value(lanes::full(DType::I32, {}, 0)), x}, {.max_iterations = 4});
        push(outs[1], worst({inexact, *body_inexact}));
        if (!diff_) push(outs[0], inexact);
        break;
      }
      case kFori: {
        int inexact = a.inexact;
        Value hi = trip_count(op, c, &inexact);
        const Builder* self = this;
        int which = op.p1;
        DType dt = x.dtype();
        Value y = fit_to(b.v, x);  // captured by the body
        int y_inexact = b.inexact;
        auto body_inexact = std::make_shared<int>(kExact);
        internal::BodyFn body = [=](const std::vector<Value>& args) {
          TV t = self->binary(which, {args[1], inexact}, {y, y_inexact});
          *body_inexact = worst({*body_inexact, t.inexact});
          Value v = t.v;
          if (v.shape() != args[1].shape())
            v = lanes::broadcast_to(first_element(v), args[1].shape());
          if (!self->diff_) v = v + lanes::astype(args[0], numeric(v).dtype());
          return std::vector<Value>{lanes::astype(v, dt)};
        };
        std::vector<Value> outs = internal::fori_loop_values(Value(std::int64_t{0}), hi, body, {x});
        push(outs[0], worst({inexact, *body_inexact}));
        break;
      }
      case kScan: {
        const int a_inexact = a.inexact;  // the carry's level on the first iteration
        const Builder* self = this;
        int which = op.p1;
        DType dt = x.dtype();
        ScanOptions opts;
        auto body_inexact = std::make_shared<int>(a.inexact);
        opts.reverse = op.p0 & 1;
        if (rank == 0) {
          opts.length = op.p0 % 4;
          internal::BodyFn body = [=](const std::vector<Value>& args) {
            TV t = self->unary(which, {args[0], a_inexact});
            *body_inexact = worst({*body_inexact, t.inexact});
            return std::vector<Value>{lanes::astype(t.v, dt), args[0]};
          };
          std::vector<Value> outs = internal::scan_values(body, {x}, {}, opts);
          push(outs[0], *body_inexact);
          push(outs[1], *body_inexact);
        } else {
          if (x.shape()[0] == 0) return;
          Value init = row(x, 0);
          internal::BodyFn body = [=](const std::vector<Value>& args) {
            TV t = self->binary(which, {args[0], a_inexact}, {args[1], a_inexact});
            *body_inexact = worst({*body_inexact, t.inexact});
            Value v = t.v;
            if (v.shape() != args[0].shape())
              v = lanes::broadcast_to(first_element(v), args[0].shape());
            return std::vector<Value>{lanes::astype(v, dt), args[0]};
          };
          std::vector<Value> outs = internal::scan_values(body, {init}, {x}, opts);
          push(outs[0], *body_inexact);
          push(outs[1], *body_inexact);
        }
        break;
      }
      case kNumKinds:
        break;
    }
  }

  const Recipe& r_;
  bool diff_;
  std::vector<TV> vals_;
};

// --- input values -----------------------------------------------------------------------
double float_value(std::mt19937& g, int style, bool f32) {
  std::uniform_real_distribution<double> u(-3, 3);
  if (style != 0 || g() % 4 != 0) return style == 2 ? std::round(u(g)) : u(g);
  const double inf = std::numeric_limits<double>::infinity();
  const double kSpecial[] = {
      0.0, -0.0, 1.0,          -1.0,  0.5,   -2.5,  3.0, f32 ? 1e-40 : 1e-310, f32 ? -1e38 : -1e300,
      inf, -inf, std::nan(""), 100.0, -0.75, 709.5, 89.0};
  return kSpecial[g() % 16];
}

std::int64_t int_value(std::mt19937& g, int style, bool i32) {
  std::uniform_int_distribution<int> u(-6, 6);
  if (style != 0 || g() % 4 != 0) return u(g);
  const std::int64_t kSpecial[] = {
      0,
      -1,
      1,
      2,
      31,
      63,
      i32 ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int64_t>::min(),
      i32 ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int64_t>::max()};
  return kSpecial[g() % 8];
}

}  // namespace

void treat_as_table_rows_for_testing(std::vector<std::string> names) {
  treated_as_new() = std::set<std::string>(names.begin(), names.end());
}

Recipe decode_recipe(ByteReader& in, Flavor flavor) {
  Recipe r;
  r.flavor = flavor;
  r.main_rank = in.range(0, 3);
  for (int i = 0; i + 1 < r.main_rank; ++i) r.lead.push_back(in.range(1, 3));
  int num_inputs = in.range(1, 3);
  for (int i = 0; i < num_inputs; ++i) {
    InputSpec s;
    std::uint8_t t = in.byte();
    s.dtype = flavor == Flavor::Differentiable ? DType::F64 : kAllDTypes[t % 5];
    s.shape_kind = in.byte();
    r.inputs.push_back(s);
  }
  r.value_seed = in.byte() | (static_cast<std::uint32_t>(in.byte()) << 8);
  r.value_style = in.range(0, 2);
  int num_outputs = in.range(1, 3);
  for (int i = 0; i < num_outputs; ++i)
    r.outputs.push_back(static_cast<std::uint8_t>(255 - in.byte()));
  while (!in.done() && static_cast<int>(r.ops.size()) < kMaxOps) {
    OpSpec op;
    op.kind = in.byte();
    op.a = in.byte();
    op.b = in.byte();
    op.c = in.byte();
    op.p0 = in.byte();
    op.p1 = in.byte();
    r.ops.push_back(op);
  }
  return r;
}

Shape main_shape(const Recipe& r, std::int64_t n) {
  if (r.main_rank == 0) return {};
  Shape s = r.lead;
  s.push_back(n);
  return s;
}

Shape input_shape(const Recipe& r, std::size_t i, std::int64_t n) {
  Shape m = main_shape(r, n);
  std::uint8_t k = r.inputs.at(i).shape_kind;
  if (m.empty()) return m;
  switch (k % 4) {
    case 0:
      return m;
    case 1:
      return {};
    case 2:
      m[(k / 4) % m.size()] = 1;
      return m;
    default:
      return Shape(m.begin() + 1, m.end());
  }
}

std::vector<Array> make_inputs(const Recipe& r, std::int64_t n) {
  std::mt19937 g(r.value_seed);
  std::vector<Array> out;
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    DType t = r.inputs[i].dtype;
    Shape s = input_shape(r, i, n);
    Array a = Array::empty(t, s);
    for (std::int64_t j = 0; j < a.size(); ++j) {
      visit_dtype(t, [&](auto z) {
        using T = decltype(z);
        T* p = static_cast<T*>(a.raw()) + j;
        if (r.flavor == Flavor::Differentiable) {
          *p = static_cast<T>(std::uniform_real_distribution<double>(-1.5, 1.5)(g));
        } else if constexpr (std::is_same_v<T, bool>) {
          *p = g() & 1;
        } else if constexpr (std::is_floating_point_v<T>) {
          *p = static_cast<T>(float_value(g, r.value_style, sizeof(T) == 4));
        } else {
          *p = static_cast<T>(int_value(g, r.value_style, sizeof(T) == 4));
        }
      });
    }
    out.push_back(a);
  }
  return out;
}

BuiltFn build_fn(const Recipe& r) {
  auto inexact = std::make_shared<std::vector<int>>();
  Fn f = fn_variadic(
      [r, inexact](const std::vector<Value>& args) {
        Builder b(r, args);
        std::vector<TV> outs = b.run();
        inexact->clear();
        std::vector<Value> vs;
        for (TV& t : outs) {
          vs.push_back(t.v);
          inexact->push_back(t.inexact);
        }
        return vs;
      },
      "fuzz");
  return {f, inexact};
}

std::string describe_case(const Recipe& r, const std::vector<Array>& inputs) {
  std::ostringstream os;
  os.precision(17);
  os << "recipe: main_rank=" << r.main_rank << " lead=" << shape_to_string(r.lead)
     << " value_seed=" << r.value_seed << " style=" << r.value_style << "\n  inputs:";
  for (const InputSpec& s : r.inputs) os << " " << dtype_name(s.dtype) << "/" << int(s.shape_kind);
  os << "\n  ops (kind a b c p0 p1):";
  for (const OpSpec& o : r.ops)
    if (o.nop)
      os << " [nop " << int(o.a) << "]";
    else
      os << " [" << int(o.kind % kNumKinds) << " " << int(o.a) << " " << int(o.b) << " " << int(o.c)
         << " " << int(o.p0) << " " << int(o.p1) << "]";
  os << "\n  outputs:";
  for (std::uint8_t o : r.outputs) os << " " << int(o);
  os << "\n";
  try {
    // The traced graph without the equations no output depends on.
    internal::Signature sig;
    for (const Array& a : inputs) sig.push_back(internal::aval_of(a));
    internal::GraphRef g = build_fn(r).fn.impl()->graph_for(sig);
    os << "graph (dead equations removed):\n"
       << internal::eliminate_dead_code(*g).to_string() << "\n";
  } catch (const std::exception& e) {
    os << "graph: (tracing failed: " << e.what() << ")\n";
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) os << "input " << i << ": " << inputs[i] << "\n";
  return os.str();
}

}  // namespace lanes::fuzz
