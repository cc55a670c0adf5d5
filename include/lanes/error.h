// The exceptions Lanes throws. Every error a user can cause is a lanes::Error subtype
// whose message names the primitive or function, the argument and the shapes involved.
//
//   try { f(xs, ys); } catch (const lanes::ShapeError& e) { std::cerr << e.what(); }
#pragma once

#include <stdexcept>
#include <string>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes that do not fit a primitive: mismatched operands, a reduction over a missing axis.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A dtype a primitive does not accept, or operands whose dtypes cannot be combined.
class DTypeError : public Error {
 public:
  using Error::Error;
};

// A bad argument to a function or transformation: wrong arity, bad in_axes, bad argnums.
class ArgumentError : public Error {
 public:
  using Error::Error;
};

// A Value used where no trace is active, or after the trace that made it has ended.
class TraceError : public Error {
 public:
  using Error::Error;
};

// A collective names an axis that no enclosing pmap/vmap binds.
class AxisNameError : public Error {
 public:
  using Error::Error;
};

// A transformation rule that a primitive does not (yet) have.
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

// Code generation or the JIT failed (LLVM's errors are converted to this).
class CompileError : public Error {
 public:
  using Error::Error;
};

// Failure while running compiled code or in the runtime (allocation, devices).
class RuntimeError : public Error {
 public:
  using Error::Error;
};

// The call observed a cancelled lanes::CancelToken, or one whose deadline passed
// (include/lanes/cancel.h): the computation or compile stopped early and has no result.
// The message is "cancelled" or "deadline exceeded" (a pmap replica's is prefixed, as its
// other errors are). The engine stays usable.
class Cancelled : public Error {
 public:
  using Error::Error;
};

// A broken internal invariant: a bug in Lanes. The message starts with the source file and
// line of the check that failed; please report it.
class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace lanes
#pragma GCC visibility pop
