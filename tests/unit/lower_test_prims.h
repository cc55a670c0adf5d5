// Test-local primitives for the lowering tests: unregistered Primitive objects with the
// names, params and lowering kinds of the real families, and deliberately naive reference
// implementations (multi-index loops over doubles, and the <cmath> references of the tests'
// primitive table, tests/oracle/primitive_cases.h), so lowering can be checked against an
// implementation that shares no code with scalar_eval or the kernel builder.
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "tests/oracle/primitive_cases.h"

namespace lanes::lower_test {

using internal::AbstractValue;
using internal::AvalList;
using internal::LoweringKind;
using internal::Params;
using internal::Primitive;
using internal::ScalarOp;
using Idx = std::vector<std::int64_t>;

inline Idx unravel(std::int64_t flat, const Shape& s) {
  Idx idx(s.size());
  for (std::size_t d = s.size(); d-- > 0;) {
    idx[d] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}

inline std::int64_t ravel(const Idx& idx, const Shape& s) {
  std::int64_t f = 0;
  for (std::size_t d = 0; d < s.size(); ++d) f = f * s[d] + idx[d];
  return f;
}

inline double at(const Array& a, const Idx& idx) {
  return a.element_as_double(ravel(idx, a.shape()));
}

inline Array build(DType t, const Shape& s, const std::function<double(const Idx&)>& f) {
  Array a = Array::empty(t, s);
  visit_dtype(t, [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(a.raw());
    for (std::int64_t i = 0; i < a.size(); ++i) {
      double v = f(unravel(i, s));
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = v != 0;
      } else {
        p[i] = static_cast<T>(v);
      }
    }
  });
  return a;
}

inline Primitive make(std::string name, LoweringKind kind, ScalarOp sop,
                      internal::AbstractEvalFn eval, internal::ImplFn impl) {
  Primitive p;
  p.name = std::move(name);
  p.family = "lower_test";
  p.lowering = kind;
  p.scalar_op = sop;
  // Lowering reads data on the primitive, not its name: a stand-in for a real primitive
  // lowers with the real one's data (its index map, its reduction's combine).
  if (const Primitive* real = internal::find_primitive(p.name)) {
    p.lowering = real->lowering;
    p.scalar_op = real->scalar_op;
    p.index_map = real->index_map;
    p.reduction = real->reduction;
    p.control_flow = real->control_flow;
  }
  p.abstract_eval = std::move(eval);
  p.impl = std::move(impl);
  return p;
}

inline Primitive unary(std::string name, ScalarOp sop, std::function<double(double)> fn) {
  return make(
      std::move(name), LoweringKind::Elementwise, sop,
      [](std::span<const AbstractValue> in, const Params&) { return AvalList{in[0]}; },
      [fn](std::span<const Array> in, const Params&) {
        const Array& a = in[0];
        return std::vector<Array>{
            build(a.dtype(), a.shape(), [&](const Idx& i) { return fn(at(a, i)); })};
      });
}

// Operands of equal shape, or rank 0 (broadcast as the elementwise primitives allow).
inline Primitive nary(std::string name, ScalarOp sop, bool to_bool,
                      std::function<double(std::span<const double>)> fn) {
  auto out_aval = [to_bool](std::span<const AbstractValue> in) {
    AbstractValue r = in[in.size() - 1];
    for (const AbstractValue& a : in) {
      if (a.rank() > r.rank()) r.shape = a.shape;
    }
    r.weak = false;
    if (to_bool) r.dtype = DType::Bool;
    return r;
  };
  return make(
      std::move(name), LoweringKind::Elementwise, sop,
      [out_aval](std::span<const AbstractValue> in, const Params&) {
        return AvalList{out_aval(in)};
      },
      [out_aval, fn](std::span<const Array> in, const Params&) {
        std::vector<AbstractValue> avals;
        for (const Array& a : in) avals.push_back(internal::aval_of(a));
        AbstractValue o = out_aval(avals);
        return std::vector<Array>{build(o.dtype, o.shape, [&](const Idx& i) {
          std::vector<double> args;
          for (const Array& a : in) args.push_back(a.rank() == 0 ? at(a, {}) : at(a, i));
          return fn(args);
        })};
      });
}

// The independent references of the table's rows, unary and binary.
inline std::function<double(double)> reference1(const char* name) {
  return testing::find_case(name)->reference1;
}
inline std::function<double(std::span<const double>)> reference2(const char* name) {
  return [f = testing::find_case(name)->reference2](std::span<const double> a) {
    return f(a[0], a[1]);
  };
}

// The primitives of the tests, built once.
struct Prims {
  Primitive sin = unary("sin", ScalarOp::Sin, reference1("sin"));
  Primitive exp = unary("exp", ScalarOp::Exp, reference1("exp"));
  Primitive neg = unary("neg", ScalarOp::Neg, reference1("neg"));
  Primitive add = nary("add", ScalarOp::Add, false, reference2("add"));
  Primitive sub = nary("sub", ScalarOp::Sub, false, reference2("sub"));
  Primitive mul = nary("mul", ScalarOp::Mul, false, reference2("mul"));
  Primitive lt = nary("lt", ScalarOp::Lt, true, reference2("lt"));
  Primitive select =
      nary("select", ScalarOp::Select, false, [](auto a) { return a[0] != 0 ? a[1] : a[2]; });
  Primitive convert = make(
      "convert", LoweringKind::Elementwise, ScalarOp::Convert,
      [](std::span<const AbstractValue> in, const Params& p) {
        return AvalList{{p.get<DType>("dtype"), in[0].shape, false}};
      },
      [](std::span<const Array> in, const Params& p) {
        const Array& a = in[0];
        return std::vector<Array>{build(p.get<DType>("dtype"), a.shape(), [&](const Idx& i) {
          return is_float(a.dtype()) && !is_float(p.get<DType>("dtype")) ? std::trunc(at(a, i))
                                                                         : at(a, i);
        })};
      });
  Primitive broadcast_in_dim = make(
      "broadcast_in_dim", LoweringKind::IndexMap, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        return AvalList{{in[0].dtype, p.get_ints("shape"), false}};
      },
      [](std::span<const Array> in, const Params& p) {
        const Array& a = in[0];
        const auto& bd = p.get_ints("broadcast_dimensions");
        return std::vector<Array>{build(a.dtype(), p.get_ints("shape"), [&](const Idx& i) {
          Idx j;
          for (std::size_t d = 0; d < bd.size(); ++d) {
            j.push_back(a.shape()[d] == 1 ? 0 : i[static_cast<std::size_t>(bd[d])]);
          }
          return at(a, j);
        })};
      });
  Primitive transpose = make(
      "transpose", LoweringKind::IndexMap, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        Shape s;
        for (auto d : p.get_ints("permutation"))
          s.push_back(in[0].shape[static_cast<std::size_t>(d)]);
        return AvalList{{in[0].dtype, s, false}};
      },
      [](std::span<const Array> in, const Params& p) {
        const Array& a = in[0];
        const auto& perm = p.get_ints("permutation");
        Shape s;
        for (auto d : perm) s.push_back(a.shape()[static_cast<std::size_t>(d)]);
        return std::vector<Array>{build(a.dtype(), s, [&](const Idx& i) {
          Idx j(i.size());
          for (std::size_t d = 0; d < perm.size(); ++d) j[static_cast<std::size_t>(perm[d])] = i[d];
          return at(a, j);
        })};
      });
  Primitive slice = make(
      "slice", LoweringKind::IndexMap, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        const auto &st = p.get_ints("start_indices"), &li = p.get_ints("limit_indices"),
                   &sd = p.get_ints("strides");
        Shape s;
        for (std::size_t d = 0; d < st.size(); ++d)
          s.push_back((li[d] - st[d] + sd[d] - 1) / sd[d]);
        return AvalList{{in[0].dtype, s, false}};
      },
      [this](std::span<const Array> in, const Params& p) {
        const Array& a = in[0];
        AbstractValue o =
            slice.abstract_eval(std::vector<AbstractValue>{internal::aval_of(a)}, p)[0];
        const auto &st = p.get_ints("start_indices"), &sd = p.get_ints("strides");
        return std::vector<Array>{build(a.dtype(), o.shape, [&](const Idx& i) {
          Idx j;
          for (std::size_t d = 0; d < i.size(); ++d) j.push_back(st[d] + sd[d] * i[d]);
          return at(a, j);
        })};
      });
  Primitive reshape = make(
      "reshape", LoweringKind::Reshape, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        return AvalList{{in[0].dtype, p.get_ints("new_sizes"), false}};
      },
      [](std::span<const Array> in, const Params& p) {
        return std::vector<Array>{in[0].copy().reshaped(p.get_ints("new_sizes"))};
      });
  Primitive iota = make(
      "iota", LoweringKind::Iota, ScalarOp::None,
      [](std::span<const AbstractValue>, const Params& p) {
        return AvalList{{p.get<DType>("dtype"), p.get_ints("shape"), false}};
      },
      [](std::span<const Array>, const Params& p) {
        auto dim = static_cast<std::size_t>(p.get_int("dimension"));
        return std::vector<Array>{build(p.get<DType>("dtype"), p.get_ints("shape"),
                                        [&](const Idx& i) { return static_cast<double>(i[dim]); })};
      });
  Primitive concatenate = make(
      "concatenate", LoweringKind::Concatenate, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        auto dim = static_cast<std::size_t>(p.get_int("dimension"));
        AbstractValue o = in[0];
        o.weak = false;
        o.shape[dim] = 0;
        for (const auto& a : in) o.shape[dim] += a.shape[dim];
        return AvalList{o};
      },
      [](std::span<const Array> in, const Params& p) {
        auto dim = static_cast<std::size_t>(p.get_int("dimension"));
        Shape s = in[0].shape();
        s[dim] = 0;
        for (const auto& a : in) s[dim] += a.shape()[dim];
        return std::vector<Array>{build(in[0].dtype(), s, [&](const Idx& i) {
          Idx j = i;
          for (const Array& a : in) {
            if (j[dim] < a.shape()[dim]) return at(a, j);
            j[dim] -= a.shape()[dim];
          }
          return 0.0;
        })};
      });
  Primitive reduce_sum = reduce("reduce_sum", 0.0, [](double a, double x) { return a + x; });
  Primitive reduce_max = reduce("reduce_max", -INFINITY, [](double a, double x) {
    return std::isnan(a) || std::isnan(x) ? NAN : std::max(a, x);
  });
  Primitive argmax = make(
      "argmax", LoweringKind::Reduction, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        Shape s = in[0].shape;
        s.erase(s.begin() + p.get_int("axis"));
        return AvalList{{p.get<DType>("index_dtype"), s, false}};
      },
      [](std::span<const Array> in, const Params& p) {
        const Array& a = in[0];
        auto axis = static_cast<std::size_t>(p.get_int("axis"));
        Shape s = a.shape();
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(axis));
        return std::vector<Array>{build(p.get<DType>("index_dtype"), s, [&](const Idx& i) {
          Idx j = i;
          j.insert(j.begin() + static_cast<std::ptrdiff_t>(axis), 0);
          std::int64_t best = 0;
          for (std::int64_t k = 0; k < a.shape()[axis]; ++k) {
            j[axis] = k;
            double v = at(a, j);
            Idx jb = j;
            jb[axis] = best;
            double b = at(a, jb);
            if (std::isnan(b)) break;
            if (std::isnan(v) || v > b) best = k;
          }
          return static_cast<double>(best);
        })};
      });
  Primitive dot_general = make(
      "dot_general", LoweringKind::Contraction, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params& p) {
        return AvalList{{in[0].dtype, dot_shape(in[0].shape, in[1].shape, p), false}};
      },
      [](std::span<const Array> in, const Params& p) {
        const Array &l = in[0], &r = in[1];
        const auto &lc = p.get_ints("lhs_contracting"), &rc = p.get_ints("rhs_contracting"),
                   &lb = p.get_ints("lhs_batch"), &rb = p.get_ints("rhs_batch");
        Shape cs;
        for (auto d : lc) cs.push_back(l.shape()[static_cast<std::size_t>(d)]);
        auto lf = free_dims(l.rank(), lc, lb), rf = free_dims(r.rank(), rc, rb);
        return std::vector<Array>{
            build(l.dtype(), dot_shape(l.shape(), r.shape(), p), [&](const Idx& o) {
              Idx li(static_cast<std::size_t>(l.rank())), ri(static_cast<std::size_t>(r.rank()));
              std::size_t k = 0;
              for (std::size_t b = 0; b < lb.size(); ++b, ++k) {
                li[static_cast<std::size_t>(lb[b])] = o[k];
                ri[static_cast<std::size_t>(rb[b])] = o[k];
              }
              for (auto d : lf) li[static_cast<std::size_t>(d)] = o[k++];
              for (auto d : rf) ri[static_cast<std::size_t>(d)] = o[k++];
              double acc = 0;
              for (std::int64_t c = 0; c < shape_size(cs); ++c) {
                Idx ci = unravel(c, cs);
                for (std::size_t t = 0; t < lc.size(); ++t) {
                  li[static_cast<std::size_t>(lc[t])] = ci[t];
                  ri[static_cast<std::size_t>(rc[t])] = ci[t];
                }
                acc = acc + at(l, li) * at(r, ri);
              }
              return acc;
            })};
      });
  // A primitive without a kernel lowering: a running sum along a rank-1 operand.
  Primitive cumsum = make(
      "cumsum", LoweringKind::Unset, ScalarOp::None,
      [](std::span<const AbstractValue> in, const Params&) { return AvalList{in[0]}; },
      [](std::span<const Array> in, const Params&) {
        double acc = 0;
        return std::vector<Array>{build(in[0].dtype(), in[0].shape(), [&](const Idx& i) {
          acc += at(in[0], i);
          return acc;
        })};
      });

  static std::vector<std::int64_t> free_dims(int rank, const std::vector<std::int64_t>& c,
                                             const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> f;
    for (std::int64_t d = 0; d < rank; ++d) {
      if (std::find(c.begin(), c.end(), d) == c.end() &&
          std::find(b.begin(), b.end(), d) == b.end()) {
        f.push_back(d);
      }
    }
    return f;
  }
  static Shape dot_shape(const Shape& l, const Shape& r, const Params& p) {
    Shape s;
    for (auto d : p.get_ints("lhs_batch")) s.push_back(l[static_cast<std::size_t>(d)]);
    for (auto d : free_dims(static_cast<int>(l.size()), p.get_ints("lhs_contracting"),
                            p.get_ints("lhs_batch"))) {
      s.push_back(l[static_cast<std::size_t>(d)]);
    }
    for (auto d : free_dims(static_cast<int>(r.size()), p.get_ints("rhs_contracting"),
                            p.get_ints("rhs_batch"))) {
      s.push_back(r[static_cast<std::size_t>(d)]);
    }
    return s;
  }
  static Primitive reduce(std::string name, double init, double (*op)(double, double)) {
    return make(
        std::move(name), LoweringKind::Reduction, ScalarOp::None,
        [](std::span<const AbstractValue> in, const Params& p) {
          return AvalList{{in[0].dtype, reduced_shape(in[0].shape, p.get_ints("axes")), false}};
        },
        [init, op](std::span<const Array> in, const Params& p) {
          const Array& a = in[0];
          const auto& axes = p.get_ints("axes");
          Shape s = reduced_shape(a.shape(), axes);
          std::vector<double> acc(static_cast<std::size_t>(shape_size(s)), init);
          for (std::int64_t f = 0; f < a.size(); ++f) {
            Idx i = unravel(f, a.shape()), o;
            for (std::size_t d = 0; d < i.size(); ++d) {
              if (std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) == axes.end()) {
                o.push_back(i[d]);
              }
            }
            double& r = acc[static_cast<std::size_t>(ravel(o, s))];
            r = op(r, a.element_as_double(f));
          }
          return std::vector<Array>{build(a.dtype(), s, [&](const Idx& o) {
            return acc[static_cast<std::size_t>(ravel(o, s))];
          })};
        });
  }
  static Shape reduced_shape(const Shape& s, const std::vector<std::int64_t>& axes) {
    Shape r;
    for (std::size_t d = 0; d < s.size(); ++d) {
      if (std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) == axes.end())
        r.push_back(s[d]);
    }
    return r;
  }
};

inline const Prims& prims() {
  static const Prims p;
  return p;
}

}  // namespace lanes::lower_test
