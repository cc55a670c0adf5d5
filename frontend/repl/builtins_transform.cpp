// Builtins: the transformations (jit, vmap, pmap, grad, value_and_grad, jvp, vjp, jacfwd,
// jacrev, hessian, custom_jvp). Each takes a REPL function, turns it into a lanes::Fn
// (Evaluator::to_fn) and returns the transformed lanes::Fn as a REPL function.
#include <lanes/autodiff.h>
#include <lanes/pmap.h>
#include <lanes/transforms.h>

#include "frontend/repl/builtins.h"
#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"

namespace lanes::repl {

namespace {

RVal wrap(const std::string& name, const CallArgs& a, lanes::Fn f) {
  std::string inner = a.need(0).callable() ? a.need(0).callable()->name : "f";
  return RVal(CallablePtr(std::make_shared<FnValue>(name + "(" + inner + ")", std::move(f))));
}

Axis axis_of(const CallArgs& a, std::size_t i, const RVal& v) {
  if (v.is_none()) return lanes::none;
  if (const Num* n = v.num(); n && n->dtype() == DType::I64) return Axis(n->as_int());
  a.fail(i, "entries must be ints or None, got " + type_name(v));
}

AxisSpec axis_spec(const CallArgs& a, std::size_t i) {
  if (!a.has(i)) return AxisSpec(0);
  const RVal& v = *a.slots[i];
  if (const auto* items = v.items()) {
    std::vector<Axis> per;
    for (const RVal& x : *items) per.push_back(axis_of(a, i, x));
    return AxisSpec(per);
  }
  Axis ax = axis_of(a, i, v);
  return ax.mapped() ? AxisSpec(ax.index()) : AxisSpec(lanes::none);
}

Argnums argnums(const CallArgs& a, std::size_t i) {
  if (!a.has(i)) return Argnums(0);
  std::vector<int> idx;
  for (std::int64_t k : a.int_list(i)) {
    if (k < 0 || k > 1 << 20) a.fail(i, "must be non-negative argument indices");
    idx.push_back(static_cast<int>(k));
  }
  if (a.slots[i]->items()) return Argnums(idx);
  return Argnums(idx[0]);
}

std::vector<RVal> tuple_arg(const CallArgs& a, std::size_t i) {
  const RVal& v = a.need(i);
  if (const auto* items = v.items()) return *items;
  return {v};
}

bool all_concrete(Evaluator& ev, const std::vector<RVal>& vs) {
  if (ev.tracing()) return false;
  for (const RVal& v : vs) {
    if (!v.num() && !v.array()) return false;
  }
  return true;
}

}  // namespace

void register_transform_builtins(Registry& reg) {
  reg.host(
      "jit(f, precision=, vector_width=, parallel=)",
      [](Evaluator& ev, const CallArgs& a) {
        JitOptions o;
        o.on_progress = ev.options().on_compile_progress;
        std::string p = a.string_or(1, "precise");
        if (p != "precise" && p != "fast") a.fail(1, "must be 'precise' or 'fast'");
        o.precision = p == "fast" ? Precision::Fast : Precision::Precise;
        std::int64_t w = a.integer_or(2, 0);
        // lanes::jit checks the value (0 or a power of two up to 64); only a value that
        // does not fit an int is caught here.
        if (w != static_cast<int>(w))
          a.fail(2, "must be 0 (host width) or a power of two up to 64");
        o.vector_width = static_cast<int>(w);
        o.parallel = a.boolean_or(3, true);
        return wrap("jit", a, lanes::jit(ev.to_fn(a.need(0), a.loc), o));
      },
      "compile f to SIMD code (traced and compiled per argument signature)");
  reg.host(
      "vmap(f, in_axes=, out_axes=, axis_name=, chunk_size=)",
      [](Evaluator& ev, const CallArgs& a) {
        VmapOptions o;
        o.chunk_size = a.integer_or(4, 0);
        if (o.chunk_size < 0) a.fail(4, "must not be negative");
        return wrap("vmap", a,
                    lanes::vmap(ev.to_fn(a.need(0), a.loc), axis_spec(a, 1), axis_spec(a, 2),
                                a.string_or(3, ""), o));
      },
      "map f over an axis of its arguments (None: not mapped)");
  reg.host(
      "pmap(f, axis_name, in_axes=, out_axes=, devices=)",
      [](Evaluator& ev, const CallArgs& a) {
        std::string name = a.string_or(1, "");
        if (name.empty()) a.fail(1, "must name the mapped axis, e.g. axis_name='i'");
        std::vector<Device> devs;
        if (a.has(4)) {
          std::int64_t n = a.integer(4);
          if (n < 1 || n > 4096) a.fail(4, "must be a device count from 1 to 4096");
          devs = lanes::cpu_devices(static_cast<int>(n));
        }
        return wrap(
            "pmap", a,
            lanes::pmap(ev.to_fn(a.need(0), a.loc), name, axis_spec(a, 2), axis_spec(a, 3), devs));
      },
      "one replica of f per device (devices=N: N CPU devices; default all)");
  reg.host(
      "device_count()",
      [](Evaluator&, const CallArgs&) {
        return RVal(Num::of_int(static_cast<std::int64_t>(lanes::devices().size())));
      },
      "the number of devices pmap uses by default");
  reg.host(
      "grad(f, argnums=)",
      [](Evaluator& ev, const CallArgs& a) {
        return wrap("grad", a, lanes::grad(ev.to_fn(a.need(0), a.loc), argnums(a, 1)));
      },
      "gradient of a real scalar function");
  reg.host(
      "value_and_grad(f, argnums=)",
      [](Evaluator& ev, const CallArgs& a) {
        return wrap("value_and_grad", a,
                    lanes::value_and_grad(ev.to_fn(a.need(0), a.loc), argnums(a, 1)));
      },
      "(f(...), grad(f)(...))");
  reg.host(
      "jacrev(f, argnums=)",
      [](Evaluator& ev, const CallArgs& a) {
        return wrap("jacrev", a, lanes::jacrev(ev.to_fn(a.need(0), a.loc), argnums(a, 1)));
      },
      "Jacobian by reverse mode");
  reg.host(
      "hessian(f, argnums=)",
      [](Evaluator& ev, const CallArgs& a) {
        return wrap("hessian", a, lanes::hessian(ev.to_fn(a.need(0), a.loc), argnums(a, 1)));
      },
      "Hessian of a real scalar function");
  reg.host(
      "jacfwd(f, argnums=)",
      [](Evaluator& ev, const CallArgs& a) {
        std::int64_t k = a.integer_or(1, 0);
        if (k < 0 || k > 1 << 20) a.fail(1, "must be a non-negative argument index");
        return wrap("jacfwd", a, lanes::jacfwd(ev.to_fn(a.need(0), a.loc), static_cast<int>(k)));
      },
      "Jacobian by forward mode");
  reg.host(
      "jvp(f, primals, tangents)",
      [](Evaluator& ev, const CallArgs& a) {
        lanes::Fn f = ev.to_fn(a.need(0), a.loc);
        std::vector<RVal> ps = tuple_arg(a, 1), ts = tuple_arg(a, 2);
        std::vector<RVal> all = ps;
        all.insert(all.end(), ts.begin(), ts.end());
        if (all_concrete(ev, all)) {
          std::vector<Arg> pa, ta;
          for (const RVal& p : ps) pa.push_back(*to_arg(p));
          for (const RVal& t : ts) ta.push_back(*to_arg(t));
          auto [y, dy] = lanes::jvp(f, pa, ta);
          return RVal::tuple({from_outputs(y.arrays()), from_outputs(dy.arrays())});
        }
        std::vector<Value> pv, tv;
        for (const RVal& p : ps) pv.push_back(to_value(p, "jvp() primal", a.loc));
        for (const RVal& t : ts) tv.push_back(to_value(t, "jvp() tangent", a.loc));
        auto [y, dy] = lanes::jvp(f, pv, tv);
        return RVal::tuple({from_values(y.values()), from_values(dy.values())});
      },
      "(f(*primals), directional derivative along tangents)");
  reg.host(
      "vjp(f, *primals)",
      [](Evaluator& ev, const CallArgs& a) {
        lanes::Fn f = ev.to_fn(a.need(0), a.loc);
        if (!all_concrete(ev, a.rest)) {
          throw ReplError("UnsupportedError",
                          "vjp() needs concrete arguments (use grad inside traced code)", a.loc);
        }
        std::vector<Arg> ps;
        for (const RVal& p : a.rest) ps.push_back(*to_arg(p));
        VjpResult r = lanes::vjp(f, ps);
        return RVal::tuple({from_outputs(r.outputs.arrays()),
                            RVal(CallablePtr(std::make_shared<FnValue>(
                                "pullback(" + a.need(0).callable()->name + ")", r.pullback)))});
      },
      "(f(*primals), pullback function)");
  reg.host(
      "custom_jvp(f, rule)",
      [](Evaluator& ev, const CallArgs& a) {
        return wrap("custom_jvp", a,
                    lanes::custom_jvp(ev.to_fn(a.need(0), a.loc), ev.to_fn(a.need(1), a.loc)));
      },
      "f with a JVP rule (primals..., tangents...) -> (outputs..., tangents...)");
}

}  // namespace lanes::repl
