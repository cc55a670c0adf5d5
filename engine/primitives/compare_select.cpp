// The compare_select primitive family (to be filled in).
#include "engine/primitives/families.h"

namespace lanes::internal {

void register_compare_select() {}

}  // namespace lanes::internal
