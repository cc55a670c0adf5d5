// The shape_ops primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_shape_ops() {}

}  // namespace lanes::internal
