// Compile progress (JitOptions::on_progress) and LANES_DEBUG=time (issue 18): the phases in
// order with non-decreasing counts, the rate limit (made deterministic by setting it for
// the test, never by timing a compile), callbacks that call back into lanes or throw, the
// callback kept out of the compile cache's key, and the REPL handing its callback to jit.
#include <gtest/gtest.h>
#include <lanes/lanes.h>
#include <lanes/repl.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "codegen/compile_monitor.h"
#include "engine/compile_cache.h"
#include "engine/debug.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using internal::CompileMonitor;
using std::chrono::hours;
using std::chrono::milliseconds;

// Sets the reporting rate of the compiles in one scope.
class ScopedRate {
 public:
  explicit ScopedRate(CompileMonitor::Rate r) { CompileMonitor::set_rate_for_test(r); }
  ~ScopedRate() { CompileMonitor::set_rate_for_test({}); }
};

struct Report {
  std::string phase, unit;
  std::size_t done, total;
  double seconds;
};

JitOptions recording(std::vector<Report>& out) {
  JitOptions o;
  o.on_progress = [&out](const CompileProgress& p) {
    out.push_back({std::string(p.phase), std::string(p.unit), p.done, p.total, p.seconds});
  };
  return o;
}

// A chain of `n` elementwise steps with a reduction in the middle (two kernels); `c`
// makes its graph, and so its compile-cache key, unique to a test.
Fn chain(int n, double c) {
  return fn([n, c](Value x) {
    Value y = x;
    for (int i = 0; i < n; ++i) {
      y = sin(y) * c + x;
      if (i == n / 2) y = y - sum(y);
    }
    return y;
  });
}

const Array kInput = Array::from(std::vector<double>{0.5, 1.0, 1.5});

const std::vector<std::string> kPhases = {
    "expand_composites", "fold_constants", "simplify",    "cse", "dce", "lower",
    "codegen",           "llvm_optimize",  "machine_code"};

TEST(CompileProgress, ReportsEveryPhaseInOrderWithGrowingCounts) {
  ScopedRate rate({milliseconds(0), milliseconds(0)});
  std::vector<Report> r;
  jit(chain(200, 1.0001), recording(r))(kInput);
  ASSERT_FALSE(r.empty());
  std::vector<std::string> phases;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (phases.empty() || phases.back() != r[i].phase) {
      phases.push_back(r[i].phase);
      EXPECT_EQ(r[i].done, 0u) << r[i].phase;  // a phase is reported as it begins
    } else {
      EXPECT_GE(r[i].done, r[i - 1].done) << r[i].phase;
      EXPECT_EQ(r[i].total, r[i - 1].total) << r[i].phase;
    }
    EXPECT_LE(r[i].done, r[i].total) << r[i].phase;
    if (i > 0) {
      EXPECT_GE(r[i].seconds, r[i - 1].seconds);
    }
    const std::string unit = r[i].phase == "codegen" ? "kernels"
                             : r[i].phase == "llvm_optimize" || r[i].phase == "machine_code"
                                 ? "modules"
                                 : "equations";
    EXPECT_EQ(r[i].unit, unit) << r[i].phase;
  }
  EXPECT_EQ(phases, kPhases);
  // The graph passes see the ~600 traced equations; lowering reports each equation.
  EXPECT_GE(r.front().total, 600u);
  std::size_t lower_reports = 0, last_lower = 0;
  for (const Report& x : r) {
    if (x.phase == "lower") {
      ++lower_reports;
      last_lower = x.done;
    }
    if (x.phase == "codegen") {
      EXPECT_GE(x.total, 2u);
    }
  }
  EXPECT_GT(lower_reports, 100u);
  EXPECT_GT(last_lower, 0u);
}

TEST(CompileProgress, NotCalledWithinTheFirstDelay) {
  ScopedRate rate({hours(1), milliseconds(0)});
  std::vector<Report> r;
  jit(chain(3, 1.0002), recording(r))(kInput);
  EXPECT_TRUE(r.empty());
}

TEST(CompileProgress, WithinAPhaseReportsAreRateLimited) {
  // With an endless interval only the start of each phase is reported.
  ScopedRate rate({milliseconds(0), hours(1)});
  std::vector<Report> r;
  jit(chain(100, 1.0003), recording(r))(kInput);
  std::vector<std::string> phases;
  for (const Report& x : r) phases.push_back(x.phase);
  EXPECT_EQ(phases, kPhases);
}

TEST(CompileProgress, TheCallbackIsNotPartOfTheCacheKey) {
  ScopedRate rate({milliseconds(0), milliseconds(0)});
  std::vector<Report> r;
  const auto compiles = internal::compile_cache_compiles();
  Fn plain = jit(chain(5, 1.0004));
  Array a = plain(kInput)[0];
  Array b = jit(chain(5, 1.0004), recording(r))(kInput)[0];
  EXPECT_EQ(internal::compile_cache_compiles(), compiles + 1);
  EXPECT_TRUE(r.empty());  // the second found the first's executable: no compile to report
  EXPECT_TRUE(testing::arrays_close(a, b));
}

TEST(CompileProgress, TheCallbackMayCallIntoLanes) {
  ScopedRate rate({milliseconds(0), milliseconds(0)});
  int nested_calls = 0;
  double nested = 0;
  JitOptions o;
  o.on_progress = [&](const CompileProgress&) {
    if (nested_calls++ > 0) return;
    // Traces, compiles (through the same cache and JIT) and runs another function.
    nested =
        jit(fn([](Value x) { return x * 3.25 + 1.0; }))(Array::scalar(2.0))[0].element_as_double(0);
  };
  jit(chain(10, 1.0005), o)(kInput);
  EXPECT_GT(nested_calls, 1);
  EXPECT_EQ(nested, 7.5);
}

TEST(CompileProgress, AnExceptionFromTheCallbackEndsTheCompile) {
  ScopedRate rate({milliseconds(0), milliseconds(0)});
  bool fail = true;
  JitOptions o;
  o.on_progress = [&](const CompileProgress& p) {
    if (fail && p.phase == "codegen") throw std::runtime_error("stop at codegen");
  };
  Fn f = jit(chain(10, 1.0006), o);
  EXPECT_THROW(f(kInput), std::runtime_error);
  fail = false;
  EXPECT_EQ(f(kInput)[0].size(), 3);  // the engine stays usable; the next call compiles
}

// What compiling and running `f` prints to stderr with the LANES_DEBUG topic that `set`
// switches.
std::string debug_output(void (*set)(bool), const Fn& f) {
  set(true);
  ::testing::internal::CaptureStderr();
  jit(f)(kInput);
  std::string err = ::testing::internal::GetCapturedStderr();
  set(false);
  return err;
}

TEST(CompileProgress, DebugTimePrintsOneLinePerPhase) {
  const std::string err = debug_output(internal::set_debug_time, chain(4, 1.0007));
  for (const std::string& p : kPhases) {
    EXPECT_NE(err.find("lanes time: " + p + " "), std::string::npos) << p << "\n" << err;
  }
  EXPECT_NE(err.find("lanes time: compile total "), std::string::npos) << err;
  EXPECT_NE(err.find(" ms  "), std::string::npos) << err;
}

TEST(CompileProgress, DebugIrPrintsEachPhaseTimeBeforeItsIr) {
  const std::string err = debug_output(internal::set_debug_ir, chain(4, 1.0008));
  // The time line of the phase that made each IR, then the IR (one clock for both topics).
  const std::pair<std::string, std::string> time_then_ir[] = {
      {"expand_composites", "after expand_composites"},
      {"dce", "after dce"},
      {"lower", "loop IR"},
      {"machine_code", "LLVM IR"}};
  for (const auto& [phase, title] : time_then_ir) {
    const std::size_t time = err.find("lanes time: " + phase + " ");
    const std::size_t ir = err.find("--- " + title + " ---");
    ASSERT_NE(time, std::string::npos) << phase << "\n" << err;
    ASSERT_NE(ir, std::string::npos) << title << "\n" << err;
    EXPECT_LT(time, ir) << phase;
  }
}

TEST(CompileProgress, DebugTimeIsATopicOfLanesDebug) {
  testing::ScopedEnv env("LANES_DEBUG", "time,ir");
  EXPECT_TRUE(internal::debug_ir_from_env());
  env.set("time");
  EXPECT_FALSE(internal::debug_ir_from_env());
  env.set("times");
  EXPECT_THROW(internal::debug_ir_from_env(), ArgumentError);
}

TEST(CompileProgress, TheReplHandsItsCallbackToJit) {
  ScopedRate rate({milliseconds(0), milliseconds(0)});
  std::vector<std::string> phases;
  repl::SessionOptions so;
  so.on_compile_progress = [&](const CompileProgress& p) { phases.emplace_back(p.phase); };
  repl::Session s(so);
  repl::EvalOutput out = s.run("f = jit(lambda x: sin(x) * 2.0625)\nf(1.0)\n", "<test>");
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_NE(std::find(phases.begin(), phases.end(), "machine_code"), phases.end());
}

}  // namespace
}  // namespace lanes
