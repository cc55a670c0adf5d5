// The REPL session: sources, error reports with carets, :load, completion.
#include <lanes/repl.h>

#include <fstream>
#include <set>
#include <sstream>

#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"
#include "frontend/repl/lexer.h"
#include "frontend/repl/parser.h"

namespace lanes::repl {

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
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ReplError("ArgumentError", ":load cannot open '" + path + "'", loc);
    std::ostringstream ss;
    ss << in.rdbuf();
    ++load_depth_;
    try {
      run_source(ss.str(), path, 1);
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
      r.error = std::string(origin) + ": " + kind + ": " + msg + "\n";
    }
  };
  try {
    run_source(source, origin, first_line);
  } catch (const ReplError& e) {
    fail(e.kind(), e.what(), e.located() ? std::optional<Loc>(e.loc()) : std::nullopt);
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
                    kind + ": " + msg + "\n";
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.empty()) {
    std::string caret;
    for (int i = 0; i + 1 < loc.col && static_cast<std::size_t>(i) < line.size(); ++i) {
      caret += line[static_cast<std::size_t>(i)] == '\t' ? '\t' : ' ';
    }
    out += "    " + line + "\n    " + caret + "^\n";
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
