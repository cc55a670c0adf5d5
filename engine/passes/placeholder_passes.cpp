// TEMPORARY: identity passes until the real ones land (same session).
#include "engine/passes/cse.h"
#include "engine/passes/dce.h"
#include "engine/passes/fold_constants.h"
#include "engine/passes/simplify.h"

namespace lanes::internal {
Graph eliminate_dead_code(const Graph& g) { return g; }
Graph eliminate_common_subexpressions(const Graph& g) { return g; }
Graph fold_constants(const Graph& g) { return g; }
Graph simplify(const Graph& g) { return g; }
}  // namespace lanes::internal
