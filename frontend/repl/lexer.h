// The lexer of the REPL language: Python-shaped tokens with INDENT/DEDENT for blocks,
// implicit line joining inside brackets, `#` comments, and `:command` lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "frontend/repl/ast.h"

namespace lanes::repl {

struct Token {
  enum class Kind { Name, Number, String, Op, Newline, Indent, Dedent, Command, End };
  Kind kind;
  std::string text;  // Number: its spelling; Command: the name without ':'
  Loc loc;
  bool is_float = false;  // Number: has '.', 'e' or is inf/nan spelled as a float
};

// Splits source into tokens. Throws ReplError (SyntaxError) with the location of a bad
// character, an unterminated string or an inconsistent dedent.
std::vector<Token> tokenize(std::string_view source, int source_id = 0, int first_line = 1);

// Whether `source` is an incomplete interactive entry: an open bracket or string, a
// trailing backslash, or an indented block (after a line ending in ':') that has not been
// closed by an empty line.
bool needs_more_input(std::string_view source);

}  // namespace lanes::repl
