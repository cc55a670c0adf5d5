// Control flow in traced code: cond, while_loop, fori_loop, scan (as in jax.lax).
// (Filled in by the control-flow work; see engine/primitives/control_flow.cpp.)
#pragma once

#include <lanes/ops.h>
