// check_dtype_arg: the one check of a DType that enters through the public API (Array
// factories and views, astype, full, iota). A DType is a plain enum, so DType(42)
// compiles; unchecked it would size buffers as 0 bytes and read them as f64.
#pragma once

#include <lanes/dtype.h>
#include <lanes/error.h>

#include <string>
#include <string_view>

namespace lanes::internal {

inline bool is_known_dtype(DType t) {
  for (DType d : kAllDTypes) {
    if (d == t) return true;
  }
  return false;
}

// ArgumentError "<who>: dtype 42 is not one of bool, i32, i64, f32, f64" unless t is a
// DType enumerator.
inline void check_dtype_arg(DType t, std::string_view who) {
  if (is_known_dtype(t)) return;
  std::string names;
  for (DType d : kAllDTypes) {
    if (!names.empty()) names += ", ";
    names += dtype_name(d);
  }
  throw ArgumentError(std::string(who) + ": dtype " + std::to_string(static_cast<int>(t)) +
                      " is not one of " + names);
}

}  // namespace lanes::internal
