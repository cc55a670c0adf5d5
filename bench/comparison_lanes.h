// The Lanes side of the comparison benchmark: runs one case (variant x function x n) in
// this process and measures it (time, and memory of the evaluation phase).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "comparison_cases.h"

namespace lanes::bench::comparison {

// The Lanes variants, in the article's order, and the plain C++ temporaries peer.
//   loop      (a) a host loop calling jit(f) once per element, on scalar Arrays
//   eager     (b) the whole-array function run eagerly (the interpreter: one temporary
//                 per operation)
//   eager_cpp (b) plain C++, one std::vector temporary per operation
//   vmap      (c) vmap(f) without jit (the interpreter on the batched graph)
//   jit_vmap  (d) jit(vmap(f)), one thread
//   jit_vmap_pool (d) jit(vmap(f)) with large kernels split over the thread pool
//   hand_simd a hand-written Highway loop (Newton only: the ceiling of the while loop)
const std::vector<std::string>& lanes_variants();

// Runs the case; the Result's note says why when it cannot run.
Result run_lanes_case(const std::string& variant, Func func, std::size_t n, double budget_s);

// value_and_grad cases (when lanes::value_and_grad exists): `which` is "sinexp_loss" or
// "mlp", `variant` "f" (jit(f)) or "vg" (jit(value_and_grad(f))).
bool have_grad();
Result run_grad_case(const std::string& which, const std::string& variant, std::size_t n,
                     double budget_s);

}  // namespace lanes::bench::comparison
