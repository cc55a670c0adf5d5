// Per-element functions nesting control flow `depth` levels deep (issue 18), shared by
// bench/nested_control_flow_bench.cpp and the tests (tests/unit/codegen/deep_loop_nest_test.cpp).
// Every level adds 0.5 on the way in (cond: when v > 0) and the innermost doubles, so
// nest_while, nest_fori and nest_scan give (v + 0.5 depth) * 2.
#pragma once

#include <lanes/lanes.h>

#include <tuple>

namespace lanes::bench {

// cond(v > 0, inner, v + 1): each level's true branch holds the next level.
inline Value nest_cond(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  return lanes::cond(
      v > 0.0, [depth](Value w) { return nest_cond(w - 0.5, depth - 1); },
      [](Value w) { return w + 1.0; }, v);
}

// A while_loop whose body runs the next level once (a counter carry).
inline Value nest_while(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  auto [x, i] = lanes::while_loop(
      [](std::tuple<Value, Value> c) { return std::get<1>(c) < 1.0; },
      [depth](std::tuple<Value, Value> c) {
        return std::make_tuple(nest_while(std::get<0>(c) + 0.5, depth - 1), std::get<1>(c) + 1.0);
      },
      std::make_tuple(v, Value(0.0)));
  (void)i;
  return x;
}

inline Value nest_fori(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  return lanes::fori_loop(
      0, 1, [depth](Value, Value c) { return nest_fori(c + 0.5, depth - 1); }, v);
}

inline Value nest_scan(const Value& v, int depth) {
  if (depth == 0) return v * 2.0;
  auto [c, ys] = lanes::scan(
      [depth](Value c) { return std::make_tuple(nest_scan(c + 0.5, depth - 1), Value(0.0)); }, v,
      lanes::no_xs, {.length = 1});
  (void)ys;
  return c;
}

}  // namespace lanes::bench
