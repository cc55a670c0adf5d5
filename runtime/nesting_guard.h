// A bound on the components that still recurse once per level of nested sub-graphs (a
// cond inside a cond inside ...): the reference interpreter, vmap, jvp, vjp/transpose and
// lowering's control-flow inliner. Each level holds a NestingGuard; when this thread's
// stack has less left than a reserve (128 KiB, or a quarter of a smaller stack), the guard
// throws UnsupportedError naming the component and the nesting depth, instead of letting
// the next levels overflow the stack. The graph passes (DCE, CSE, simplify, fold,
// expand), hashing, comparing, verifying and destroying graphs need no such bound: they
// walk sub-graphs with explicit stacks.
//
//   std::vector<Array> interpret(const Graph& g, ...) {
//     NestingGuard guard("interpret");  // one level deeper while g runs
//     ...
#pragma once

namespace lanes::internal {

class NestingGuard {
 public:
  explicit NestingGuard(const char* what);
  ~NestingGuard();
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;
};

// The levels of NestingGuard held on this thread now.
int nesting_depth();

}  // namespace lanes::internal
