// lanes::jvp, jvp_fn and jacfwd: Fns whose graphs are the JVP pass (engine/transforms/jvp.h)
// applied to the wrapped Fn's graph.
#include "engine/transforms/jvp.h"

#include <lanes/autodiff.h>
#include <lanes/ops.h>

#include "engine/trace.h"
#include "engine/transforms/vmap.h"
#include "frontend/fn_impl.h"

namespace lanes {

namespace internal {
namespace {

// DTypeError / ShapeError unless each tangent has its primal's dtype and shape.
void check_tangents(const std::string& what, std::span<const AbstractValue> primals,
                    std::span<const AbstractValue> tangents) {
  for (std::size_t i = 0; i < primals.size(); ++i) {
    const AbstractValue& p = primals[i];
    const AbstractValue& t = tangents[i];
    std::string msg = what + ": tangent " + std::to_string(i) + " is " + t.to_string() +
                      " but primal " + std::to_string(i) + " is " + p.to_string() +
                      "; a tangent has its primal's dtype and shape";
    if (t.dtype != p.dtype) throw DTypeError(msg);
    if (t.shape != p.shape) throw ShapeError(msg);
  }
}

std::vector<AbstractValue> strong(std::span<const AbstractValue> avals) {
  std::vector<AbstractValue> r(avals.begin(), avals.end());
  for (AbstractValue& a : r) a.weak = false;
  return r;
}

// (primals..., tangents...) -> (outputs..., output tangents...).
class JvpTransformFn final : public FnImpl {
 public:
  explicit JvpTransformFn(Fn inner)
      : FnImpl("jvp(" + inner.impl()->name() + ")",
               inner.impl()->arity() < 0 ? -1 : 2 * inner.impl()->arity()),
        inner_(std::move(inner)) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    if (sig.size() % 2 != 0) {
      throw ArgumentError(name() + ": expects the primals followed by one tangent per primal, " +
                          "got an odd number of arguments (" + std::to_string(sig.size()) + ")");
    }
    const std::size_t n = sig.size() / 2;
    std::span<const AbstractValue> all(sig);
    check_tangents(name(), all.subspan(0, n), all.subspan(n));
    Signature primal_sig(sig.begin(), sig.begin() + static_cast<std::ptrdiff_t>(n));
    GraphRef g = inner_.impl()->graph_for(primal_sig);
    return std::make_shared<const Graph>(jvp_full_graph(*g, all.subspan(n)));
  }

 private:
  Fn inner_;
};

// The Jacobian of every output with respect to one argument: vmap of the JVP over the
// standard basis, the basis axis moved last and unflattened to the argument's shape.
class JacfwdFn final : public FnImpl {
 public:
  JacfwdFn(Fn inner, int argnums)
      : FnImpl("jacfwd(" + inner.impl()->name() + ")", inner.impl()->arity()),
        inner_(std::move(inner)),
        argnums_(argnums) {}

 protected:
  GraphRef make_graph(const Signature& sig) override {
    if (argnums_ < 0 || static_cast<std::size_t>(argnums_) >= sig.size()) {
      throw ArgumentError(name() + ": argnums " + std::to_string(argnums_) +
                          " is out of range for a call with " + std::to_string(sig.size()) +
                          " argument" + (sig.size() == 1 ? "" : "s"));
    }
    const auto a = static_cast<std::size_t>(argnums_);
    const AbstractValue& x = sig[a];
    if (!is_float(x.dtype)) {
      throw DTypeError(name() + ": argument " + std::to_string(a) + " is " + x.to_string() +
                       "; the Jacobian is taken with respect to a float argument");
    }
    GraphRef g = inner_.impl()->graph_for(sig);
    const std::size_t nin = sig.size(), nout = g->outputs.size();
    std::vector<AbstractValue> tangent_avals = strong(sig);
    Graph j = jvp_full_graph(*g, tangent_avals);
    const std::int64_t n = x.size();
    std::vector<AbstractValue> outs = g->output_avals();
    TracedGraph t = trace_graph(sig, [&](std::span<const Value> ins) {
      std::vector<Value> result;
      if (n == 0) {
        for (const AbstractValue& o : outs) {
          Shape s = o.shape;
          s.insert(s.end(), x.shape.begin(), x.shape.end());
          result.push_back(full(o.dtype, s, 0));
        }
        return result;
      }
      std::vector<std::int64_t> in_dims(2 * nin, -1), out_dims(2 * nout, -1);
      in_dims[nin + a] = 0;
      for (std::size_t k = 0; k < nout; ++k) out_dims[nout + k] = outs[k].rank();
      Graph b = vmap_graph(j, in_dims, n, out_dims, name());
      std::vector<Value> args(ins.begin(), ins.end());
      for (std::size_t i = 0; i < nin; ++i) {
        if (i != a) {
          args.push_back(full(sig[i].dtype, sig[i].shape, 0));
          continue;
        }
        Value eye = astype(eq(iota(DType::I64, {n, n}, 0), iota(DType::I64, {n, n}, 1)), x.dtype);
        Shape basis{n};
        basis.insert(basis.end(), x.shape.begin(), x.shape.end());
        args.push_back(reshape(eye, basis));
      }
      std::vector<Value> r = inline_graph(b, args);
      for (std::size_t k = 0; k < nout; ++k) {
        Shape s = outs[k].shape;
        s.insert(s.end(), x.shape.begin(), x.shape.end());
        result.push_back(reshape(r[nout + k], s));
      }
      return result;
    });
    return t.graph;
  }

 private:
  Fn inner_;
  int argnums_;
};

std::size_t check_counts(const Fn& f, std::size_t primals, std::size_t tangents) {
  if (!f.impl()) throw ArgumentError("jvp of an empty lanes::Fn");
  if (primals != tangents) {
    throw ArgumentError("jvp: got " + std::to_string(primals) + " primal" +
                        (primals == 1 ? "" : "s") + " but " + std::to_string(tangents) +
                        " tangent" + (tangents == 1 ? "" : "s") + "; give one tangent per primal");
  }
  f.impl()->check_arity(primals);
  return primals;
}

}  // namespace
}  // namespace internal

Fn jvp_fn(const Fn& f) {
  if (!f.impl()) throw ArgumentError("jvp_fn of an empty lanes::Fn");
  return Fn(std::make_shared<internal::JvpTransformFn>(f));
}

std::pair<Outputs, Outputs> jvp(const Fn& f, const std::vector<Arg>& primals,
                                const std::vector<Arg>& tangents) {
  std::size_t n = internal::check_counts(f, primals.size(), tangents.size());
  std::vector<Arg> args = primals;
  args.insert(args.end(), tangents.begin(), tangents.end());
  Outputs r = jvp_fn(f).call(args);
  std::size_t nout = r.size() / 2;
  (void)n;
  std::vector<Array> outs(r.arrays().begin(),
                          r.arrays().begin() + static_cast<std::ptrdiff_t>(nout));
  std::vector<Array> touts(r.arrays().begin() + static_cast<std::ptrdiff_t>(nout),
                           r.arrays().end());
  return {Outputs(std::move(outs)), Outputs(std::move(touts))};
}

std::pair<Outputs, Outputs> jvp(const Fn& f, std::initializer_list<Arg> primals,
                                std::initializer_list<Arg> tangents) {
  return jvp(f, std::vector<Arg>(primals), std::vector<Arg>(tangents));
}

std::pair<Values, Values> jvp(const Fn& f, const std::vector<Value>& primals,
                              const std::vector<Value>& tangents) {
  internal::check_counts(f, primals.size(), tangents.size());
  std::vector<Value> args = primals;
  args.insert(args.end(), tangents.begin(), tangents.end());
  Values r = jvp_fn(f).call_traced(args);
  std::size_t nout = r.size() / 2;
  std::vector<Value> outs(r.values().begin(),
                          r.values().begin() + static_cast<std::ptrdiff_t>(nout));
  std::vector<Value> touts(r.values().begin() + static_cast<std::ptrdiff_t>(nout),
                           r.values().end());
  return {Values(std::move(outs)), Values(std::move(touts))};
}

Fn jacfwd(const Fn& f, int argnums) {
  if (!f.impl()) throw ArgumentError("jacfwd of an empty lanes::Fn");
  return Fn(std::make_shared<internal::JacfwdFn>(f, argnums));
}

}  // namespace lanes
