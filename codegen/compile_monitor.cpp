// CompileMonitor (see compile_monitor.h).
#include "codegen/compile_monitor.h"

#include <atomic>
#include <cstdio>
#include <utility>

namespace lanes::internal {

namespace {
std::atomic<CompileMonitor::Clock::rep> g_first{
    std::chrono::duration_cast<CompileMonitor::Clock::duration>(CompileMonitor::Rate{}.first)
        .count()};
std::atomic<CompileMonitor::Clock::rep> g_interval{
    std::chrono::duration_cast<CompileMonitor::Clock::duration>(CompileMonitor::Rate{}.interval)
        .count()};
}  // namespace

void CompileMonitor::set_rate_for_test(Rate rate) {
  g_first.store(rate.first.count());
  g_interval.store(rate.interval.count());
}

CompileMonitor::CompileMonitor(Callback callback, bool print_times)
    : callback_(std::move(callback)), print_times_(print_times) {
  rate_.first = Clock::duration(g_first.load());
  rate_.interval = Clock::duration(g_interval.load());
  start_ = Clock::now();
}

CompileMonitor::~CompileMonitor() { end_phase(); }

void CompileMonitor::phase(std::string_view phase, std::size_t total, std::string_view unit) {
  end_phase();
  open_ = true;
  now_ = {phase, 0, total, unit, 0};
  if (print_times_) phase_start_ = Clock::now();
  report(true);
}

void CompileMonitor::advance(std::size_t done) {
  if (!open_ || done <= now_.done) return;
  now_.done = done < now_.total ? done : now_.total;
  report(false);
}

void CompileMonitor::end_phase() {
  if (!open_) return;
  open_ = false;
  if (!print_times_) return;
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - phase_start_).count();
  // One fprintf per line: lines of concurrent compiles do not interleave within a line.
  std::fprintf(stderr, "lanes time: %-17.*s %10.3f ms  %zu %.*s\n",
               static_cast<int>(now_.phase.size()), now_.phase.data(), ms, now_.total,
               static_cast<int>(now_.unit.size()), now_.unit.data());
}

void CompileMonitor::finish() {
  end_phase();
  if (!print_times_) return;
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  std::fprintf(stderr, "lanes time: %-17s %10.3f ms\n", "compile total", ms);
}

void CompileMonitor::report(bool new_phase) {
  if (!callback_) return;
  const Clock::time_point t = Clock::now();
  if (t - start_ < rate_.first) return;
  if (reported_ && !new_phase && t - last_report_ < rate_.interval) return;
  reported_ = true;
  last_report_ = t;
  now_.seconds = std::chrono::duration<double>(t - start_).count();
  callback_(now_);
}

}  // namespace lanes::internal
