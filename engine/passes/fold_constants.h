// Evaluates equations whose inputs are all literals or constants, with the reference interpreter, and replaces their outputs by literals (scalars) or constants.
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph fold_constants(const Graph& g);

}  // namespace lanes::internal
