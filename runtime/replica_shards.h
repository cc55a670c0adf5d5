// Splitting arrays into pmap replicas' shards and stacking the replicas' outputs back.
//
// Both are plain byte copies over the row-major layout (no primitives: the runtime sits
// below the engine): a shard along `axis` is, for every index of the axes before it, one
// contiguous run of the axes after it. A shard is a zero-copy view when it is contiguous
// (nothing but extent-1 axes before `axis`); the view borrows the input's memory, which
// must outlive it.
//
//   Array x = Array::from<double>({1, 2, 3, 4, 5, 6}, {2, 3});
//   Array col = replica_shard(x, 1, 2);               // [3, 6], a copy
//   Array back = stack_replicas(columns, 1);          // x again from its 3 columns
#pragma once

#include <lanes/array.h>

#include <cstdint>
#include <span>

namespace lanes::internal {

// Replica r's slice of x along `axis` (that axis removed): a view where contiguous.
Array replica_shard(const Array& x, std::int64_t axis, std::int64_t r);

// The parts (equal dtypes and shapes) stacked along a new axis `axis` of extent
// parts.size(); a new owning array. InternalError when the parts differ.
Array stack_replicas(std::span<const Array> parts, std::int64_t axis);

}  // namespace lanes::internal
