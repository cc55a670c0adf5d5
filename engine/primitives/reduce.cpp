// The reduce primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_reduce() {}

}  // namespace lanes::internal
