// LANES_DEBUG handling: the switch, read from the environment at first use, and the printer.
#include "engine/debug.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/env.h"

namespace lanes::internal {

namespace {
// Per topic: -1 while not read from the environment yet, else 0 or 1.
std::atomic<int> g_debug_ir{-1};
std::atomic<int> g_debug_time{-1};

bool topic_from_env(std::string_view topic) {
  bool on = false;
  for (const std::string& t : env_list("LANES_DEBUG", {"ir", "time"})) on = on || t == topic;
  return on;
}

bool enabled(std::atomic<int>& flag, std::string_view topic) {
  int v = flag.load(std::memory_order_relaxed);
  if (v < 0) {
    v = topic_from_env(topic) ? 1 : 0;
    flag.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}
}  // namespace

// A bad value throws here, and again at every use until it is fixed or a setter decides.
bool debug_ir_from_env() { return topic_from_env("ir"); }
bool debug_ir_enabled() { return enabled(g_debug_ir, "ir"); }
void set_debug_ir(bool on) { g_debug_ir.store(on ? 1 : 0); }
bool debug_time_enabled() { return enabled(g_debug_time, "time"); }
void set_debug_time(bool on) { g_debug_time.store(on ? 1 : 0); }

void debug_print(const std::string& title, const std::string& text) {
  if (!debug_ir_enabled()) return;
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cerr << "--- " << title << " ---\n" << text;
  if (!text.empty() && text.back() != '\n') std::cerr << '\n';
}

void debug_print_graph(const std::string& title, const Graph& g) {
  if (debug_ir_enabled()) debug_print(title, g.to_string());
}

}  // namespace lanes::internal
