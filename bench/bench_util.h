// Timing helpers for the benchmarks: medians of repeated runs (machines are noisy).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace lanes::bench {

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Median seconds per call of `f` over `repeats` timed runs after one warm-up; each run
// calls `f` `inner` times (for calls far shorter than the clock's resolution).
inline double time_median(const std::function<void()>& f, int repeats, int inner = 1) {
  f();
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    double t0 = now_seconds();
    for (int i = 0; i < inner; ++i) f();
    t.push_back((now_seconds() - t0) / inner);
  }
  return median(t);
}

// Repeats chosen so each measurement takes long enough to be stable but the whole
// benchmark stays within minutes.
inline int repeats_for(std::size_t n) { return n <= 1000 ? 200 : n <= 100000 ? 30 : 7; }
inline int inner_for(std::size_t n) { return n <= 1000 ? 100 : 1; }

}  // namespace lanes::bench
