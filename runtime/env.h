// The one parser for the LANES_* environment variables (docs/settings.md lists them all).
//
// Every reader treats a variable that is unset or set to the empty string as unset (the
// fallback, or nullopt). A value that does not parse throws lanes::ArgumentError whose
// message names the variable, quotes the value and says what was expected, e.g.
//   environment variable LANES_CPU_DEVICES='abc' is not an integer in [1, 4096]
// Parsing is strict: no surrounding spaces, no trailing characters, no leading '+'.
//
// Readers look the variable up on every call (no caching here): a caller that needs the
// value once caches it itself, and must call the reader where a throw reaches the user
// (a function the user called), never from a static initializer, a destructor, a
// noexcept function or a thread whose exceptions nobody collects.
//
//   int n = static_cast<int>(env_int("LANES_CPU_DEVICES", hardware_threads(), 1, 4096));
//   double s = env_positive_double("LANES_MPI_TIMEOUT_S", 60.0);
//   std::optional<bool> use = env_bool01("LANES_USE_MPI");          // nullopt: decide yourself
//   auto mode = env_choice("LANES_AMDGPU_LINKER", {"in-process", "exec"});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lanes::internal {

// The value of `name`; nullopt when unset or empty. Never throws.
std::optional<std::string> env_string(const char* name);

// A decimal integer in [min, max]; `fallback` (not range-checked) when unset or empty.
std::int64_t env_int(const char* name, std::int64_t fallback, std::int64_t min, std::int64_t max);

// A finite number > 0 (decimal or exponent form: "0.25", "2e3"); `fallback` when unset
// or empty.
double env_positive_double(const char* name, double fallback);

// "0" (false) or "1" (true); nullopt when unset or empty.
std::optional<bool> env_bool01(const char* name);

// One of `choices`, matched exactly; nullopt when unset or empty.
std::optional<std::string> env_choice(const char* name,
                                      std::initializer_list<std::string_view> choices);

// A comma-separated list of items from `choices`, in order (empty items, as in "ir,",
// are skipped); an empty list when unset or empty.
std::vector<std::string> env_list(const char* name,
                                  std::initializer_list<std::string_view> choices);

// The number of hardware threads (std::thread::hardware_concurrency()), clamped to
// [1, 4096]: the default of LANES_NUM_THREADS and LANES_CPU_DEVICES.
int hardware_threads();

// Throws ArgumentError "environment variable NAME='value' <what>" (for checks a caller
// makes beyond the readers above, e.g. a path that does not exist).
[[noreturn]] void throw_bad_env(const char* name, std::string_view value, std::string_view what);

}  // namespace lanes::internal
