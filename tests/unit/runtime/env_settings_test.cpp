// The environment variables Lanes reads (docs/settings.md): the one parser
// (runtime/env.h) on good and bad values, then every variable through the call that needs
// it. A bad value must be a lanes::Error naming the variable and quoting the value, from
// the call that needed it: never std::terminate, a crash, or silently the default.
// Variables read once per process (the HIP library, the debug switch, the compile cache
// size) are also checked in a fresh process (a gtest death test that must exit 0).
#include <gtest/gtest.h>
#include <lanes/amdgpu.h>
#include <lanes/lanes.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "codegen/amdgpu/amdgpu_tools.h"
#include "engine/compile_cache.h"
#include "engine/debug.h"
#include "runtime/devices.h"
#include "runtime/env.h"
#include "runtime/thread_pool.h"
#include "tests/unit/test_util.h"

namespace lanes {
namespace {

using testing::expect_error;
using testing::ScopedEnv;

constexpr const char* kVar = "LANES_TEST_ENV_VALUE";

// The message a bad value gives: the variable, its quoted value, then what is expected.
std::string quoted(const char* name, const std::string& value) {
  return std::string(name) + "='" + value + "'";
}

// --- the parser --------------------------------------------------------------

TEST(EnvParser, UnsetAndEmptyAreTheSame) {
  for (std::optional<std::string> v :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    ScopedEnv env(kVar, v);
    EXPECT_EQ(internal::env_string(kVar), std::nullopt);
    EXPECT_EQ(internal::env_int(kVar, 7, 1, 10), 7);
    EXPECT_EQ(internal::env_positive_double(kVar, 2.5), 2.5);
    EXPECT_EQ(internal::env_bool01(kVar), std::nullopt);
    EXPECT_EQ(internal::env_choice(kVar, {"a", "b"}), std::nullopt);
    EXPECT_TRUE(internal::env_list(kVar, {"a"}).empty());
  }
  ScopedEnv env(kVar, "some text");
  EXPECT_EQ(internal::env_string(kVar), "some text");
}

TEST(EnvParser, IntegersInRange) {
  ScopedEnv env(kVar, "3");
  EXPECT_EQ(internal::env_int(kVar, 7, 1, 4096), 3);
  env.set("4096");
  EXPECT_EQ(internal::env_int(kVar, 7, 1, 4096), 4096);
  env.set("0");
  EXPECT_EQ(internal::env_int(kVar, 7, 0, 10), 0);
  env.set("-12");
  EXPECT_EQ(internal::env_int(kVar, 7, -20, 10), -12);
}

TEST(EnvParser, BadIntegersNameTheVariableAndTheRange) {
  for (const char* bad : {"abc", "0", "4097", "-1", "2.5", "3x", " 3", "3 ", "+3", "0x10",
                          "99999999999999999999999"}) {
    ScopedEnv env(kVar, bad);
    expect_error<ArgumentError>(
        [] { internal::env_int(kVar, 7, 1, 4096); },
        {"environment variable", quoted(kVar, bad), "is not an integer in [1, 4096]"});
  }
}

TEST(EnvParser, PositiveNumbers) {
  ScopedEnv env(kVar, "0.25");
  EXPECT_EQ(internal::env_positive_double(kVar, 60), 0.25);
  env.set("2e3");
  EXPECT_EQ(internal::env_positive_double(kVar, 60), 2000.0);
  env.set("7");
  EXPECT_EQ(internal::env_positive_double(kVar, 60), 7.0);
  for (const char* bad : {"0", "-1", "soon", "inf", "nan", "1e999", "1.5s", " 1", "0.0"}) {
    env.set(bad);
    expect_error<ArgumentError>([] { internal::env_positive_double(kVar, 60); },
                                {quoted(kVar, bad), "is not a positive number"});
  }
}

TEST(EnvParser, ZeroOrOneSwitch) {
  ScopedEnv env(kVar, "0");
  EXPECT_EQ(internal::env_bool01(kVar), false);
  env.set("1");
  EXPECT_EQ(internal::env_bool01(kVar), true);
  for (const char* bad : {"yes", "true", "01", " 1", "2", "on"}) {
    env.set(bad);
    expect_error<ArgumentError>([] { internal::env_bool01(kVar); },
                                {quoted(kVar, bad), "is not 0 or 1"});
  }
}

TEST(EnvParser, ChoicesAndLists) {
  ScopedEnv env(kVar, "exec");
  EXPECT_EQ(internal::env_choice(kVar, {"in-process", "exec"}), "exec");
  env.set("Exec");
  expect_error<ArgumentError>(
      [] {
        internal::env_choice(kVar, {"in-process", "exec"});
      },
      {quoted(kVar, "Exec"), "is not one of: in-process, exec"});
  env.set("ir");
  EXPECT_EQ(internal::env_list(kVar, {"ir", "x"}), (std::vector<std::string>{"ir"}));
  env.set("x,,ir,");
  EXPECT_EQ(internal::env_list(kVar, {"ir", "x"}), (std::vector<std::string>{"x", "ir"}));
  env.set("ir,passes");
  expect_error<ArgumentError>(
      [] {
        internal::env_list(kVar, {"ir", "x"});
      },
      {quoted(kVar, "ir,passes"), "comma-separated list of: ir, x", "'passes' is unknown"});
}

// --- every variable through the call that needs it ---------------------------

TEST(EnvSettings, CpuDevicesFromTheEnvironment) {
  ScopedEnv env("LANES_CPU_DEVICES", "3");
  EXPECT_EQ(internal::cpu_device_count(), 3);
  EXPECT_EQ(devices().size(), 3u);
  // pmap over the default devices: one replica per device.
  Fn f = fn([](Value x) { return x * 2.0; });
  Array out = pmap(f, "i")(Array::from({1.0, 2.0, 3.0}));
  EXPECT_TRUE(testing::arrays_close(out, Array::from({2.0, 4.0, 6.0})));
}

TEST(EnvSettings, BadCpuDevicesIsAnErrorAtTheCallThatNeedsIt) {
  Fn f = fn([](Value x) { return x * 2.0; });
  for (const char* bad : {"abc", "0", "-3", "4097", "2.5", "3 "}) {
    ScopedEnv env("LANES_CPU_DEVICES", bad);
    const std::vector<std::string> parts{quoted("LANES_CPU_DEVICES", bad),
                                         "is not an integer in [1, 4096]"};
    expect_error<ArgumentError>([] { devices(); }, parts);
    expect_error<ArgumentError>([&] { pmap(f, "i")(Array::from({1.0, 2.0})); }, parts);
    // Explicit devices do not need the variable.
    EXPECT_TRUE(testing::arrays_close(pmap(f, "i", 0, 0, cpu_devices(2))(Array::from({1.0, 2.0})),
                                      Array::from({2.0, 4.0})));
  }
}

TEST(EnvSettings, CompileCacheEntries) {
  ScopedEnv env("LANES_COMPILE_CACHE_ENTRIES", std::nullopt);
  EXPECT_EQ(internal::compile_cache_capacity_from_env(), 256u);
  env.set("0");
  EXPECT_EQ(internal::compile_cache_capacity_from_env(), 0u);
  env.set("17");
  EXPECT_EQ(internal::compile_cache_capacity_from_env(), 17u);
  for (const char* bad : {"-1", "lots", "1e3", "12 "}) {
    env.set(bad);
    expect_error<ArgumentError>([] { internal::compile_cache_capacity_from_env(); },
                                {quoted("LANES_COMPILE_CACHE_ENTRIES", bad), "is not an integer"});
  }
}

TEST(EnvSettings, DebugTopics) {
  ScopedEnv env("LANES_DEBUG", std::nullopt);
  EXPECT_FALSE(internal::debug_ir_from_env());
  env.set("ir");
  EXPECT_TRUE(internal::debug_ir_from_env());
  env.set("ir,ir");
  EXPECT_TRUE(internal::debug_ir_from_env());
  for (const char* bad : {"1", "IR", "yes", "ir,passes"}) {
    env.set(bad);
    expect_error<ArgumentError>([] { internal::debug_ir_from_env(); },
                                {quoted("LANES_DEBUG", bad), "comma-separated list of: ir"});
  }
}

TEST(EnvSettings, AmdgpuLinker) {
  ScopedEnv env("LANES_AMDGPU_LINKER", "exec");
  EXPECT_FALSE(internal::amdgpu::lld_in_process());
  env.set("in-process");
  (void)internal::amdgpu::lld_in_process();  // true when built with lld's library
  env.set("lld-please");
  expect_error<ArgumentError>(
      [] { internal::amdgpu::lld_in_process(); },
      {quoted("LANES_AMDGPU_LINKER", "lld-please"), "is not one of: in-process, exec"});
  expect_error<ArgumentError>([] { (void)amdgpu::compiler_available(); }, {"LANES_AMDGPU_LINKER"});
}

// The AMDGPU tool paths: a path that is not there is a CompileError at the compile that
// needs it, naming the variable.
TEST(EnvSettings, AmdgpuToolPathsAreNamedWhenTheyFail) {
  if (!amdgpu::compiler_available()) GTEST_SKIP() << "no AMDGPU toolchain here";
  Fn f = vmap(fn([](Value x) { return lanes::sin(x) * 2.0; }));
  std::vector<Array> args{Array::from({0.5, 1.0, 1.5})};
  {
    ScopedEnv dir("LANES_AMDGPU_BITCODE_DIR", "/nonexistent/lanes-env-test");
    expect_error<CompileError>([&] { amdgpu::code_object(f, args, "gfx90a"); },
                               {"LANES_AMDGPU_BITCODE_DIR='/nonexistent/lanes-env-test'"});
  }
  {
    ScopedEnv linker("LANES_AMDGPU_LINKER", "exec"), lld("LANES_LD_LLD", "/nonexistent/ld.lld");
    expect_error<CompileError>([&] { amdgpu::code_object(f, args, "gfx1100"); },
                               {"LANES_LD_LLD='/nonexistent/ld.lld'"});
  }
  {
    ScopedEnv objdump("LANES_LLVM_OBJDUMP", "/nonexistent/llvm-objdump");
    expect_error<CompileError>([&] { amdgpu::disassemble(f, args, "gfx90a"); },
                               {"LANES_LLVM_OBJDUMP='/nonexistent/llvm-objdump'"});
  }
}

// --- LANES_NUM_THREADS and the global pool ------------------------------------

// Leaves the global pool to be made again from the (restored) environment.
class ThreadPoolEnv : public ::testing::Test {
 protected:
  void TearDown() override { internal::ThreadPool::reset_global(); }
};

// Large enough (over 2^16 points) for the kernel to be split over the pool.
Array big_input() {
  std::vector<double> v(1 << 17);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1e-3 * static_cast<double>(i);
  return Array::from(v);
}

TEST_F(ThreadPoolEnv, SizeFromTheEnvironment) {
  ScopedEnv env("LANES_NUM_THREADS", "3");
  EXPECT_EQ(internal::ThreadPool::size_from_env(), 3);
  internal::ThreadPool pool(internal::ThreadPool::size_from_env());
  EXPECT_EQ(pool.num_threads(), 3);
  env.set(std::nullopt);
  EXPECT_EQ(internal::ThreadPool::size_from_env(), internal::hardware_threads());
}

TEST_F(ThreadPoolEnv, GlobalPoolTakesItsSizeFromTheEnvironment) {
  ScopedEnv env("LANES_NUM_THREADS", "3");
  internal::ThreadPool::reset_global();
  EXPECT_EQ(num_threads(), 3);
  EXPECT_EQ(internal::ThreadPool::global()->num_threads(), 3);
}

TEST_F(ThreadPoolEnv, BadValueIsAnErrorFromTheFirstCallThatNeedsThePool) {
  Fn f = jit(fn([](Value x) { return lanes::sin(x) * 3.0 + x; }));
  Array small = Array::from({0.5, 1.0});
  Array big = big_input();
  for (const char* bad : {"abc", "0", "-1", "4097", "1.5"}) {
    ScopedEnv env("LANES_NUM_THREADS", bad);
    internal::ThreadPool::reset_global();
    const std::vector<std::string> parts{quoted("LANES_NUM_THREADS", bad),
                                         "is not an integer in [1, 4096]"};
    expect_error<ArgumentError>([] { num_threads(); }, parts);
    expect_error<ArgumentError>([&] { (void)f(big); }, parts);  // split over the pool
    // Again: the error stays until the value is fixed or the API decides.
    expect_error<ArgumentError>([] { internal::ThreadPool::global(); }, parts);
    // A call too small to be split never needs the pool.
    EXPECT_TRUE(testing::arrays_close(f(small), jit(f, {.parallel = false})(small)));
    set_num_threads(2);
    EXPECT_EQ(num_threads(), 2);
    EXPECT_TRUE(testing::arrays_close(f(big), jit(f, {.parallel = false})(big)));
  }
}

TEST_F(ThreadPoolEnv, SetNumThreadsChecksItsArgument) {
  for (int bad : {0, -1, 4097}) {
    expect_error<ArgumentError>(
        [&] { set_num_threads(bad); },
        {"set_num_threads", "n must be in [1, 4096]", "got " + std::to_string(bad)});
  }
}

// --- variables read once per process, in a fresh process ------------------------

// For EXPECT_EXIT: runs f and exits at once, 0 when f throws E (its message on stderr,
// for the death test's regex), 2 when f returns, 3 on another exception. A terminate
// (SIGABRT) or a crash fails the death test.
template <class E, class F>
[[noreturn]] void exit_by_error(F f) {
  try {
    f();
    std::fprintf(stderr, "no exception\n");
    std::_Exit(2);
  } catch (const E& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::_Exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wrong exception: %s\n", e.what());
    std::_Exit(3);
  }
}

Fn poly() {
  return fn([](Value x) { return lanes::sin(x) * 3.0 + x * x; });
}

TEST(EnvFreshProcessDeathTest, BadNumThreads) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_NUM_THREADS", "many");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { (void)jit(poly())(big_input()); }),
              ::testing::ExitedWithCode(0), "LANES_NUM_THREADS='many' is not an integer in");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { num_threads(); }), ::testing::ExitedWithCode(0),
              "LANES_NUM_THREADS='many'");
}

TEST(EnvFreshProcessDeathTest, BadCpuDevices) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_CPU_DEVICES", "abc");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { (void)pmap(poly(), "i")(Array::from({1.0})); }),
              ::testing::ExitedWithCode(0), "LANES_CPU_DEVICES='abc' is not an integer in");
}

TEST(EnvFreshProcessDeathTest, BadCompileCacheEntries) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_COMPILE_CACHE_ENTRIES", "lots");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { (void)jit(poly())(Array::from({1.0})); }),
              ::testing::ExitedWithCode(0), "LANES_COMPILE_CACHE_ENTRIES='lots' is not an integer");
}

TEST(EnvFreshProcessDeathTest, BadDebugTopic) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_DEBUG", "1");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { (void)jit(poly())(Array::from({1.0})); }),
              ::testing::ExitedWithCode(0), "LANES_DEBUG='1' is not a comma-separated list of: ir");
}

TEST(EnvFreshProcessDeathTest, HipLibraryThatDoesNotLoad) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_HIP_LIBRARY", "/nonexistent/libamdhip64.so");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { devices(); }), ::testing::ExitedWithCode(0),
              "LANES_HIP_LIBRARY='/nonexistent/libamdhip64.so' does not load");
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { (void)amdgpu::available(); }),
              ::testing::ExitedWithCode(0), "LANES_HIP_LIBRARY='/nonexistent/libamdhip64.so'");
}

TEST(EnvFreshProcessDeathTest, HipLibraryThatIsNotHip) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScopedEnv env("LANES_HIP_LIBRARY", "libm.so.6");  // loads, but has no hip* functions
  EXPECT_EXIT(exit_by_error<ArgumentError>([] { devices(); }), ::testing::ExitedWithCode(0),
              "LANES_HIP_LIBRARY='libm.so.6' is not a HIP runtime");
}

}  // namespace
}  // namespace lanes
