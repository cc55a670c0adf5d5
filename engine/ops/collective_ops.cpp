// The DSL's collectives (lanes/collectives.h): each checks at trace time that an
// enclosing pmap or vmap binds the axis name (AxisNameError otherwise) and binds its
// primitive (engine/primitives/collectives.cpp).
#include <lanes/collectives.h>
#include <lanes/error.h>

#include <set>

#include "engine/primitive.h"
#include "engine/trace.h"
#include "runtime/replica_context.h"

namespace lanes {

namespace {

using internal::Params;

std::int64_t axis_size(const char* prim, const std::string& axis_name) {
  internal::require_trace(prim);
  if (axis_name.empty()) throw ArgumentError(std::string(prim) + ": axis_name is empty");
  std::int64_t n = internal::trace_axis_size(axis_name);
  if (n < 0) {
    throw AxisNameError(std::string(prim) + ": unbound axis name '" + axis_name +
                        "' (no enclosing pmap or vmap binds it)");
  }
  return n;
}

Value reduce(const char* prim, const Value& x, const std::string& axis_name) {
  axis_size(prim, axis_name);
  return internal::bind1(prim, {x}, Params{{"axis_name", axis_name}});
}

}  // namespace

Value psum(const Value& x, const std::string& axis_name) { return reduce("psum", x, axis_name); }
Value pmean(const Value& x, const std::string& axis_name) { return reduce("pmean", x, axis_name); }
Value pmax(const Value& x, const std::string& axis_name) { return reduce("pmax", x, axis_name); }
Value pmin(const Value& x, const std::string& axis_name) { return reduce("pmin", x, axis_name); }

Value all_gather(const Value& x, const std::string& axis_name, std::int64_t axis, bool tiled) {
  std::int64_t n = axis_size("all_gather", axis_name);
  std::int64_t rank = x.rank();
  std::int64_t limit = tiled ? rank : rank + 1;  // axes of the result that may be named
  if (axis < -limit || axis >= limit) {
    throw ShapeError("all_gather: axis " + std::to_string(axis) +
                     " is out of range for operand shape " + shape_to_string(x.shape()) +
                     (tiled ? " (tiled)" : ""));
  }
  if (axis < 0) axis += limit;
  return internal::bind1(
      "all_gather", {x},
      Params{{"axis_name", axis_name}, {"axis", axis}, {"tiled", tiled}, {"axis_size", n}});
}

Value ppermute(const Value& x, const std::string& axis_name,
               const std::vector<std::pair<int, int>>& perm) {
  std::int64_t n = axis_size("ppermute", axis_name);
  std::set<int> sources, dests;
  std::vector<std::int64_t> flat;
  for (const auto& [s, d] : perm) {
    std::string pair = "(" + std::to_string(s) + ", " + std::to_string(d) + ")";
    if (s < 0 || s >= n || d < 0 || d >= n) {
      throw ArgumentError("ppermute: pair " + pair + " is out of range for axis '" + axis_name +
                          "' of size " + std::to_string(n));
    }
    if (!sources.insert(s).second || !dests.insert(d).second) {
      throw ArgumentError("ppermute: pair " + pair +
                          " repeats a source or a destination; perm must be a permutation");
    }
    flat.push_back(s);
    flat.push_back(d);
  }
  return internal::bind1("ppermute", {x}, Params{{"axis_name", axis_name}, {"perm", flat}});
}

Value axis_index(const std::string& axis_name) {
  axis_size("axis_index", axis_name);
  return internal::bind1(internal::primitive("axis_index"), std::span<const Value>(),
                         Params{{"axis_name", axis_name}});
}

}  // namespace lanes
