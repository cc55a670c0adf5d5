// Merges equations with the same primitive, params and inputs into one.
#pragma once

#include "engine/ir/graph.h"

namespace lanes::internal {

Graph eliminate_common_subexpressions(const Graph& g);

}  // namespace lanes::internal
