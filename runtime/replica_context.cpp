// The replica context (see replica_context.h).
#include "runtime/replica_context.h"

#include <utility>

namespace lanes::internal {

namespace {
thread_local std::vector<AxisBinding> t_replica;
thread_local std::vector<std::pair<std::string, std::int64_t>> t_trace_env;
}  // namespace

const AxisBinding* find_replica_axis(const std::string& name) {
  for (auto it = t_replica.rbegin(); it != t_replica.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

std::vector<AxisBinding> replica_bindings() { return t_replica; }

ReplicaScope::ReplicaScope(std::vector<AxisBinding> bindings) : count_(bindings.size()) {
  for (AxisBinding& b : bindings) t_replica.push_back(std::move(b));
}

ReplicaScope::~ReplicaScope() {
  for (std::size_t i = 0; i < count_ && !t_replica.empty(); ++i) t_replica.pop_back();
}

AxisEnvScope::AxisEnvScope(std::string name, std::int64_t size) : pushed_(!name.empty()) {
  if (pushed_) t_trace_env.emplace_back(std::move(name), size);
}

AxisEnvScope::~AxisEnvScope() {
  if (pushed_ && !t_trace_env.empty()) t_trace_env.pop_back();
}

std::int64_t trace_axis_size(const std::string& name) {
  for (auto it = t_trace_env.rbegin(); it != t_trace_env.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return -1;
}

}  // namespace lanes::internal
