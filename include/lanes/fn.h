// lanes::Fn: a function of Values that Lanes can trace, transform, compile and call.
//
//   lanes::Fn f = lanes::fn([](lanes::Value x, lanes::Value y) {
//     return lanes::sin(x) * y + lanes::exp(-x * x);
//   });
//   lanes::Array y = f(xs, 2.0);        // eager: traced once per signature, interpreted
//   lanes::Array z = lanes::jit(f)(xs, 2.0);
//
// A Fn called with Arrays and C++ scalars returns lanes::Outputs; called with Values
// inside another trace it returns lanes::Values, so Fns compose inside traced code.
// Tracing is cached by the abstract signature (dtypes, shapes, weak types) of the call.
#pragma once

#include <lanes/array.h>
#include <lanes/jit_options.h>
#include <lanes/value.h>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
namespace lanes::internal {
class FnImpl;  // internal: declared before the public region, so it stays hidden
}  // namespace lanes::internal

#pragma GCC visibility push(default)

namespace lanes {

namespace internal {
struct FnCallableAdapter;
}  // namespace internal

// The results of calling a Fn on arrays.
//
// Outputs own their data or share it with an owning Array (copies of an Array share its
// refcounted storage, so an output that is an argument keeps that storage alive). An
// output never aliases a non-owning Array::view: where an output would be the caller's
// viewed memory (an identity output, x * 1.0 simplified away, a reshape of a view), the
// call copies it, so freeing or overwriting the caller's buffer afterwards does not change
// the outputs. This holds for every Fn (eager, jit, vmap, grad, pmap, amdgpu::call).
class Outputs {
 public:
  Outputs() = default;
  explicit Outputs(std::vector<Array> arrays) : arrays_(std::move(arrays)) {}
  std::size_t size() const { return arrays_.size(); }
  const Array& operator[](std::size_t i) const;
  auto begin() const { return arrays_.begin(); }
  auto end() const { return arrays_.end(); }
  const std::vector<Array>& arrays() const { return arrays_; }
  // The single output; throws ArgumentError if there is not exactly one.
  operator Array() const;  // NOLINT(google-explicit-constructor)
  template <class T>
  std::span<const T> data() const {
    return static_cast<Array>(*this).data<T>();
  }

 private:
  std::vector<Array> arrays_;
};

// The results of calling a Fn on Values inside a trace.
class Values {
 public:
  Values() = default;
  explicit Values(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  const Value& operator[](std::size_t i) const;
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }
  const std::vector<Value>& values() const { return values_; }
  operator Value() const;  // NOLINT(google-explicit-constructor): single output
  operator std::vector<Value>() const { return values_; }  // NOLINT

 private:
  std::vector<Value> values_;
};

// An argument of a call on arrays: an Array or a C++ scalar (scalars are weakly typed
// 0-d arrays, as Python scalars passed to a jitted JAX function).
class Arg {
 public:
  Arg(const Array& a) : array_(a) {}  // NOLINT(google-explicit-constructor)
  Arg(double v) : array_(Array::scalar(v)), weak_(true) {}  // NOLINT
  Arg(float v) : array_(Array::scalar(v)) {}               // NOLINT
  Arg(int v) : array_(Array::scalar<std::int64_t>(v)), weak_(true) {}  // NOLINT
  Arg(std::int64_t v) : array_(Array::scalar(v)), weak_(true) {}       // NOLINT
  Arg(bool v) : array_(Array::from(std::vector<bool>{v}, Shape{})) {}       // NOLINT
  const Array& array() const { return array_; }
  bool weak() const { return weak_; }

 private:
  Array array_;
  bool weak_ = false;
};

namespace internal {
// A call argument by address, for the dispatch path: an Array argument (of any value
// category: a temporary lives until the end of the call's full expression) is not
// copied, since copying an Array copies its shape.
struct ArgRef {
  const Array* array;
  bool weak;
};
inline const Array& hold_arg(const Array& a) { return a; }
template <class A>
  requires(!std::is_same_v<std::remove_cvref_t<A>, Array>)
Arg hold_arg(A&& a) {
  return Arg(std::forward<A>(a));
}
inline ArgRef arg_ref(const Array& a) { return {&a, false}; }
inline ArgRef arg_ref(const Arg& a) { return {&a.array(), a.weak()}; }
}  // namespace internal

class Fn {
 public:
  Fn() = default;
  explicit Fn(std::shared_ptr<internal::FnImpl> impl) : impl_(std::move(impl)) {}

  // Call on arrays and scalars (or, if any argument is a Value, inside a trace). The
  // arguments of a call on arrays stay on the stack and Arrays are passed by address:
  // a cached jitted call allocates only its outputs.
  template <class... Args>
  auto operator()(Args&&... args) const {
    if constexpr ((std::is_same_v<std::decay_t<Args>, Value> || ...)) {
      return call_traced(std::vector<Value>{Value(std::forward<Args>(args))...});
    } else {
      // Array arguments by reference, scalars converted to (owning) Args.
      std::tuple<decltype(internal::hold_arg(std::forward<Args>(args)))...> held(
          internal::hold_arg(std::forward<Args>(args))...);
      const auto refs = std::apply(
          [](const auto&... h) {
            return std::array<internal::ArgRef, sizeof...(Args)>{internal::arg_ref(h)...};
          },
          held);
      return call(std::span<const internal::ArgRef>(refs));
    }
  }
  Outputs call(std::span<const internal::ArgRef> args) const;
  Outputs call(std::span<const Arg> args) const;
  Outputs call(const std::vector<Arg>& args) const { return call(std::span<const Arg>(args)); }
  Values call_traced(const std::vector<Value>& args) const;

  // The number of arguments, or -1 if it takes any number.
  int arity() const;
  // The traced graph for these arguments, as text (what `LANES_DEBUG=ir` prints).
  std::string ir(const std::vector<Arg>& args) const;
  // For a jitted Fn: the LLVM IR handed to the JIT and the machine code, for these
  // arguments (compiling if needed). ArgumentError for a Fn that is not jitted.
  std::string llvm_ir(const std::vector<Arg>& args) const;
  std::string assembly(const std::vector<Arg>& args) const;
  const std::shared_ptr<internal::FnImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<internal::FnImpl> impl_;
};

namespace internal {
// Wraps a C++ callable of Values into the uniform form Fn uses.
struct FnCallableAdapter {
  std::function<std::vector<Value>(const std::vector<Value>&)> call;
  int arity = -1;
};
Fn make_fn(FnCallableAdapter adapter, std::string name);

template <class R>
std::vector<Value> to_value_list(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_same_v<D, std::vector<Value>>) {
    return std::forward<R>(r);
  } else if constexpr (std::is_same_v<D, Values>) {
    return r.values();
  } else if constexpr (requires { std::tuple_size<D>::value; }) {
    return std::apply([](auto&&... v) { return std::vector<Value>{Value(v)...}; }, r);
  } else {
    return std::vector<Value>{Value(std::forward<R>(r))};
  }
}

template <class F, class... P>
FnCallableAdapter adapt(F f) {
  FnCallableAdapter a;
  a.arity = sizeof...(P);
  a.call = [f = std::move(f)](const std::vector<Value>& args) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return to_value_list(f(args[I]...));
    }(std::index_sequence_for<P...>{});
  };
  return a;
}

template <class T>
struct CallableTraits : CallableTraits<decltype(&T::operator())> {};
template <class C, class R, class... P>
struct CallableTraits<R (C::*)(P...) const> {
  template <class F>
  static FnCallableAdapter make(F f) {
    return adapt<F, P...>(std::move(f));
  }
};
template <class C, class R, class... P>
struct CallableTraits<R (C::*)(P...)> : CallableTraits<R (C::*)(P...) const> {};
template <class R, class... P>
struct CallableTraits<R (*)(P...)> {
  template <class F>
  static FnCallableAdapter make(F f) {
    return adapt<F, P...>(std::move(f));
  }
};
}  // namespace internal

// Wraps a callable taking Values (by value or const&) and returning a Value, a
// std::tuple of Values or a std::vector<Value>.
template <class F>
Fn fn(F callable, std::string name = "f") {
  using Traits = internal::CallableTraits<std::decay_t<F>>;
  return internal::make_fn(Traits::make(std::move(callable)), std::move(name));
}
// A callable of any number of Values, given as a vector.
Fn fn_variadic(std::function<std::vector<Value>(const std::vector<Value>&)> callable,
               std::string name = "f");

// Compiles f on first call for each abstract signature; later calls dispatch directly.
// The outputs never alias an Array::view argument (see Outputs): a view that would be
// returned as it is (f(x) = x, x * 1.0, reshape(x)) is copied, the only case that costs a
// copy. ArgumentError for options out of range (opt_level, vector_width).
Fn jit(const Fn& f, JitOptions options = {});

// Prints the graph after tracing and each pass, the loop IR and the LLVM IR to stderr
// (the same as running with LANES_DEBUG=ir).
void set_debug_ir(bool on);

}  // namespace lanes
#pragma GCC visibility pop
