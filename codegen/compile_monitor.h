// One compile's phases, watched: each phase is timed (one line per phase on stderr with
// LANES_DEBUG=time or ir: the compile's one clock) and reported to JitOptions::on_progress,
// rate-limited so that small compiles never call it and large ones at most every 50 ms. The jit
// pipeline (engine/jit_pipeline.cpp) makes one per compile and hands it down to lowering and the
// CPU code generator, which call phase() and advance() outside every engine lock.
#pragma once

#include <lanes/jit_options.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lanes::internal {

class CompileMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(const CompileProgress&)>;

  // When reports start (after `first` into the compile) and how often they come within a
  // phase (at most every `interval`; a new phase is reported at once).
  struct Rate {
    Clock::duration first = std::chrono::milliseconds(100);
    Clock::duration interval = std::chrono::milliseconds(50);
  };

  // `print_times`: print each phase's time to stderr as it ends.
  CompileMonitor(Callback callback, bool print_times);
  ~CompileMonitor();  // ends the open phase (a compile that throws prints what it did)
  CompileMonitor(const CompileMonitor&) = delete;
  CompileMonitor& operator=(const CompileMonitor&) = delete;

  // Ends the open phase, if any, and begins `phase` of `total` `unit`s (names: see
  // CompileProgress; the strings must outlive the phase).
  void phase(std::string_view phase, std::size_t total, std::string_view unit);
  // `done` units of the open phase are finished.
  void advance(std::size_t done);
  // Ends the open phase: prints its time with print_times.
  void end_phase();
  // Ends the open phase and prints the whole compile's time with print_times.
  void finish();

  // Tests: the rate of monitors made from now on (the default is Rate{}).
  static void set_rate_for_test(Rate rate);

 private:
  void report(bool new_phase);

  Callback callback_;
  bool print_times_;
  Rate rate_;
  Clock::time_point start_, phase_start_, last_report_;
  bool reported_ = false;  // whether the callback was called yet
  bool open_ = false;
  CompileProgress now_;
};

}  // namespace lanes::internal
