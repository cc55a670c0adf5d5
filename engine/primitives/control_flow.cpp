// The control_flow primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_control_flow() {}

}  // namespace lanes::internal
