// Params: the static parameters of an equation (axes, dtypes, shapes, sub-graphs, ...).
//
// A small ordered list of named values; equality and hashing make graphs comparable
// for CSE and for the compile cache.
#pragma once

#include <lanes/array.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace lanes::internal {

struct Graph;
using GraphRef = std::shared_ptr<const Graph>;

using Param = std::variant<std::int64_t, double, bool, std::string, DType,
                           std::vector<std::int64_t>, GraphRef, std::vector<GraphRef>, Array>;

class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string, Param>> init);
  // Releases the sub-graphs it holds without recursion on their nesting depth: on the
  // first destructor of a thread's chain, a loop drops them one by one, and the params of
  // a graph freed meanwhile hand theirs to that loop instead of dropping them in place.
  ~Params();
  Params(const Params&) = default;
  Params(Params&&) noexcept = default;
  Params& operator=(const Params&) = default;
  Params& operator=(Params&&) noexcept = default;

  Params& set(const std::string& name, Param value);
  bool has(const std::string& name) const;
  const Param& at(const std::string& name) const;  // InternalError if absent

  template <class T>
  const T& get(const std::string& name) const {
    const Param& p = at(name);
    if (const T* v = std::get_if<T>(&p)) return *v;
    throw_wrong_type(name);
  }
  std::int64_t get_int(const std::string& name) const { return get<std::int64_t>(name); }
  const std::vector<std::int64_t>& get_ints(const std::string& name) const {
    return get<std::vector<std::int64_t>>(name);
  }
  const GraphRef& get_graph(const std::string& name) const { return get<GraphRef>(name); }

  const std::vector<std::pair<std::string, Param>>& entries() const { return entries_; }
  // Calls f(const GraphRef&) for every non-null sub-graph held (GraphRef and
  // vector<GraphRef> entries), in entry order.
  template <class F>
  void for_each_graph(F&& f) const {
    for (const auto& [name, value] : entries_) {
      if (const auto* one = std::get_if<GraphRef>(&value)) {
        if (*one) f(*one);
      } else if (const auto* many = std::get_if<std::vector<GraphRef>>(&value)) {
        for (const GraphRef& s : *many) {
          if (s) f(s);
        }
      }
    }
  }
  // Equal names and values; sub-graphs compare structurally (graph_identity.h).
  bool operator==(const Params& other) const;
  // Consistent with ==: sub-graphs contribute their cached structural hash, so this is
  // linear in the params' own size once the sub-graphs are hashed. No printing.
  std::size_t hash() const;
  // == for everything but the contents of sub-graphs: a pair of distinct sub-graphs with
  // equal structural hashes is appended to `pending` for the caller to compare (so that
  // graph equality needs no recursion on nesting depth).
  bool equal_deferring_graphs(const Params& other,
                              std::vector<std::pair<const Graph*, const Graph*>>& pending) const;
  std::string to_string() const;  // "axes=[0,1], dtype=f32"

 private:
  [[noreturn]] void throw_wrong_type(const std::string& name) const;
  std::vector<std::pair<std::string, Param>> entries_;  // sorted by name
};

}  // namespace lanes::internal
