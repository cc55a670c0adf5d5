// Fuzz target 5: collectives inside cond and fori_loop under pmap (collective_program.h).
// Replicas may take different branches or loop a different number of times (axis_index,
// their own data), so they may reach different collectives. pmap must then fail with a
// lanes::Error that names the replicas, never hang (libFuzzer's -timeout, CTest's TIMEOUT)
// and never return values; where every replica reaches the same collectives in the same
// order, pmap's values must be the lockstep simulation's (collectives combine in replica
// order; the weighted all_gather sum may reassociate: 1e-9 relative).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/fuzz/collective_program.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace lanes;
using namespace lanes::fuzz;

bool close(double got, double want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  if (std::isinf(got) || std::isinf(want)) return got == want;
  return std::fabs(got - want) <= 1e-9 * std::max({1.0, std::fabs(got), std::fabs(want)});
}

std::optional<std::string> check(const CollectiveProgram& p) {
  const std::vector<std::vector<double>> inputs = collective_inputs(p);
  const SimulatedRun want = simulate(p, inputs);
  std::vector<double> flat;
  for (const auto& x : inputs) flat.insert(flat.end(), x.begin(), x.end());
  Array xs = Array::from(flat, {p.replicas, p.n});
  Fn f = pmap(build_replica_fn(p, "i"), "i", 0, 0, cpu_devices(p.replicas));
  Array got;
  try {
    got = f.call({xs})[0];
  } catch (const lanes::Error& e) {
    const std::string msg = e.what();
    if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "pmap threw: %s\n", msg.c_str());
    if (want.diverges) {
      if (msg.find("replica") == std::string::npos)
        return "the error does not name the replicas: " + msg;
      return std::nullopt;
    }
    return "pmap threw although every replica reaches the same collectives: " + msg;
  }
  if (want.diverges) return "pmap returned values although " + want.why;
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "pmap returned values\n");
  for (int r = 0; r < p.replicas; ++r) {
    for (std::int64_t e = 0; e < p.n; ++e) {
      const double g = got.element_as_double(r * p.n + e);
      const double w = want.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(e)];
      if (!close(g, w)) {
        std::ostringstream os;
        os.precision(17);
        os << "replica " << r << " element " << e << ": pmap gives " << g << ", the simulation "
           << w;
        return os.str();
      }
    }
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  CollectiveProgram p = decode_collective_program(in);
  if (std::getenv("LANES_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", describe(p).c_str());
  if (auto bad = check(p)) {
    std::fprintf(stderr, "\n==== pmap_fuzz: mismatch ====\n%s\n%s", bad->c_str(),
                 describe(p).c_str());
    std::abort();
  }
  return 0;
}
