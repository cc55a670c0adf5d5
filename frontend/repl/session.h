// lanes::repl::Session: the REPL as a library. The `lanes` tool, the golden tests and the
// fuzz target all drive it.
//
//   lanes::repl::Session s;
//   auto r = s.run("def f(x) = sin(x) * 2\nf(0.5)\n", "<stdin>");
//   // r.text == "0.95885108\n", r.ok == true
//
// No input makes run() crash or throw anything but lanes::Error: errors are reported in
// the result (with line, column and a caret under the offending token).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/repl/evaluator.h"

namespace lanes::repl {

struct EvalOutput {
  std::string text;  // what the statements printed (also streamed to the sink, if any)
  bool ok = true;
  std::string error;  // "origin:LINE:COL: Kind: message\n<source line>\n<caret>\n"
  int line = 0, col = 0;
  bool quit = false;  // :quit was run
};

class Session {
 public:
  // `sink`, when given, receives output as it is produced (before run() returns).
  explicit Session(SessionOptions options = {},
                   std::function<void(std::string_view)> sink = nullptr);
  ~Session();

  // Parses and runs `source` (one entry or a whole script); stops at the first error.
  // `first_line` numbers the first line of `source` (an entry in the middle of a file).
  EvalOutput run(std::string_view source, std::string_view origin, int first_line = 1);
  // Whether an interactive entry is incomplete (an open bracket, a def block not yet
  // closed by an empty line).
  static bool needs_more_input(std::string_view pending);
  // Completions of the identifier or :command that `prefix` ends with: names defined in
  // the session, builtins, keywords and commands.
  std::vector<std::string> complete(std::string_view prefix) const;
  bool quit_requested() const { return evaluator_->quit_requested(); }

 private:
  void run_source(std::string_view source, std::string_view origin, int first_line);
  std::string format_error(const std::string& kind, const std::string& msg, Loc loc) const;

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
};

}  // namespace lanes::repl
