// Control flow in traced code: cond, switch_, while_loop, fori_loop, scan (as in jax.lax).
//
// Each function traces its C++ callables once into sub-graphs and records one primitive
// that holds them (see engine/primitives/control_flow.cpp), so the loop or branch stays
// a single equation whatever the trip count. A callable may use Values of the enclosing
// trace (lambda captures): they are passed to the primitive as extra operands.
//
// A carry (and a cond operand list, a scan x or y) is a single Value, a std::tuple of
// Values or a std::vector<Value>. C++ scalars are accepted where a Value is (a weakly
// typed init such as 0.0 takes the dtype the body produces, as in JAX).
//
//   Value fact = lanes::fori_loop(1, n + 1, [](Value i, Value acc) { return acc * i; }, 1);
#pragma once

#include <lanes/fn.h>
#include <lanes/ops.h>
#include <lanes/value.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

struct WhileOptions {
  // >= 0: the loop may run at most this many iterations (the interpreter raises
  // RuntimeError past it; reverse-mode AD will use it as the tape length). -1: unbounded.
  std::int64_t max_iterations = -1;
};

struct ScanOptions {
  // The number of iterations; -1 takes it from the leading extent of xs (it is required
  // when there are no xs, and must agree with xs otherwise).
  std::int64_t length = -1;
  // Scan from the last slice to the first; ys are still stacked in index order.
  bool reverse = false;
};

// Marks "no xs" for scan: the body is then called as f(carry).
struct NoXs {};
inline constexpr NoXs no_xs{};

namespace internal {

// One traced callable in the uniform form the engine uses: Values in, Values out.
using BodyFn = std::function<std::vector<Value>(const std::vector<Value>&)>;

// The non-template entry points (engine/ops/control_flow_ops.cpp); the templates below
// only pack and unpack the user's carry types.
std::vector<Value> cond_values(const Value& index, const std::vector<BodyFn>& branches,
                               const std::vector<std::string>& branch_names,
                               const std::vector<Value>& operands, const char* fn_name);
std::vector<Value> while_loop_values(const BodyFn& cond_fn, const BodyFn& body_fn,
                                     const std::vector<Value>& init, WhileOptions options);
// body: (i, carries...) -> carries
std::vector<Value> fori_loop_values(const Value& lo, const Value& hi, const BodyFn& body,
                                    const std::vector<Value>& init);
// body: (carries..., x slices...) -> (carries..., ys...); returns (carries..., ys...).
std::vector<Value> scan_values(const BodyFn& body, const std::vector<Value>& init,
                               const std::vector<Value>& xs, ScanOptions options);

// The canonical Value form of a user type: scalars and Arrays become Value, tuples of
// Value-convertibles become tuples of Values, Values becomes std::vector<Value>.
template <class T>
struct Canonical {
  using type = Value;
};
template <class... T>
struct Canonical<std::tuple<T...>> {
  using type = std::tuple<std::conditional_t<true, Value, T>...>;
};
template <>
struct Canonical<std::vector<Value>> {
  using type = std::vector<Value>;
};
template <>
struct Canonical<Values> {
  using type = std::vector<Value>;
};
template <class T>
using canonical_t = typename Canonical<std::decay_t<T>>::type;

// Packs a carry into a flat list of Values.
template <class T>
std::vector<Value> pack(T&& t) {
  return to_value_list(std::forward<T>(t));
}

// Unpacks a flat list into the canonical type C (the count is checked by the engine
// before this is reached; a mismatch here is a bug).
template <class C>
C unpack(const std::vector<Value>& v, std::size_t offset = 0) {
  if constexpr (std::is_same_v<C, Value>) {
    return v.at(offset);
  } else if constexpr (std::is_same_v<C, std::vector<Value>>) {
    return std::vector<Value>(v.begin() + static_cast<std::ptrdiff_t>(offset), v.end());
  } else {
    return [&]<std::size_t... I>(std::index_sequence<I...>) { return C{v.at(offset + I)...}; }
    (std::make_index_sequence<std::tuple_size_v<C>>{});
  }
}

// The result type of a scan body, called as f(c, x), or as f(c) without xs.
template <bool NoXs, class F, class C, class X>
struct ScanResult {
  using type = std::invoke_result_t<F&, C, X>;
};
template <class F, class C, class X>
struct ScanResult<true, F, C, X> {
  using type = std::invoke_result_t<F&, C>;
};

}  // namespace internal

// lax.fori_loop: carry = body(i, carry) for i = lo, lo+1, ..., hi-1 (no iteration if
// hi <= lo). lo and hi are integer scalars (C++ ints are weakly typed literals); i has
// their promoted dtype.
//
//   // 5! = 120
//   Value f = lanes::fori_loop(1, 6, [](Value i, Value acc) { return acc * i; }, Value(1));
//   // two carries: (sum of i, sum of i*i) over i < n
//   auto [s, s2] = lanes::fori_loop(0, n, [](Value i, std::tuple<Value, Value> c) {
//     auto [a, b] = c;
//     return std::make_tuple(a + i, b + i * i);
//   }, std::make_tuple(Value(0), Value(0)));
template <class Body, class Init>
internal::canonical_t<Init> fori_loop(const Value& lo, const Value& hi, Body body,
                                      const Init& init) {
  using C = internal::canonical_t<Init>;
  internal::BodyFn f = [body = std::move(body)](const std::vector<Value>& args) {
    std::vector<Value> carry(args.begin() + 1, args.end());
    return internal::pack(body(args[0], internal::unpack<C>(carry)));
  };
  return internal::unpack<C>(internal::fori_loop_values(lo, hi, f, internal::pack(C(init))));
}

// lax.while_loop: while cond_fn(carry): carry = body_fn(carry). cond_fn returns a bool
// scalar; body_fn returns a carry of the same dtypes and shapes.
//
//   // Newton's iteration for sqrt(a), until the step is tiny.
//   auto [x, step] = lanes::while_loop(
//       [](std::tuple<Value, Value> c) { return lanes::abs(std::get<1>(c)) > 1e-12; },
//       [a](std::tuple<Value, Value> c) {
//         Value x = std::get<0>(c), next = 0.5 * (x + a / x);
//         return std::make_tuple(next, next - x);
//       },
//       std::make_tuple(a, Value(1.0)));
template <class CondF, class BodyF, class Init>
internal::canonical_t<Init> while_loop(CondF cond_fn, BodyF body_fn, const Init& init,
                                       WhileOptions options = {}) {
  using C = internal::canonical_t<Init>;
  internal::BodyFn c = [cond_fn = std::move(cond_fn)](const std::vector<Value>& args) {
    return std::vector<Value>{Value(cond_fn(internal::unpack<C>(args)))};
  };
  internal::BodyFn b = [body_fn = std::move(body_fn)](const std::vector<Value>& args) {
    return internal::pack(body_fn(internal::unpack<C>(args)));
  };
  return internal::unpack<C>(internal::while_loop_values(c, b, internal::pack(C(init)), options));
}

// lax.cond: true_fn(operands...) if pred else false_fn(operands...). pred is a bool
// scalar; both branches return the same number of values with the same dtypes and
// shapes. Branches may use Values of the enclosing trace.
//
//   Value y = lanes::cond(x > 0.0, [](Value v) { return v * 2.0; },
//                         [](Value v) { return -v; }, x);
template <class TrueFn, class FalseFn, class... Operands>
auto cond(const Value& pred, TrueFn true_fn, FalseFn false_fn, const Operands&... operands) {
  using R = internal::canonical_t<std::invoke_result_t<TrueFn&, decltype(Value(operands))...>>;
  auto wrap = [](auto fn) -> internal::BodyFn {
    return [fn = std::move(fn)](const std::vector<Value>& args) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return internal::pack(fn(args[I]...));
      }
      (std::index_sequence_for<Operands...>{});
    };
  };
  // Branch order as lax.switch with index = pred: 0 is false, 1 is true.
  std::vector<Value> outs =
      internal::cond_values(pred, {wrap(std::move(false_fn)), wrap(std::move(true_fn))},
                            {"false_fn", "true_fn"}, {Value(operands)...}, "cond");
  return internal::unpack<R>(outs);
}

// lax.switch: branches[index](operands...), with index an integer scalar clamped to
// [0, branches.size() - 1].
//
//   std::vector<std::function<Value(Value)>> fs = {
//       [](Value v) { return v; }, [](Value v) { return v * v; },
//       [](Value v) { return v * v * v; }};
//   Value y = lanes::switch_(k, fs, x);  // x^(k+1)
template <class Branch, class... Operands>
auto switch_(const Value& index, const std::vector<Branch>& branches, const Operands&... operands) {
  using R =
      internal::canonical_t<std::invoke_result_t<const Branch&, decltype(Value(operands))...>>;
  std::vector<internal::BodyFn> fns;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < branches.size(); ++k) {
    fns.push_back([fn = branches[k]](const std::vector<Value>& args) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return internal::pack(fn(args[I]...));
      }
      (std::index_sequence_for<Operands...>{});
    });
    names.push_back("branches[" + std::to_string(k) + "]");
  }
  return internal::unpack<R>(
      internal::cond_values(index, fns, names, {Value(operands)...}, "switch_"));
}

// lax.scan: for each slice x = xs[i] along axis 0, (carry, y) = f(carry, x); returns the
// final carry and the ys stacked along a new axis 0. All xs have the same leading extent.
// f returns a std::pair (or std::tuple) of the new carry and y. With `no_xs`, f takes
// only the carry and options.length gives the trip count.
//
//   // cumulative sum of xs: carry = running total, y = running total
//   auto [total, cumsum] = lanes::scan(
//       [](Value c, Value x) { return std::make_pair(c + x, c + x); }, 0.0, xs);
//   // no xs: the first 10 powers of 2
//   auto [last, powers] = lanes::scan(
//       [](Value c) { return std::make_pair(c * 2.0, c); }, 1.0, lanes::no_xs, {.length = 10});
template <class F, class Init, class Xs>
auto scan(F f, const Init& init, const Xs& xs, ScanOptions options = {}) {
  using C = internal::canonical_t<Init>;
  constexpr bool kNoXs = std::is_same_v<std::decay_t<Xs>, NoXs>;
  using X = std::conditional_t<kNoXs, C, internal::canonical_t<Xs>>;
  using R = typename internal::ScanResult<kNoXs, F, C, X>::type;
  using Y = internal::canonical_t<std::tuple_element_t<1, std::decay_t<R>>>;
  std::vector<Value> init_values = internal::pack(C(init));
  const std::size_t num_carry = init_values.size();
  std::vector<Value> xs_values;
  if constexpr (!kNoXs) xs_values = internal::pack(X(xs));
  internal::BodyFn body = [f = std::move(f), num_carry](const std::vector<Value>& args) {
    auto split = static_cast<std::ptrdiff_t>(num_carry);
    std::vector<Value> carry(args.begin(), args.begin() + split);
    auto r = [&] {
      if constexpr (kNoXs) {
        return f(internal::unpack<C>(carry));
      } else {
        return f(internal::unpack<C>(carry),
                 internal::unpack<X>(std::vector<Value>(args.begin() + split, args.end())));
      }
    }();
    std::vector<Value> out = internal::pack(std::get<0>(r));
    std::vector<Value> ys = internal::pack(std::get<1>(r));
    out.insert(out.end(), ys.begin(), ys.end());
    return out;
  };
  std::vector<Value> outs = internal::scan_values(body, init_values, xs_values, options);
  std::vector<Value> carry_out(outs.begin(), outs.begin() + static_cast<std::ptrdiff_t>(num_carry));
  return std::pair<C, Y>(internal::unpack<C>(carry_out), internal::unpack<Y>(outs, num_carry));
}

}  // namespace lanes
#pragma GCC visibility pop
