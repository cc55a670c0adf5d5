// The dot_general primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_dot_general() {}

}  // namespace lanes::internal
