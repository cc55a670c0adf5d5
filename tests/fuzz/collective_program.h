// Random per-replica programs for pmap_fuzz: elementwise steps, collectives, and cond /
// fori_loop whose predicate or trip count may differ between replicas (axis_index, the
// replica's data) or not (constants, a psum'd value). `simulate` is the oracle: it runs
// the replicas in lockstep, one collective at a time, and says what pmap must do: return
// its values, or fail with an error because the replicas reach different collectives
// (one calls psum where another calls pmax, or returns while another waits).
#pragma once

#include <lanes/lanes.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/graph_gen.h"

namespace lanes::fuzz {

enum class StepKind { Sin, AddIndex, Scale, Tanh, Collective, Cond, Loop };
// AllGatherWeighted: sum_j (j + 1) * all_gather(x)[j]; PpermuteShift: from replica r to
// r + 1 (mod the replica count).
enum class CollectiveKind { Psum, Pmean, Pmax, Pmin, AllGatherWeighted, PpermuteShift };
// IndexEquals / IndexLess: axis_index == k / < k; DataPositive: x[0] > 0 (this replica's
// data); UniformData: psum(x)[0] > 0 (the same on every replica, after one more psum).
enum class PredKind { IndexEquals, IndexLess, DataPositive, UniformData };
// Constant: k iterations; IndexPlus: axis_index + k.
enum class TripKind { Constant, IndexPlus };

struct Step {
  StepKind kind = StepKind::Sin;
  CollectiveKind collective = CollectiveKind::Psum;
  PredKind pred = PredKind::IndexEquals;
  TripKind trip = TripKind::Constant;
  int k = 0;
  std::vector<Step> then_steps;  // Cond: taken when the predicate holds; Loop: the body
  std::vector<Step> else_steps;
};

struct CollectiveProgram {
  int replicas = 2;
  std::int64_t n = 1;  // elements of each replica's f64 value
  std::uint8_t value_seed = 0;
  std::vector<Step> steps;
};

CollectiveProgram decode_collective_program(ByteReader& in);

// Replica r's input: n values in [-2, 2] drawn from value_seed.
std::vector<std::vector<double>> collective_inputs(const CollectiveProgram& p);

// The per-replica function f64[n] -> f64[n] for pmap(f, axis).
Fn build_replica_fn(const CollectiveProgram& p, const std::string& axis);

struct SimulatedRun {
  bool diverges = false;  // the replicas' collective sequences differ
  std::string why;
  std::vector<std::vector<double>> values;  // each replica's result when they do not
};
SimulatedRun simulate(const CollectiveProgram& p, const std::vector<std::vector<double>>& inputs);

std::string describe(const CollectiveProgram& p);

}  // namespace lanes::fuzz
