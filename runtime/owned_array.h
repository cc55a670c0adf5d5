// owned(): an Array that keeps its own data alive, for anything that outlives the call
// that received the Array (a Fn's outputs, a trace's constants, vjp's saved primals).
//
// An owning Array is returned as it is (its copies share the refcounted storage, so the
// result keeps it alive); an Array::view of the caller's memory is copied, because the
// caller may free or overwrite that memory once the call returns (docs/semantics.md,
// "Outputs and the caller's memory").
#pragma once

#include <lanes/array.h>

namespace lanes::internal {

inline Array owned(const Array& a) { return a.is_view() ? a.copy() : a; }

}  // namespace lanes::internal
