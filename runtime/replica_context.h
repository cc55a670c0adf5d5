// The replica context: which named axes the running code is mapped over.
//
// Two thread-local stacks, one for each time a named axis matters:
// - At run time (ReplicaScope): the pmap replica this thread is, per bound axis name:
//   its index, the replica count and the Communicator the collectives of that axis use.
//   pmap's replica threads start with their parent thread's bindings plus their own, so
//   nested pmaps see every enclosing axis.
// - At trace time (AxisEnvScope): the axis names that the enclosing pmap/vmap calls bind
//   and their sizes, so the DSL's collectives can reject unbound names at once and know
//   the size of an axis (all_gather's result shape).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/communicator.h"

namespace lanes::internal {

struct AxisBinding {
  std::string name;
  int rank = 0;
  int size = 1;
  std::shared_ptr<Communicator> comm;
};

// The innermost binding of `name` on this thread, or null.
const AxisBinding* find_replica_axis(const std::string& name);
// Every binding of this thread, outermost first (handed to nested replica threads).
std::vector<AxisBinding> replica_bindings();

// Binds axes for the lifetime of the scope.
class ReplicaScope {
 public:
  explicit ReplicaScope(std::vector<AxisBinding> bindings);
  ~ReplicaScope();
  ReplicaScope(const ReplicaScope&) = delete;
  ReplicaScope& operator=(const ReplicaScope&) = delete;

 private:
  std::size_t count_;
};

// Trace time: `name` is bound with `size` elements while the scope lives (no-op for "").
class AxisEnvScope {
 public:
  AxisEnvScope(std::string name, std::int64_t size);
  ~AxisEnvScope();
  AxisEnvScope(const AxisEnvScope&) = delete;
  AxisEnvScope& operator=(const AxisEnvScope&) = delete;

 private:
  bool pushed_;
};

// The size of the innermost trace-time binding of `name`, or -1 when unbound.
std::int64_t trace_axis_size(const std::string& name);

}  // namespace lanes::internal
