// Removes equations whose outputs are not used (control flow included: sub-graphs are cleaned too).
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph eliminate_dead_code(const Graph& g);

}  // namespace lanes::internal
