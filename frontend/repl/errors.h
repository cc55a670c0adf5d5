// Errors of the REPL language. Every error the REPL reports is a ReplError: a lanes::Error
// with a kind ("SyntaxError", "NameError", or the engine's class such as "ShapeError"), the
// message and, once known, the source location of the offending token.
#pragma once

#include <lanes/error.h>

#include <new>
#include <string>

#include "frontend/repl/ast.h"

namespace lanes::repl {

class ReplError : public lanes::Error {
 public:
  ReplError(std::string kind, const std::string& message, Loc loc, bool located = true)
      : lanes::Error(message), kind_(std::move(kind)), loc_(loc), located_(located) {}
  const std::string& kind() const { return kind_; }
  Loc loc() const { return loc_; }
  bool located() const { return located_; }

 private:
  std::string kind_;
  Loc loc_;
  bool located_;
};

// Shorthands for the REPL's own error kinds.
[[noreturn]] inline void syntax_error(const std::string& msg, Loc loc) {
  throw ReplError("SyntaxError", msg, loc);
}
[[noreturn]] inline void type_error(const std::string& msg, Loc loc) {
  throw ReplError("TypeError", msg, loc);
}
// Python's ints are unbounded; the REPL's are i64 (they become i64 in arrays and traced
// code anyway). A value outside i64 (`what`: the expression or literal) raises the
// OverflowError that Python raises when it converts such an int to a C long, instead of
// wrapping (docs/repl.md).
[[noreturn]] inline void int_overflow(const std::string& what, Loc loc) {
  throw ReplError("OverflowError",
                  "Python int too large to convert to C long: " + what +
                      " is outside i64 [-9223372036854775808, 9223372036854775807]",
                  loc);
}

// The class name of an engine error, for reports ("ShapeError: add: ...").
std::string error_kind(const std::exception& e);

// Returns f(), reporting an error it throws at `loc`: an engine error becomes a ReplError
// of its kind, out of memory a RuntimeError, any other exception an InternalError; a
// ReplError passes unchanged, located at `loc` if it was not yet. lanes::Cancelled passes
// unchanged: Session::run reports it as a KeyboardInterrupt, without a location.
template <class F>
auto at_loc(Loc loc, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ReplError& err) {
    if (!err.located()) throw ReplError(err.kind(), err.what(), loc);
    throw;
  } catch (const Cancelled&) {
    throw;
  } catch (const lanes::Error& err) {
    throw ReplError(error_kind(err), err.what(), loc);
  } catch (const std::bad_alloc&) {
    throw ReplError("RuntimeError", "out of memory", loc);
  } catch (const std::exception& err) {
    throw ReplError("InternalError", err.what(), loc);
  }
}

}  // namespace lanes::repl
