// Element types of Lanes arrays and the helpers that map C++ types onto them.
//
//   lanes::DType t = lanes::dtype_of<double>();   // DType::F64
//   lanes::dtype_name(t);                          // "f64"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Ordered from the narrowest category to the widest: promotion walks this order.
enum class DType : std::uint8_t { Bool, I32, I64, F32, F64 };

inline constexpr DType kAllDTypes[] = {DType::Bool, DType::I32, DType::I64, DType::F32,
                                       DType::F64};

constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::Bool: return 1;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::F32: return 4;
    case DType::F64: return 8;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::F32: return "f32";
    case DType::F64: return "f64";
  }
  return "?";
}

constexpr bool is_float(DType t) { return t == DType::F32 || t == DType::F64; }
constexpr bool is_int(DType t) { return t == DType::I32 || t == DType::I64; }
constexpr bool is_bool(DType t) { return t == DType::Bool; }

template <class T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };

template <class T>
constexpr DType dtype_of() {
  return DTypeOf<T>::value;
}

// Calls f(T{}) with the C++ type of `t`; the way generic code switches on dtypes once.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return f(bool{});
    case DType::I32: return f(std::int32_t{});
    case DType::I64: return f(std::int64_t{});
    case DType::F32: return f(float{});
    case DType::F64: break;
  }
  return f(double{});
}

}  // namespace lanes
#pragma GCC visibility pop
