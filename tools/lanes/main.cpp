// `lanes`: the Lanes REPL. With no argument on a terminal it is interactive (libedit line
// editing, history in ~/.lanes_history, tab completion, `...` continuation prompts);
// `lanes FILE` runs a script, and with non-terminal standard input it runs the script read
// from it without prompts. In script mode the first error prints FILE:LINE:COL, the line
// and a caret, and the exit status is 1. Compiles that take longer than a moment show a
// one-line progress indicator on stderr when it is a terminal.
//
//   lanes [--time-budget SECONDS] [FILE]
#include <histedit.h>
#include <lanes/error.h>
#include <lanes/repl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <iostream>
#include <sstream>
#include <string>

namespace {

lanes::repl::Session* g_session = nullptr;
bool g_continuation = false;
// Set by the SIGINT handler, which may run on any thread (the thread pool's, pmap's), so
// an atomic rather than a volatile sig_atomic_t (lock-free: async-signal-safe).
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// Ctrl-C at the prompt abandons the line being typed (the read is interrupted, as the
// handler is installed without SA_RESTART). During an entry it also cancels the running
// computation or compile (Session::interrupt: an atomic store, async-signal-safe); the
// entry ends with "KeyboardInterrupt: cancelled" and the prompt returns.
void on_sigint(int) {
  g_interrupted = true;
  if (g_session != nullptr) g_session->interrupt();
}

// libedit's character reader, replaced so that Ctrl-C is never lost: a SIGINT that lands
// before the read starts (while the previous answer is printed, say) only sets the flag,
// and a blocking read() would then wait for the next key. Polling in short slices checks
// the flag; failing with EINTR is what libedit's own reader does on a signal, and makes
// el_gets return no line.
int read_char(EditLine*, wchar_t* out) {
  static std::mbstate_t state{};
  for (;;) {
    if (g_interrupted) {
      errno = EINTR;
      return -1;
    }
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;  // timeout or EINTR: check the flag again
    char c = 0;
    const ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n == 0) return 0;  // end of input
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    const std::size_t k = std::mbrtowc(out, &c, 1, &state);
    if (k == static_cast<std::size_t>(-2)) continue;  // the middle of a multibyte character
    if (k == static_cast<std::size_t>(-1)) {          // not valid in the locale: take the byte
      state = {};
      *out = static_cast<unsigned char>(c);
    }
    return 1;
  }
}

// The compile progress indicator (on a terminal only): one line on stderr, rewritten in
// place, cleared before any output and when the entry is done.
bool g_progress_shown = false;

void show_progress(const lanes::CompileProgress& p) {
  std::fprintf(stderr, "\r\033[Kcompiling: %.*s %zu/%zu %.*s (%.1f s)",
               static_cast<int>(p.phase.size()), p.phase.data(), p.done, p.total,
               static_cast<int>(p.unit.size()), p.unit.data(), p.seconds);
  std::fflush(stderr);
  g_progress_shown = true;
}

void clear_progress() {
  if (!g_progress_shown) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  g_progress_shown = false;
}

void write_out(std::string_view text) {
  clear_progress();
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

lanes::repl::EvalOutput run_entry(lanes::repl::Session& s, const std::string& text,
                                  const std::string& origin, int first_line = 1) {
  lanes::repl::EvalOutput r = s.run(text, origin, first_line);
  clear_progress();
  return r;
}

int run_script(lanes::repl::Session& s, const std::string& text, const std::string& origin) {
  lanes::repl::EvalOutput r = run_entry(s, text, origin);
  if (!r.ok) {
    std::fflush(stdout);
    std::fputs(r.error.c_str(), stderr);
    return 1;
  }
  return 0;
}

// --keep-going: runs the script entry by entry, as typed at the prompt (an indented
// block ends at an empty line), reporting every error; the status is 1 if any failed.
int run_entries(lanes::repl::Session& s, const std::string& text, const std::string& origin) {
  int status = 0, first = 1, line_no = 0;
  std::string pending;
  std::istringstream in(text);
  std::string line;
  auto flush = [&] {
    if (pending.find_first_not_of(" \t\r\n") != std::string::npos) {
      lanes::repl::EvalOutput r = run_entry(s, pending, origin, first);
      if (!r.ok) {
        std::fflush(stdout);
        std::fputs(r.error.c_str(), stderr);
        std::fflush(stderr);
        status = 1;
      }
    }
    pending.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (pending.empty()) first = line_no;
    pending += line + "\n";
    if (!lanes::repl::Session::needs_more_input(pending)) flush();
    if (s.quit_requested()) return status;
  }
  flush();
  return status;
}

const char* prompt(EditLine*) { return g_continuation ? "... " : ">>> "; }

// Tab: complete the word before the cursor (one match: insert it; several: insert the
// common prefix and list them).
unsigned char complete(EditLine* el, int) {
  const LineInfo* li = el_line(el);
  std::string before(li->buffer, static_cast<std::size_t>(li->cursor - li->buffer));
  std::vector<std::string> matches = g_session->complete(before);
  std::size_t start = before.size();
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(before[start - 1])) ||
                       before[start - 1] == '_' || before[start - 1] == '.')) {
    --start;
  }
  std::size_t typed = before.size() - start;
  if (matches.empty()) return CC_REFRESH_BEEP;
  std::string common = matches[0];
  for (const std::string& m : matches) {
    std::size_t k = 0;
    while (k < common.size() && k < m.size() && common[k] == m[k]) ++k;
    common.resize(k);
  }
  if (common.size() > typed) {
    el_insertstr(el, common.substr(typed).c_str());
    return CC_REFRESH;
  }
  std::string list = "\n";
  for (const std::string& m : matches) list += m + "  ";
  list += "\n";
  std::fputs(list.c_str(), stdout);
  return CC_REDISPLAY;
}

int interactive(lanes::repl::Session& s) {
  EditLine* el = el_init("lanes", stdin, stdout, stderr);
  History* hist = history_init();
  HistEvent ev;
  history(hist, &ev, H_SETSIZE, 2000);
  std::string path;
  if (const char* home = std::getenv("HOME")) path = std::string(home) + "/.lanes_history";
  if (!path.empty()) history(hist, &ev, H_LOAD, path.c_str());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, prompt);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_ADDFN, "lanes-complete", "complete a name or command", complete);
  el_set(el, EL_BIND, "^I", "lanes-complete", nullptr);
  el_source(el, nullptr);  // ~/.editrc, if any
  el_set(el, EL_GETCFN, read_char);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  write_out(
      "Lanes REPL: JAX-style transformations compiled by LLVM. :help for help, :quit to leave.\n");
  std::string pending;
  for (;;) {
    g_continuation = !pending.empty();
    int count = 0;
    const char* line = el_gets(el, &count);
    if (!line && g_interrupted) {
      g_interrupted = false;
      el_reset(el);
      write_out("\nKeyboardInterrupt\n");
      pending.clear();
      continue;
    }
    if (!line) {  // Ctrl-D
      write_out("\n");
      break;
    }
    g_interrupted = false;
    std::string text(line);
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      std::string entry = text;
      if (!entry.empty() && entry.back() == '\n') entry.pop_back();
      history(hist, &ev, H_ENTER, entry.c_str());
      if (!path.empty()) history(hist, &ev, H_SAVE, path.c_str());
    }
    if (text.empty() || text.back() != '\n') text += '\n';
    pending += text;
    if (lanes::repl::Session::needs_more_input(pending)) continue;
    if (pending.find_first_not_of(" \t\r\n") == std::string::npos) {
      pending.clear();
      continue;
    }
    lanes::repl::EvalOutput r = run_entry(s, pending, "<stdin>");
    pending.clear();
    if (r.cancelled) g_interrupted = false;  // that Ctrl-C was for the entry, not the next line
    if (!r.ok) {
      std::fflush(stdout);
      std::fputs(r.error.c_str(), stderr);
      std::fflush(stderr);
    }
    if (r.quit) break;
  }
  history_end(hist);
  el_end(el);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  lanes::repl::SessionOptions options;
  std::string file;
  bool keep_going = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keep-going") {
      keep_going = true;
    } else if (a == "--time-budget" && i + 1 < argc) {
      options.time_budget_s = std::atof(argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::puts(
          "usage: lanes [--time-budget SECONDS] [--keep-going] [FILE]\n"
          "  no FILE: interactive on a terminal, else runs the script on standard input");
      return 0;
    } else if (file.empty()) {
      file = a;
    } else {
      std::fprintf(stderr, "lanes: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
  }
  if (isatty(STDERR_FILENO)) options.on_compile_progress = show_progress;
  lanes::repl::Session session(options, write_out);
  g_session = &session;
  if (!file.empty() || !isatty(STDIN_FILENO)) {
    // A script file, or the script on standard input: read whole, as :load reads files
    // (a directory, a NUL byte or more than 64 MiB is an error, not a hang or a crash).
    const std::string origin = file.empty() ? "<stdin>" : file;
    std::string text;
    try {
      text = file.empty() ? lanes::repl::Session::read_script(std::cin, origin)
                          : lanes::repl::Session::read_script(file);
    } catch (const lanes::Error& e) {
      std::fprintf(stderr, "lanes: %s\n", e.what());
      return 2;
    }
    return keep_going ? run_entries(session, text, origin) : run_script(session, text, origin);
  }
  return interactive(session);
}
