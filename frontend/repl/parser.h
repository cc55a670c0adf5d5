// The parser of the REPL language: tokens to statements (see ast.h). Grammar, in short:
//   stmt   := 'def' NAME '(' params ')' ('=' expr | ':' suite) | 'return' expr
//           | NAME (',' NAME)* '=' expr | expr | ':'COMMAND [expr | text] | 'pass'
//   expr   := lambda | ternary; precedence as Python: or < and < not < comparisons
//             < | < ^ < & < + - < * / // % @ < unary - + ~ < ** < call, index, attribute
#pragma once

#include <string_view>

#include "frontend/repl/ast.h"

namespace lanes::repl {

// Parses a whole source (several statements). Throws ReplError (SyntaxError) at the
// offending token. Nesting deeper than kMaxNesting is a SyntaxError, so no input can
// exhaust the stack.
Block parse_program(std::string_view source, int source_id = 0, int first_line = 1);

inline constexpr int kMaxNesting = 100;
inline constexpr int kMaxExprDepth = 200;

}  // namespace lanes::repl
