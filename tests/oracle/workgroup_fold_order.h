// The AMDGPU backend's order for the fold of a split full reduction
// (loop::PartialsFold; amdgpu_kernel_codegen.cpp emits it as a one-workgroup tree in
// LDS), written back as ordinary loop IR for one point, so that any backend (or the
// loop interpreter) computes the GPU's bits on the host. Tests compare it with a model
// of the documented order and, where a GPU is present, with the device's result.
#pragma once

#include "codegen/loop_ir.h"

namespace lanes::internal::amdgpu {

// `program` with the PartialsFold Loop of each kernel replaced by the same fold in the
// AMDGPU order: for t in [0, kWorkgroupSize) a Loop folding partials t, t + 256, ...
// into the identity, then the tree's combines inline (stage s = 128, 64, ..., 1:
// state[t] = combine(state[t], state[t + s]) for t < s, t + s < min(256, P)), the rest
// of the kernel reading state[0]. The result has no PartialsFold left. InternalError if
// a fold is not the lowering's form (a top-level Loop whose body uses its index variable
// only to index loads).
loop::Program serialize_workgroup_folds(loop::Program program);

}  // namespace lanes::internal::amdgpu
