// Removes the autodiff-only primitives before lowering: stop_gradient becomes its operand
// and custom_jvp and custom_vjp their primal graph (inlined), in sub-graphs too. Their meaning for
// evaluation is exactly that, so jit fuses straight through them.
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph inline_autodiff(const Graph& g);

}  // namespace lanes::internal
