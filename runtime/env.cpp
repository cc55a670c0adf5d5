// The LANES_* environment variable readers (see env.h): strict parsing with std::from_chars,
// and ArgumentErrors that name the variable, quote its value and say what was expected.
#include "runtime/env.h"

#include <lanes/error.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>

namespace lanes::internal {

namespace {

std::string joined(std::initializer_list<std::string_view> choices) {
  std::string out;
  for (std::string_view c : choices) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> choices) {
  for (std::string_view c : choices) {
    if (s == c) return true;
  }
  return false;
}

}  // namespace

void throw_bad_env(const char* name, std::string_view value, std::string_view what) {
  throw ArgumentError("environment variable " + std::string(name) + "='" + std::string(value) +
                      "' " + std::string(what));
}

std::optional<std::string> env_string(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::int64_t env_int(const char* name, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::optional<std::string> text = env_string(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  auto [end, ec] = std::from_chars(first, last, value);
  const std::string expected =
      "is not an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  const bool digits = end == last && (ec == std::errc() || ec == std::errc::result_out_of_range);
  if (digits && (ec == std::errc::result_out_of_range || value < min || value > max)) {
    // An integer out of range says which bound it crosses (LANES_CPU_DEVICES=100000 is
    // too large, not malformed); from_chars leaves `value` unset on overflow.
    const bool high = ec == std::errc::result_out_of_range ? (*text)[0] != '-' : value > max;
    throw_bad_env(name, *text,
                  expected + ": " +
                      (high ? "too large, the maximum is " + std::to_string(max)
                            : "too small, the minimum is " + std::to_string(min)));
  }
  if (ec != std::errc() || end != last) throw_bad_env(name, *text, expected);
  return value;
}

double env_positive_double(const char* name, double fallback) {
  std::optional<std::string> text = env_string(name);
  if (!text) return fallback;
  double value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || !std::isfinite(value) || !(value > 0)) {
    throw_bad_env(name, *text, "is not a positive number");
  }
  return value;
}

std::optional<bool> env_bool01(const char* name) {
  std::optional<std::string> text = env_string(name);
  if (!text) return std::nullopt;
  if (*text == "0") return false;
  if (*text == "1") return true;
  throw_bad_env(name, *text, "is not 0 or 1");
}

std::optional<std::string> env_choice(const char* name,
                                      std::initializer_list<std::string_view> choices) {
  std::optional<std::string> text = env_string(name);
  if (text && !is_one_of(*text, choices))
    throw_bad_env(name, *text, "is not one of: " + joined(choices));
  return text;
}

std::vector<std::string> env_list(const char* name,
                                  std::initializer_list<std::string_view> choices) {
  std::vector<std::string> items;
  std::optional<std::string> text = env_string(name);
  if (!text) return items;
  std::string_view rest = *text;
  for (;;) {
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    if (!item.empty()) {
      if (!is_one_of(item, choices)) {
        throw_bad_env(name, *text,
                      "is not a comma-separated list of: " + joined(choices) + " ('" +
                          std::string(item) + "' is unknown)");
      }
      items.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return items;
}

int hardware_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 4096u));
}

}  // namespace lanes::internal
