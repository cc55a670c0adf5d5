// Helpers for batching rules (vmap): moving a value's batch axis, materializing a batch
// axis on an unbatched value, and the one rule every elementwise primitive shares.
//
// Conventions: `bdim` is the batch axis of a batched value, or -1 for an unbatched one;
// a "per-element" axis k is an axis of the value as the unbatched function sees it.
// Rules emit equations with the DSL's op functions and bind(), on the current trace.
#pragma once

#include <lanes/value.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/primitive.h"

namespace lanes::internal {

// Per-element axis `k` as an axis of the batched value whose batch axis is `bdim`.
inline std::int64_t batched_axis(std::int64_t k, std::int64_t bdim) {
  return bdim >= 0 && k >= bdim ? k + 1 : k;
}

// The per-element shape of a batched value (its shape without the batch axis).
Shape per_element_shape(const Value& x, std::int64_t bdim);

// The permutation moving axis `from` of a rank-`rank` value to position `to` (the others
// keep their order): what move_batch_axis and move_array_axis transpose by.
std::vector<std::int64_t> move_axis_permutation(std::int64_t rank, std::int64_t from,
                                                std::int64_t to);

// x with its batch axis moved from `from` to `to` (a transpose, or x itself).
Value move_batch_axis(const Value& x, std::int64_t from, std::int64_t to);

// The same move on a concrete array, for reference implementations (collectives, pmap).
Array move_array_axis(const Array& x, std::int64_t from, std::int64_t to);

// x with its batch axis at `to`: moved if x is batched (bdim >= 0), otherwise broadcast
// along a new axis of extent `batch_size` inserted at `to`.
Value batch_at(const Value& x, std::int64_t bdim, std::int64_t batch_size, std::int64_t to);

// The batching rule shared by the n-ary elementwise primitives (select and convert too):
// operands whose batch axes agree are re-bound as they are; otherwise batch axes move to
// 0 and unbatched operands are broadcast — except rank-0 ones, which elementwise
// primitives broadcast implicitly.
Rule<BatchFn> elementwise_batch_rule(std::string prim);

}  // namespace lanes::internal
