// Newton's square root in a while_loop, written for one element: the comparison
// benchmark's Newton case, the cancel-check benchmark and the while-width tests
// (tests/unit/codegen/jit_while_width_test.cpp) share it.
#pragma once

#include <lanes/lanes.h>

#include <tuple>

#include "comparison_cases.h"

namespace lanes::bench {

inline Fn newton_sqrt_per_element() {
  using Carry = std::tuple<Value, Value>;
  return fn(
      [](Value a) {
        auto [x, step] = while_loop(
            [](Carry c) {
              return lanes::abs(std::get<1>(c)) > comparison::kNewtonRelTol * std::get<0>(c);
            },
            [a](Carry c) {
              Value x = std::get<0>(c), next = 0.5 * (x + a / x);
              return std::make_tuple(next, next - x);
            },
            std::make_tuple(a, a));
        (void)step;
        return x;
      },
      "newton");
}

}  // namespace lanes::bench
