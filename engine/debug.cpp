// LANES_DEBUG handling: the switch, read from the environment at first use, and the printer.
#include "engine/debug.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>

#include "runtime/env.h"

namespace lanes::internal {

namespace {
std::atomic<int> g_debug_ir{-1};  // -1: not read from the environment yet

}  // namespace

// A bad value throws here, and again at every use until it is fixed or set_debug_ir decides.
bool debug_ir_from_env() {
  bool ir = false;
  for (const std::string& topic : env_list("LANES_DEBUG", {"ir"})) ir = ir || topic == "ir";
  return ir;
}

bool debug_ir_enabled() {
  int v = g_debug_ir.load(std::memory_order_relaxed);
  if (v < 0) {
    v = debug_ir_from_env() ? 1 : 0;
    g_debug_ir.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void set_debug_ir(bool on) { g_debug_ir.store(on ? 1 : 0); }

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
