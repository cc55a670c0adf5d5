// The one check of JitOptions a user passes to lanes::jit or amdgpu::jit (defined in
// frontend/jit.cpp): out-of-range values are an ArgumentError naming the option, its
// value and the allowed values, at jit time rather than as a failed or huge compile.
#pragma once

#include <lanes/jit_options.h>

#include <string_view>

namespace lanes::internal {

inline constexpr int kMaxVectorWidth = 64;

// opt_level in {0, 1, 2}; vector_width 0 (the host's width) or a power of two in [1, 64].
// `who` starts the message ("jit", "amdgpu::jit").
void check_jit_options(const JitOptions& options, std::string_view who);

}  // namespace lanes::internal
