// Collectives: operations across the replicas of a named mapped axis (as jax.lax.psum ...).
//
// Inside pmap(f, "i") the replicas combine values over "i"; inside vmap(f, ..., "i") the
// same calls combine the batch elements, so one function runs under vmap or pmap alike.
// Results are bitwise identical on every replica and from run to run (the reduction
// order is fixed: replica 0, 1, ...). A name that no enclosing pmap/vmap binds is an
// AxisNameError ("psum: unbound axis name 'j'").
//
//   Fn normalize = fn([](Value x) { return x / psum(x, "i"); });
//   pmap(normalize, "i")(xs);                        // across devices
//   vmap(normalize, 0, 0, "i")(xs);                  // the same numbers, batched
#pragma once

#include <lanes/value.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// Everything this header declares is liblanes' public API, exported from the library
// (which is built with -fvisibility=hidden).
#pragma GCC visibility push(default)

namespace lanes {

// Sum / mean / maximum / minimum of x over the replicas of axis_name (same shape as x).
// pmean needs a float x; psum, pmax and pmin accept i32, i64, f32, f64.
Value psum(const Value& x, const std::string& axis_name);
Value pmean(const Value& x, const std::string& axis_name);
Value pmax(const Value& x, const std::string& axis_name);
Value pmin(const Value& x, const std::string& axis_name);

// Every replica's x, stacked along a new axis `axis` (extent: the number of replicas),
// or concatenated along the existing axis `axis` when tiled.
//   all_gather(x:[3], "i") with 4 replicas -> [4, 3];  tiled -> [12]
Value all_gather(const Value& x, const std::string& axis_name, std::int64_t axis = 0,
                 bool tiled = false);

// Sends x from replica s to replica d for every pair (s, d) of perm (a partial
// permutation: no source or destination twice); replicas nobody sends to get zeros.
//   ppermute(x, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}})   // rotate by one
Value ppermute(const Value& x, const std::string& axis_name,
               const std::vector<std::pair<int, int>>& perm);

// This replica's index along axis_name, as an i32 scalar (0 .. replicas-1).
Value axis_index(const std::string& axis_name);

}  // namespace lanes
#pragma GCC visibility pop
