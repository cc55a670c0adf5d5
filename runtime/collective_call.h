// What one collective call of a replica is, and the check that every replica of a
// rendezvous makes the same call.
//
// Under pmap, control flow whose path depends on the replica (a cond on axis_index, a loop
// whose trip count differs) can make replicas call different collectives, or make one
// replica finish its program while another waits in a collective. Each communicator
// (threads, MPI) posts a CollectiveCall per replica at every rendezvous, and a replica
// announces the end of its program with a `finished` call; when the calls differ, every
// replica of the rendezvous throws the same RuntimeError, built here, instead of hanging
// or combining different collectives into a wrong value. The rule for users is in
// docs/semantics.md ("Collectives in control flow").
//
// Header-only: the MPI plugin, which uses liblanes' public API only, shares it. The
// struct is sent as raw bytes between MPI processes, so it is trivially copyable and has
// no implicit padding.
#pragma once

#include <lanes/dtype.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/communicator.h"

namespace lanes::internal {

enum class CollectiveKind : std::uint32_t { AllReduce, AllGather, Ppermute, Finished };

struct CollectiveCall {
  CollectiveKind kind = CollectiveKind::Finished;
  ReduceOp op = ReduceOp::Sum;  // AllReduce only (Sum otherwise)
  DType dtype = DType::F64;
  std::uint8_t reserved[7] = {};  // explicit, so that every byte sent over MPI is defined
  std::uint64_t count = 0;
  std::uint64_t perm_hash = 0;  // ppermute: its pairs (replicas must pass the same perm)
  char primitive[16] = {};      // "psum", "pmax", ... for messages; part of the identity

  bool operator==(const CollectiveCall& o) const {
    return kind == o.kind && op == o.op && dtype == o.dtype && count == o.count &&
           perm_hash == o.perm_hash && std::strncmp(primitive, o.primitive, sizeof primitive) == 0;
  }
};
static_assert(std::is_trivially_copyable_v<CollectiveCall> && sizeof(CollectiveCall) == 48);
// No padding: every byte sent over MPI is a member's (checked, not just claimed).
static_assert(std::has_unique_object_representations_v<CollectiveCall>);

// The call of `primitive` (or of the communicator's own `fallback` name, when null).
inline CollectiveCall collective_call(CollectiveKind kind, const char* primitive,
                                      const char* fallback, DType dtype, std::size_t count,
                                      ReduceOp op = ReduceOp::Sum) {
  CollectiveCall c;
  c.kind = kind;
  c.op = op;
  c.dtype = dtype;
  c.count = count;
  const char* name = primitive != nullptr ? primitive : fallback;
  std::strncpy(c.primitive, name, sizeof c.primitive - 1);
  return c;
}

// A replica's announcement that its program has returned: it makes no more collectives.
inline CollectiveCall finished_call() {
  CollectiveCall c;
  std::strncpy(c.primitive, "finished", sizeof c.primitive - 1);
  return c;
}

// The primitive name of the all_gathers with which a pmap across MPI processes collects
// its outputs (runtime/replica_runner.cpp). They follow the program, so the first one
// doubles as the replica's `finished` announcement (saving one exchange per call).
inline constexpr char kPmapOutputs[] = "pmap outputs";

// Whether `c` is made after the replica's program has returned.
inline bool ends_program(const CollectiveCall& c) {
  return c.kind == CollectiveKind::Finished ||
         std::strncmp(c.primitive, kPmapOutputs, sizeof c.primitive) == 0;
}

// FNV-1a of a ppermute's pairs, so that replicas passing different perms disagree.
inline std::uint64_t perm_hash(const std::vector<std::pair<int, int>>& perm) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](int v) {
    for (int b = 0; b < 4; ++b) {
      h ^= (static_cast<std::uint32_t>(v) >> (8 * b)) & 0xffu;
      h *= 1099511628211ull;
    }
  };
  for (const auto& [s, d] : perm) {
    mix(s);
    mix(d);
  }
  return h;
}

// "psum(f32, 4 elements)"; the parts of the identity that the name does not say are added,
// so that two calls that differ never read the same: a raw all_reduce's op ("all_reduce(f32,
// 4 elements, max)") and a ppermute's perm, by its hash ("ppermute(f32, 1 element, perm
// 5e1c0a77)").
inline std::string describe_call(const CollectiveCall& c) {
  std::string out = std::string(c.primitive) + "(" + std::string(dtype_name(c.dtype)) + ", " +
                    std::to_string(c.count) + (c.count == 1 ? " element" : " elements");
  if (c.kind == CollectiveKind::AllReduce && out.starts_with("all_reduce(")) {
    out += c.op == ReduceOp::Sum ? ", sum" : c.op == ReduceOp::Max ? ", max" : ", min";
  }
  if (c.kind == CollectiveKind::Ppermute) {
    char hash[16];
    std::snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(c.perm_hash & 0xffffffffu));
    out += std::string(", perm ") + hash;
  }
  return out + ")";
}

// "replica 2", "replicas 1-3", "replicas 0, 1, 3" (runs of three or more as a range).
inline std::string describe_replicas(const std::vector<int>& ranks) {
  std::string out = ranks.size() == 1 ? "replica " : "replicas ";
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (i > 0) out += ", ";
    if (j - i >= 2) {
      out += std::to_string(ranks[i]) + "-" + std::to_string(ranks[j]);
    } else {
      for (std::size_t k = i; k <= j; ++k) out += (k > i ? ", " : "") + std::to_string(ranks[k]);
    }
    i = j + 1;
  }
  return out;
}

// Empty when every replica's call is the same, else the error message of collective
// number `seq` (1-based, counted from the start of the run). calls[r] is replica r's.
inline std::string divergence_message(std::span<const CollectiveCall> calls, std::uint64_t seq) {
  bool same = true;
  for (const CollectiveCall& c : calls) same = same && c == calls[0];
  if (same) return {};
  // Replicas grouped by their call, groups in the order of their first replica.
  std::vector<std::pair<const CollectiveCall*, std::vector<int>>> groups;
  std::vector<int> finished;
  for (std::size_t r = 0; r < calls.size(); ++r) {
    if (ends_program(calls[r])) {
      finished.push_back(static_cast<int>(r));
      continue;
    }
    auto it = groups.begin();
    while (it != groups.end() && !(*it->first == calls[r])) ++it;
    if (it == groups.end()) {
      groups.push_back({&calls[r], {}});
      it = groups.end() - 1;
    }
    it->second.push_back(static_cast<int>(r));
  }
  std::string msg = "collective #" + std::to_string(seq) + ": replicas disagree: ";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const bool one = groups[g].second.size() == 1;
    msg += (g > 0 ? "; " : "") + describe_replicas(groups[g].second) +
           (one ? " calls " : " call ") + describe_call(*groups[g].first);
  }
  if (!finished.empty()) {
    msg += (groups.size() == 1 ? ", but " : "; ") + describe_replicas(finished) +
           (finished.size() == 1 ? " finished its program without calling "
                                 : " finished their program without calling ") +
           (groups.size() == 1 ? "it" : "any");
  }
  return msg +
         ". Under pmap every replica must call the same collectives in the same order "
         "(a cond or loop whose path depends on the replica must not contain collectives "
         "that only some replicas reach)";
}

}  // namespace lanes::internal
