// The elementwise_unary primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_elementwise_unary() {}

}  // namespace lanes::internal
