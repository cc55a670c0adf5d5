// A thread that cannot start (std::thread throws std::system_error when the process is out
// of threads or address space) is a lanes::RuntimeError saying how many were requested,
// never an escaping std::system_error, a std::terminate or a replica left waiting: for the
// device workers of pmap (both the persistent set and the fresh threads of a nested or
// concurrent pmap) and for the kernel thread pool. The failure is real, not simulated:
// each case runs in a fresh process (a death test) whose address space is capped just
// above what it uses, so an 8 MiB thread stack cannot be mapped.
#include <gtest/gtest.h>
#include <lanes/lanes.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "runtime/device_workers.h"
#include "runtime/thread_pool.h"

namespace lanes {
namespace {

#if defined(__has_feature)  // clang
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define LANES_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // gcc
#define LANES_TEST_SANITIZED 1
#endif
#if defined(LANES_TEST_SANITIZED)
constexpr bool kSanitized = true;  // their allocators reserve address space lazily
#else
constexpr bool kSanitized = false;
#endif

// Caps the address space at what the process maps now plus `extra` bytes: small heap
// growth still works, a new thread's stack does not.
void cap_address_space(std::size_t extra) {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  const rlim_t limit = pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) + extra;
  const rlimit r{limit, limit};
  if (setrlimit(RLIMIT_AS, &r) != 0) {
    std::perror("setrlimit");
    std::_Exit(4);
  }
}

// Runs f in the capped process: exit 0 (and the message on stderr) when f throws a
// RuntimeError containing `part`, another code for anything else.
template <class F>
[[noreturn]] void expect_runtime_error(const std::string& part, F f) {
  try {
    f();
    std::fprintf(stderr, "no exception\n");
    std::_Exit(2);
  } catch (const RuntimeError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::_Exit(std::string(e.what()).find(part) == std::string::npos ? 5 : 0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wrong exception: %s\n", e.what());
    std::_Exit(3);
  }
}

// 4 MiB: less than one default (8 MiB) thread stack; how many threads start under the cap
// depends on the stack size (ulimit -s), so the messages' running counts are not pinned.
constexpr std::size_t kHeadroom = std::size_t{4} << 20;

TEST(ThreadStartFailureDeathTest, DeviceWorkersReportTheDeviceCountAndStayUsable) {
  if (kSanitized) GTEST_SKIP() << "RLIMIT_AS and sanitizer allocators do not mix";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto noop = [](std::size_t) {};
  EXPECT_EXIT(
      {
        internal::run_on_devices(2, noop);  // worker 1 exists before the cap
        cap_address_space(kHeadroom);
        try {
          internal::run_on_devices(64, noop);
          std::_Exit(2);
        } catch (const RuntimeError& e) {
          std::fprintf(stderr, "%s\n", e.what());
        }
        // The set was released: a call that needs no new thread still runs, on time.
        internal::run_on_devices(2, noop);
        // A nested call finds the set held and uses fresh threads: they fail to start
        // and the started ones never run their task.
        expect_runtime_error("cannot start a thread for each of 8 devices", [&] {
          internal::run_on_devices(2, [&](std::size_t r) {
            if (r == 0) internal::run_on_devices(8, noop);
          });
        });
      },
      ::testing::ExitedWithCode(0),
      "pmap: cannot start a thread for each of 64 devices \\([0-9]+ running\\).*raise the "
      "process' thread limit");
}

TEST(ThreadStartFailureDeathTest, PmapOverManyDevicesIsARuntimeError) {
  if (kSanitized) GTEST_SKIP() << "RLIMIT_AS and sanitizer allocators do not mix";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Fn f = fn([](Value x) { return x * 2.0; });
        Array x = Array::zeros(DType::F64, {256});
        cap_address_space(std::size_t{16} << 20);
        expect_runtime_error("cannot start a thread for each of 256 devices",
                             [&] { (void)pmap(f, "i", 0, 0, cpu_devices(256))(x); });
      },
      ::testing::ExitedWithCode(0), "pmap: cannot start a thread for each of 256 devices");
}

TEST(ThreadStartFailureDeathTest, ThreadPoolReportsTheThreadCount) {
  if (kSanitized) GTEST_SKIP() << "RLIMIT_AS and sanitizer allocators do not mix";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        cap_address_space(kHeadroom);
        expect_runtime_error("thread pool: cannot start 63 worker threads",
                             [] { internal::ThreadPool pool(64); });
      },
      ::testing::ExitedWithCode(0), "thread pool: cannot start 63 worker threads");
}

}  // namespace
}  // namespace lanes
