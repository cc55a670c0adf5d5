// The broadcast primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_broadcast() {}

}  // namespace lanes::internal
