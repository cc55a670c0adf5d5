// Test helper: runs one primitive's shape rule and reference implementation directly on
// arrays, and checks that the implementation's result matches what the shape rule says.
#pragma once

#include <gtest/gtest.h>
#include <lanes/array.h>

#include <string>
#include <vector>

#include "engine/primitive.h"

namespace lanes::testing {

// The abstract value the primitive's shape rule gives for these operands.
inline internal::AbstractValue eval_shape(const std::string& prim,
                                          const std::vector<internal::AbstractValue>& in,
                                          const internal::Params& params = {}) {
  internal::AvalList out = internal::primitive(prim).abstract_eval(in, params);
  EXPECT_EQ(out.size(), 1u) << prim;
  return out.at(0);
}

// Evaluates `prim` on `in` with its reference implementation.
inline Array eval_prim(const std::string& prim, const std::vector<Array>& in,
                       const internal::Params& params = {}) {
  std::vector<internal::AbstractValue> avals;
  for (const Array& a : in) avals.push_back(internal::aval_of(a));
  internal::AbstractValue want = eval_shape(prim, avals, params);
  std::vector<Array> out = internal::primitive(prim).impl(in, params);
  EXPECT_EQ(out.size(), 1u) << prim;
  EXPECT_EQ(out.at(0).dtype(), want.dtype) << prim;
  EXPECT_EQ(out.at(0).shape(), want.shape) << prim;
  return out.at(0);
}

// Single-element convenience: prim(x) / prim(a, b) on rank-0 arrays.
template <class R, class T>
R eval1(const std::string& prim, T x, const internal::Params& params = {}) {
  return eval_prim(prim, {Array::scalar(x)}, params).template data<R>()[0];
}
template <class R, class T>
R eval2(const std::string& prim, T a, T b) {
  return eval_prim(prim, {Array::scalar(a), Array::scalar(b)}).template data<R>()[0];
}

}  // namespace lanes::testing
