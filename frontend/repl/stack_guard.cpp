// check_stack (see stack_guard.h), from the stack left (runtime/stack_left.h).
#include "frontend/repl/stack_guard.h"

#include <string>

#include "frontend/repl/errors.h"
#include "runtime/stack_left.h"

namespace lanes::repl {

void check_stack(Loc loc) {
  const std::size_t left = internal::stack_left();
  if (left >= kStackReserve) return;
  throw ReplError("RecursionError",
                  "the program nests too deeply for this thread's stack (" +
                      std::to_string(left >> 10) + " KiB left; calls and expressions nested " +
                      "this deep need a larger stack)",
                  loc);
}

}  // namespace lanes::repl
