// Collectives in divergent control flow across MPI processes (run under mpirun): a pmap
// over every process' devices whose replicas call different collectives, or where some
// replicas finish while others wait in a psum, must raise the same RuntimeError on every
// process (naming the collectives and the replicas), not hang and not end the job; the
// next pmap then runs normally. CTest runs it with LANES_MPI_TIMEOUT_S and a TIMEOUT, so
// a hang fails. Exits non-zero on any difference.
#include <lanes/lanes.h>

#include <cstdio>
#include <string>
#include <vector>

using lanes::Array;
using lanes::Value;

namespace {

int failures = 0;

// Expects f() to throw a RuntimeError whose message holds every part.
template <class F>
void expect_runtime_error(const char* what, F f, const std::vector<std::string>& parts) {
  try {
    f();
    std::fprintf(stderr, "%s: no error\n", what);
    ++failures;
  } catch (const lanes::RuntimeError& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) {
      if (msg.find(p) == std::string::npos) {
        std::fprintf(stderr, "%s: '%s' not in: %s\n", what, p.c_str(), msg.c_str());
        ++failures;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: wrong error kind: %s\n", what, e.what());
    ++failures;
  }
}

}  // namespace

int main() {
  try {
    const auto n = static_cast<std::int64_t>(lanes::devices().size());
    if (n < 2) {
      std::fprintf(stderr, "needs at least 2 devices in the job\n");
      return 1;
    }
    std::vector<float> one_to_n;
    for (std::int64_t r = 0; r < n; ++r) one_to_n.push_back(static_cast<float>(r + 1));
    const Array x = Array::from(one_to_n);
    const std::string others =
        n == 2 ? "replica 1 finished its program"
               : "replicas 1-" + std::to_string(n - 1) + " finished their program";
    auto run = [&](const lanes::Fn& f, bool jitted) {
      lanes::Fn p = lanes::pmap(f, "i", 0, 0);
      return Array((jitted ? lanes::jit(p) : p)(x));
    };

    for (bool jitted : {false, true}) {
      expect_runtime_error(
          "psum in one branch",
          [&] {
            run(lanes::fn([](Value v) {
                  return lanes::cond(
                      lanes::axis_index("i") == 0, [](Value u) { return lanes::psum(u, "i"); },
                      [](Value u) { return u; }, v);
                }),
                jitted);
          },
          {"collective #1: replicas disagree: replica 0 calls psum(f32, 1 element), but " + others +
           " without calling it"});
      expect_runtime_error(
          "psum against pmax",
          [&] {
            run(lanes::fn([](Value v) {
                  return lanes::cond(
                      lanes::axis_index("i") == 0, [](Value u) { return lanes::psum(u, "i"); },
                      [](Value u) { return lanes::pmax(u, "i"); }, v);
                }),
                jitted);
          },
          {"collective #1: replicas disagree: replica 0 calls psum(f32, 1 element); replica",
           " pmax(f32, 1 element)"});
      expect_runtime_error(
          "loop with a replica-dependent trip count",
          [&] {
            run(lanes::fn([](Value v) {
                  return lanes::fori_loop(
                      Value(0), lanes::axis_index("i"),
                      [](Value, Value u) { return lanes::psum(u, "i"); }, v);
                }),
                jitted);
          },
          {"collective #1: replicas disagree:",
           "psum(f32, 1 element), but replica 0 finished its program without calling it"});
      // The world communicator is reused: the next run starts clean.
      const Array sum = run(lanes::fn([](Value v) { return lanes::psum(v, "i"); }), jitted);
      const float want = static_cast<float>(n * (n + 1) / 2);
      for (std::int64_t r = 0; r < n; ++r) {
        if (sum.element_as_double(r) != want) {
          std::fprintf(stderr, "psum after the errors: %g, expected %g\n", sum.element_as_double(r),
                       static_cast<double>(want));
          ++failures;
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  if (failures == 0) std::printf("divergent collectives across processes: errors, no hang\n");
  return failures == 0 ? 0 : 1;
}
