// lanes::repl::Session: the REPL language (docs/repl.md) as a library, liblanes_repl
// (CMake: find_package(Lanes COMPONENTS repl), target Lanes::repl). The `lanes` tool, the
// golden tests and the fuzz target all drive it.
//
//   lanes::repl::Session s;
//   auto r = s.run("def f(x) = sin(x) * 2\nf(0.5)\n", "<stdin>");
//   // r.text == "0.95885108\n", r.ok == true
//
// No input makes run() crash or throw anything but lanes::Error: errors are reported in
// the result (with line, column and a caret under the offending token).
#pragma once

#include <lanes/cancel.h>
#include <lanes/jit_options.h>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lanes::repl {
class Evaluator;  // internal to liblanes_repl: declared before the public region
struct Loc;
}  // namespace lanes::repl

// Everything below is liblanes_repl's public API (the library is built with
// -fvisibility=hidden).
#pragma GCC visibility push(default)
namespace lanes::repl {

struct SessionOptions {
  double time_budget_s = 0.5;  // :time spends about this long repeating
  bool allow_load = true;      // :load reads files (off for fuzzing)
  int max_call_depth = 64;     // user function calls nested deeper are a RecursionError
  std::int64_t max_elements = std::int64_t{1} << 28;  // largest array the REPL creates
  std::int64_t max_loop_iterations = -1;              // default while_loop bound (-1: none)
  // Given to every jit the session makes (JitOptions::on_progress): the `lanes` tool shows
  // it as a one-line indicator on a terminal.
  std::function<void(const lanes::CompileProgress&)> on_compile_progress = nullptr;
};

struct EvalOutput {
  std::string text;  // what the statements printed (also streamed to the sink, if any)
  bool ok = true;
  std::string error;  // "origin:LINE:COL: Kind: message\n<source line>\n<caret>\n"
  int line = 0, col = 0;
  bool quit = false;  // :quit was run
  // The entry was stopped by interrupt() (error: "KeyboardInterrupt: cancelled\n").
  bool cancelled = false;
};

class Session {
 public:
  // `sink`, when given, receives output as it is produced (before run() returns).
  explicit Session(SessionOptions options = {},
                   std::function<void(std::string_view)> sink = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Parses and runs `source` (one entry or a whole script); stops at the first error.
  // `first_line` numbers the first line of `source` (an entry in the middle of a file).
  EvalOutput run(std::string_view source, std::string_view origin, int first_line = 1);
  // Whether an interactive entry is incomplete (an open bracket, a def block not yet
  // closed by an empty line).
  static bool needs_more_input(std::string_view pending);
  // The text of a script file, for run() (the `lanes` tool and :load read files with it).
  // lanes::ArgumentError naming the path when it cannot be opened or read (a directory),
  // holds a NUL byte (not a text file: /dev/zero; the message names the line) or is
  // larger than 64 MiB. A pipe is read like a file, up to the same limit.
  static std::string read_script(const std::string& path);
  // The same from a stream (standard input: std::cin, whatever fd 0 is: a pipe, a socket);
  // `name` names it in errors.
  static std::string read_script(std::istream& in, const std::string& name);
  // Completions of the identifier or :command that `prefix` ends with: names defined in
  // the session, builtins, keywords and commands.
  std::vector<std::string> complete(std::string_view prefix) const;
  bool quit_requested() const;
  // Stops the entry that run() is running (a computation or a compile, at its next
  // cancellation check: include/lanes/cancel.h): run() then returns with `cancelled` set,
  // and the session's names and history are as the entry left them. Async-signal-safe
  // (an atomic store): the `lanes` tool calls it from its SIGINT handler. Each run()
  // starts uncancelled, so an interrupt() between entries is forgotten.
  void interrupt() noexcept;

 private:
  void run_source(std::string_view source, std::string_view origin, int first_line);
  std::string format_error(const std::string& kind, const std::string& msg, const Loc& loc) const;

  struct Source {
    std::string origin;
    std::string text;
    int first_line;
  };
  std::vector<Source> sources_;
  std::function<void(std::string_view)> sink_;
  std::string buffer_;
  std::unique_ptr<Evaluator> evaluator_;
  int load_depth_ = 0;
  CancelToken cancel_;  // observed by the entry run() runs
};

}  // namespace lanes::repl
#pragma GCC visibility pop
