// LANES_CHECK and LANES_FAIL: the internal-invariant channel (DESIGN.md, convention 9).
//
// A failed check is a bug in Lanes, not bad user input: it throws lanes::InternalError
// whose message starts with the source file (relative to the source tree) and line, so a
// user's report points at the broken invariant. The message expression is evaluated only
// when the check fails. Bad user input never reaches these: it gets a ShapeError,
// DTypeError, ... naming the primitive, the argument and the shapes.
//
//   LANES_CHECK(op.args.size() == 2, "Select takes 2 operands, got " + std::to_string(n));
//   default: LANES_FAIL("unhandled ScalarOp " + std::string(name));
//
// Header-only and in runtime/ (the lowest layer), so every layer and library can use it.
#pragma once

#include <lanes/error.h>

#include <string>
#include <string_view>
#include "runtime/check.h"

namespace lanes::internal {

// `file` relative to the source tree: this header's own path ends in "runtime/check.h",
// and whatever precedes that is the tree's root as the compiler saw it.
constexpr std::string_view source_relative_path(std::string_view file) {
  constexpr std::string_view self = __FILE__;
  constexpr std::string_view tail = "runtime/check.h";
  if (self.ends_with(tail)) {
    std::string_view root = self.substr(0, self.size() - tail.size());
    if (file.starts_with(root)) file.remove_prefix(root.size());
  }
  return file;
}

[[noreturn]] inline void check_failed(const char* file, int line, const char* condition,
                                      const std::string& message) {
  std::string what = std::string(source_relative_path(file)) + ":" + std::to_string(line) +
                     ": internal error";
  if (condition != nullptr) what += " (check `" + std::string(condition) + "` failed)";
  throw InternalError(what + ": " + message);
}

}  // namespace lanes::internal

#define LANES_CHECK(condition, message)                                           \
  do {                                                                            \
    if (!(condition)) [[unlikely]] {                                              \
      ::lanes::internal::check_failed(__FILE__, __LINE__, #condition, (message)); \
    }                                                                             \
  } while (false)

#define LANES_FAIL(message) ::lanes::internal::check_failed(__FILE__, __LINE__, nullptr, (message))
