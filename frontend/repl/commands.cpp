// The REPL's commands: :help :vars :ir :llvm :asm :time :load :quit.
#include <lanes/amdgpu.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "frontend/repl/errors.h"
#include "frontend/repl/evaluator.h"

namespace lanes::repl {

namespace {

const char* const kCommandHelp =
    "commands:\n"
    "  :help [name]     this text, or the signature of a builtin\n"
    "  :vars            the names you defined, with their types\n"
    "  :ir f(args)      the graph of f for these arguments, after transformations\n"
    "  :llvm f(args)    the LLVM IR handed to the JIT (f must be jitted)\n"
    "  :asm f(args)     the machine code (f must be jitted)\n"
    "  :asm gfx90a f(args)  the AMD GPU machine code of f for that chip (gfx1100, ...)\n"
    "  :time expr       warm up, then the median and spread of repeated runs\n"
    "  :load FILE       run a script in this session\n"
    "  :quit            leave (also Ctrl-D)\n";

std::string duration(double s) {
  char buf[32];
  if (s < 1e-6)
    std::snprintf(buf, sizeof buf, "%.3g ns", s * 1e9);
  else if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
  else if (s < 1)
    std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

}  // namespace

void Evaluator::command(const Stmt& s) {
  const std::string& name = s.name;
  auto need_expr = [&](const char* usage) -> const Expr& {
    if (!s.value) syntax_error(std::string("usage: ") + usage, s.loc);
    return *s.value;
  };
  if (name == "quit" || name == "exit" || name == "q") {
    quit_ = true;
    return;
  }
  if (name == "help") {
    if (!s.text.empty()) {
      std::string key = s.text[0] == ':' ? s.text.substr(1) : s.text;
      auto it = builtins().functions().find(key);
      if (it == builtins().functions().end()) {
        throw ReplError("NameError", "no builtin named '" + key + "'", s.loc);
      }
      out_(static_cast<const BuiltinSpec&>(*it->second).doc + "\n");
      return;
    }
    std::string text = kCommandHelp;
    text +=
        "language: def f(x, y) = expr | def f(x):<indented block with return> | lambda x: expr\n"
        "  operators + - * / // % ** @ < <= > >= == != and or not; x[i], x[a:b], x[:, 0];\n"
        "  tuples (a, b); keyword arguments in_axes= out_axes= argnums= axis_name=\n";
    text += "builtins:";
    std::size_t col = 9;
    for (const auto& [fname, f] : builtins().functions()) {
      if (col + fname.size() + 1 > 88) {
        text += "\n ";
        col = 1;
      }
      text += " " + fname;
      col += fname.size() + 1;
    }
    text += "\nconstants: f32 f64 i32 i64 bool True False None pi e inf nan\n";
    out_(text);
    return;
  }
  if (name == "vars") {
    for (const auto& [vname, v] : globals_) out_(vname + ": " + describe_type(v) + "\n");
    return;
  }
  if (name == "load") {
    if (s.text.empty()) syntax_error("usage: :load FILE", s.loc);
    if (!options_.allow_load || !load_file) {
      throw ReplError("ArgumentError", ":load is disabled in this session", s.loc);
    }
    load_file(s.text, s.loc);
    return;
  }
  if (name == "ir" || name == "llvm" || name == "asm") {
    const Expr& e =
        need_expr(":ir f(args...), :llvm f(args...), :asm f(args...) or :asm ARCH f(args...)");
    if (e.kind != Expr::Kind::Call || !e.kw_names.empty()) {
      syntax_error(":" + name + " takes a call f(args...) with positional arguments", e.loc);
    }
    RVal f = eval(*e.items[0], nullptr);
    std::vector<lanes::Arg> args;
    for (std::size_t i = 1; i < e.items.size(); ++i) {
      RVal v = eval(*e.items[i], nullptr);
      std::optional<lanes::Arg> a = to_arg(v);
      if (!a)
        type_error(":" + name + " arguments must be arrays or numbers, got " + type_name(v),
                   e.items[i]->loc);
      args.push_back(*a);
    }
    try {
      lanes::Fn fn = to_fn(f, e.loc);
      if (!s.text.empty()) {  // :asm ARCH f(args): compiled for that GPU, jitted or not
        std::vector<Array> arrays;
        for (const lanes::Arg& a : args) arrays.push_back(a.array());
        std::string text = lanes::amdgpu::disassemble(fn, arrays, s.text);
        // llvm-objdump's first line names the temporary file it read: not for the user.
        const std::size_t fmt = text.find("\tfile format ");
        if (fmt != std::string::npos) {
          const std::size_t start = text.rfind('\n', fmt);
          const std::size_t begin = start == std::string::npos ? 0 : start + 1;
          text.replace(begin, text.find('\n', fmt) - begin, s.text + ": HSA code object");
        }
        if (text.empty()) text = "(no kernels: every step of f runs on the host)";
        if (text.back() != '\n') text += '\n';
        out_(text);
        return;
      }
      std::string text = name == "ir"     ? fn.ir(args)
                         : name == "llvm" ? fn.llvm_ir(args)
                                          : fn.assembly(args);
      if (!text.empty() && text.back() != '\n') text += '\n';
      out_(text);
    } catch (const ReplError&) {
      throw;
    } catch (const Cancelled&) {
      throw;
    } catch (const lanes::Error& err) {
      throw ReplError(error_kind(err), err.what(), e.loc);
    }
    return;
  }
  if (name == "time") {
    const Expr& e = need_expr(":time expr");
    using Clock = std::chrono::steady_clock;
    auto once = [&] {
      auto t0 = Clock::now();
      eval(e, nullptr);
      return std::chrono::duration<double>(Clock::now() - t0).count();
    };
    once();  // warm-up: traces and compiles
    // Adaptive count: repeat until the time budget is spent (at least 3, at most 10000 runs).
    std::vector<double> ts;
    double total = 0;
    while (ts.size() < 3 || (total < options_.time_budget_s && ts.size() < 10000)) {
      ts.push_back(once());
      total += ts.back();
    }
    std::sort(ts.begin(), ts.end());
    double median =
        ts.size() % 2 ? ts[ts.size() / 2] : 0.5 * (ts[ts.size() / 2 - 1] + ts[ts.size() / 2]);
    out_("median " + duration(median) + " (min " + duration(ts.front()) + ", max " +
         duration(ts.back()) + "; " + std::to_string(ts.size()) + " runs)\n");
    return;
  }
  syntax_error("unknown command ':" + name + "' (:help lists them)", s.loc);
}

}  // namespace lanes::repl
