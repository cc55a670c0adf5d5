// The REPL session: sources, error reports with carets, :load, completion.
#include <lanes/repl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <istream>
#include <optional>
#include <set>
#include <sstream>

#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"
#include "frontend/repl/lexer.h"
#include "frontend/repl/parser.h"

namespace lanes::repl {

namespace {

// Scripts are read whole: a bound keeps `:load /dev/urandom` or an endless pipe from
// exhausting memory (a script of 64 MiB is far beyond any real one).
constexpr std::size_t kMaxScriptBytes = std::size_t{64} << 20;
// The error kind of an entry stopped by Session::interrupt (lanes::Cancelled).
constexpr const char* kInterruptKind = "KeyboardInterrupt";
// An error echoes at most this much of its source line, around the column it points at
// (a 10 MB line is not printed back).
constexpr std::size_t kEchoChars = 200;

struct TextPos {
  int line, col;
};

// Where the first NUL byte of `text` is (lines counted from first_line), if any: the lexer
// would take it for the end of the text and skip the rest silently.
std::optional<TextPos> find_nul(std::string_view text, int first_line) {
  const std::size_t at = text.find('\0');
  if (at == std::string_view::npos) return std::nullopt;
  int line = first_line;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return TextPos{line, static_cast<int>(at - line_start) + 1};
}

std::string nul_message(TextPos p) {
  return "NUL byte at line " + std::to_string(p.line) + ", column " + std::to_string(p.col) +
         ": not a text file";
}

// A message quoting a huge token (a 10 MB name) is cut: the report stays readable.
std::string bounded(const std::string& msg) {
  constexpr std::size_t kMaxMessage = 2000;
  if (msg.size() <= kMaxMessage) return msg;
  return msg.substr(0, kMaxMessage) + "... (" + std::to_string(msg.size() - kMaxMessage) +
         " more characters)";
}

}  // namespace

std::string Session::read_script(std::istream& in, const std::string& name) {
  std::string text;
  char chunk[1 << 16];
  // Chunk by chunk, so /dev/zero stops at its first chunk and an endless pipe at the limit.
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    text.append(chunk, n);
    if (std::string_view(chunk, n).find('\0') != std::string_view::npos) {
      throw ArgumentError("cannot read '" + name + "': " + nul_message(*find_nul(text, 1)));
    }
    if (text.size() > kMaxScriptBytes) {
      throw ArgumentError("cannot read '" + name + "': larger than " +
                          std::to_string(kMaxScriptBytes >> 20) + " MiB (read " +
                          std::to_string(text.size()) + " bytes so far)");
    }
  }
  if (in.bad()) throw ArgumentError("cannot read '" + name + "'");
  return text;
}

std::string Session::read_script(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw ArgumentError("cannot read '" + path + "': it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ArgumentError("cannot open '" + path + "'");
  return read_script(in, path);
}

std::string error_kind(const std::exception& e) {
  if (auto* r = dynamic_cast<const ReplError*>(&e)) return r->kind();
  if (dynamic_cast<const ShapeError*>(&e)) return "ShapeError";
  if (dynamic_cast<const DTypeError*>(&e)) return "DTypeError";
  if (dynamic_cast<const ArgumentError*>(&e)) return "ArgumentError";
  if (dynamic_cast<const TraceError*>(&e)) return "TraceError";
  if (dynamic_cast<const AxisNameError*>(&e)) return "AxisNameError";
  if (dynamic_cast<const UnsupportedError*>(&e)) return "UnsupportedError";
  if (dynamic_cast<const CompileError*>(&e)) return "CompileError";
  if (dynamic_cast<const RuntimeError*>(&e)) return "RuntimeError";
  if (dynamic_cast<const InternalError*>(&e)) return "InternalError";
  if (dynamic_cast<const lanes::Error*>(&e)) return "Error";
  return "InternalError";
}

Session::Session(SessionOptions options, std::function<void(std::string_view)> sink)
    : sink_(std::move(sink)) {
  evaluator_ = std::make_unique<Evaluator>(options, [this](std::string_view text) {
    buffer_ += text;
    if (sink_) sink_(text);
  });
  evaluator_->load_file = [this](const std::string& path, Loc loc) {
    if (load_depth_ >= 16) throw ReplError("RecursionError", ":load nested too deeply", loc);
    std::string text;
    try {
      text = read_script(path);
    } catch (const ArgumentError& e) {
      throw ReplError("ArgumentError", std::string(":load ") + e.what(), loc);
    }
    ++load_depth_;
    try {
      run_source(text, path, 1);
    } catch (...) {
      --load_depth_;
      throw;
    }
    --load_depth_;
  };
}

Session::~Session() = default;

void Session::run_source(std::string_view source, std::string_view origin, int first_line) {
  int id = static_cast<int>(sources_.size());
  sources_.push_back({std::string(origin), std::string(source), first_line});
  if (std::optional<TextPos> nul = find_nul(source, first_line)) {
    throw ReplError("SyntaxError", nul_message(*nul), Loc{nul->line, nul->col, id});
  }
  Block program = parse_program(sources_.back().text, id, first_line);
  for (const StmtPtr& s : program) {
    evaluator_->exec_top(*s);
    if (evaluator_->quit_requested()) return;
  }
}

EvalOutput Session::run(std::string_view source, std::string_view origin, int first_line) {
  buffer_.clear();
  EvalOutput r;
  auto fail = [&](const std::string& kind, const std::string& msg, std::optional<Loc> loc) {
    r.ok = false;
    if (loc) {
      r.line = loc->line;
      r.col = loc->col;
      r.error = format_error(kind, msg, *loc);
    } else {
      r.error = std::string(origin) + ": " + kind + ": " + bounded(msg) + "\n";
    }
  };
  // One line, as Python's KeyboardInterrupt: no location or caret for a Ctrl-C.
  auto interrupted = [&](const char* msg) {
    r.ok = false;
    r.cancelled = true;
    r.error = std::string(kInterruptKind) + ": " + msg + "\n";
  };
  cancel_.reset();
  try {
    CancelScope scope(cancel_);
    run_source(source, origin, first_line);
  } catch (const ReplError& e) {
    fail(e.kind(), e.what(), e.located() ? std::optional<Loc>(e.loc()) : std::nullopt);
  } catch (const Cancelled& e) {
    interrupted(e.what());
  } catch (const lanes::Error& e) {
    fail(error_kind(e), e.what(), std::nullopt);
  } catch (const std::bad_alloc&) {
    fail("RuntimeError", "out of memory", std::nullopt);
  } catch (const std::exception& e) {
    fail("InternalError", e.what(), std::nullopt);
  }
  r.text = buffer_;
  r.quit = evaluator_->quit_requested();
  return r;
}

bool Session::quit_requested() const { return evaluator_->quit_requested(); }

void Session::interrupt() noexcept { cancel_.cancel(); }

std::string Session::format_error(const std::string& kind, const std::string& msg,
                                  const Loc& loc) const {
  std::string origin = "<input>", line;
  if (loc.source >= 0 && static_cast<std::size_t>(loc.source) < sources_.size()) {
    const Source& src = sources_[static_cast<std::size_t>(loc.source)];
    origin = src.origin;
    std::istringstream in(src.text);
    for (int i = src.first_line - 1; i < loc.line && std::getline(in, line); ++i) {
    }
  }
  std::string out = origin + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " +
                    kind + ": " + bounded(msg) + "\n";
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.empty()) {
    // A long line is echoed as a window of kEchoChars around the column, "..." marking
    // what is cut, with the caret under the same character.
    const std::size_t at =
        std::min(static_cast<std::size_t>(std::max(loc.col, 1) - 1), line.size());
    std::size_t begin = 0, end = line.size();
    if (line.size() > kEchoChars) {
      begin = at > kEchoChars / 2 ? std::min(at - kEchoChars / 2, line.size() - kEchoChars) : 0;
      end = begin + kEchoChars;
    }
    const std::string head = begin > 0 ? "..." : "", tail = end < line.size() ? "..." : "";
    std::string caret(head.size(), ' ');
    for (std::size_t i = begin; i < at; ++i) caret += line[i] == '\t' ? '\t' : ' ';
    out += "    " + head + line.substr(begin, end - begin) + tail + "\n    " + caret + "^\n";
  }
  return out;
}

bool Session::needs_more_input(std::string_view pending) { return repl::needs_more_input(pending); }

std::vector<std::string> Session::complete(std::string_view prefix) const {
  std::size_t start = prefix.size();
  auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  };
  while (start > 0 && word_char(prefix[start - 1])) --start;
  std::string word(prefix.substr(start));
  std::set<std::string> candidates;
  if (start == 1 && prefix[0] == ':') {
    for (const char* c : {"help", "vars", "ir", "llvm", "asm", "time", "load", "quit"}) {
      candidates.insert(c);
    }
  } else {
    for (const auto& [n, v] : evaluator_->globals()) candidates.insert(n);
    for (const auto& [n, f] : builtins().functions()) candidates.insert(n);
    for (const auto& [n, v] : builtins().constants()) candidates.insert(n);
    for (const char* k : {"def", "return", "lambda", "and", "or", "not", "if", "else"}) {
      candidates.insert(k);
    }
  }
  std::vector<std::string> out;
  for (const std::string& c : candidates) {
    if (c.compare(0, word.size(), word) == 0) out.push_back(c);
  }
  return out;
}

}  // namespace lanes::repl
