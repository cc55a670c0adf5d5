// Algebraic simplification: x+0, x*1, x*0 (integers only: 0*inf is NaN), x-0, x/1, neg(neg x), convert to the same dtype, broadcast to the same shape.
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph simplify(const Graph& g);

}  // namespace lanes::internal
