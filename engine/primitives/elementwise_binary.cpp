// The elementwise_binary primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_elementwise_binary() {}

}  // namespace lanes::internal
