// The REPL lexer: source text to tokens, with Python's indentation rules (INDENT/DEDENT at
// the start of logical lines, none inside brackets).
#include "frontend/repl/lexer.h"

#include <cctype>
#include <cstring>

#include "frontend/repl/errors.h"

namespace lanes::repl {

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
 public:
  Lexer(std::string_view src, int id, int first_line) : src_(src), id_(id), line_(first_line) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    while (pos_ < src_.size()) line();
    if (depth_ > 0) syntax_error("unexpected end of input: a bracket is not closed", open_loc_);
    if (!out_.empty() && out_.back().kind != Token::Kind::Newline &&
        out_.back().kind != Token::Kind::Dedent) {
      push(Token::Kind::Newline, "", here());
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Token::Kind::Dedent, "", here());
    }
    push(Token::Kind::End, "", here());
    return std::move(out_);
  }

 private:
  Loc here() const { return {line_, static_cast<int>(pos_ - line_start_) + 1, id_}; }
  char peek(std::size_t k = 0) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }
  void push(Token::Kind k, std::string text, Loc loc, bool is_float = false) {
    out_.push_back(Token{k, std::move(text), loc, is_float});
  }
  void newline_char() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }

  // One physical line at the start of a logical line: indentation, then tokens.
  void line() {
    int width = 0;
    while (peek() == ' ' || peek() == '\t') {
      width = peek() == '\t' ? (width / 8 + 1) * 8 : width + 1;
      ++pos_;
    }
    if (peek() == '\r') ++pos_;
    if (peek() == '\n' || peek() == '#' || peek() == '\0') {  // blank or comment-only line
      while (pos_ < src_.size() && peek() != '\n') ++pos_;
      if (pos_ < src_.size()) newline_char();
      return;
    }
    indent_to(width);
    if (width == 0 && peek() == ':' && is_name_start(peek(1))) {
      command();
    }
    tokens_until_newline();
  }

  void indent_to(int width) {
    if (width > indents_.back()) {
      indents_.push_back(width);
      push(Token::Kind::Indent, "", here());
      return;
    }
    while (width < indents_.back()) {
      indents_.pop_back();
      push(Token::Kind::Dedent, "", here());
    }
    if (width != indents_.back()) {
      syntax_error("unindent does not match any outer indentation level", here());
    }
  }

  void command() {
    Loc loc = here();
    ++pos_;
    std::size_t start = pos_;
    while (is_name_char(peek())) ++pos_;
    std::string name(src_.substr(start, pos_ - start));
    push(Token::Kind::Command, name, loc);
    if (name == "load" || name == "help") {  // raw text argument
      while (peek() == ' ' || peek() == '\t') ++pos_;
      Loc arg_loc = here();
      std::size_t s = pos_;
      while (pos_ < src_.size() && peek() != '\n') ++pos_;
      std::string raw(src_.substr(s, pos_ - s));
      while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.pop_back();
      if (!raw.empty()) push(Token::Kind::String, raw, arg_loc);
    }
  }

  void tokens_until_newline() {
    for (;;) {
      char c = peek();
      if (c == '\0') return;
      if (c == '\n') {
        if (depth_ == 0) push(Token::Kind::Newline, "", here());
        newline_char();
        if (depth_ == 0) return;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++pos_;
        continue;
      }
      if (c == '#') {
        while (pos_ < src_.size() && peek() != '\n') ++pos_;
        continue;
      }
      if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
        ++pos_;
        if (peek() == '\r') ++pos_;
        newline_char();
        continue;
      }
      Loc loc = here();
      if (is_name_start(c)) {
        std::size_t s = pos_;
        while (is_name_char(peek())) ++pos_;
        push(Token::Kind::Name, std::string(src_.substr(s, pos_ - s)), loc);
      } else if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
        number(loc);
      } else if (c == '"' || c == '\'') {
        string(loc);
      } else {
        op(loc);
      }
    }
  }

  void number(Loc loc) {
    std::size_t s = pos_;
    bool is_float = false;
    while (is_digit(peek()) || peek() == '_') ++pos_;
    if (peek() == '.') {
      is_float = true;
      ++pos_;
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      std::size_t k = 1;
      if (peek(1) == '+' || peek(1) == '-') k = 2;
      if (is_digit(peek(k))) {
        is_float = true;
        pos_ += k;
        while (is_digit(peek())) ++pos_;
      }
    }
    if (is_name_char(peek())) syntax_error("invalid number literal", loc);
    std::string text;
    for (char ch : src_.substr(s, pos_ - s)) {
      if (ch != '_') text += ch;
    }
    push(Token::Kind::Number, text, loc, is_float);
  }

  void string(Loc loc) {
    char quote = peek();
    ++pos_;
    std::string value;
    for (;;) {
      char c = peek();
      if (c == '\0' || c == '\n') syntax_error("unterminated string literal", loc);
      ++pos_;
      if (c == quote) break;
      if (c == '\\') {
        char e = peek();
        if (e == '\0' || e == '\n') syntax_error("unterminated string literal", loc);
        ++pos_;
        value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        value += c;
      }
    }
    push(Token::Kind::String, value, loc);
  }

  void op(Loc loc) {
    static const char* const kTwo[] = {"**", "//", "==", "!=", "<=", ">=", "->"};
    for (const char* t : kTwo) {
      if (peek() == t[0] && peek(1) == t[1]) {
        pos_ += 2;
        push(Token::Kind::Op, t, loc);
        return;
      }
    }
    char c = peek();
    if (std::strchr("()[]{},:=+-*/%@<>.&|^~;", c) == nullptr || c == '\0') {
      std::string shown = std::isprint(static_cast<unsigned char>(c))
                              ? std::string("'") + c + "'"
                              : "byte " + std::to_string(static_cast<unsigned char>(c));
      syntax_error("invalid character " + shown, loc);
    }
    ++pos_;
    if (c == '(' || c == '[' || c == '{') {
      if (depth_++ == 0) open_loc_ = loc;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth_ == 0) syntax_error(std::string("unmatched '") + c + "'", loc);
      --depth_;
    }
    push(Token::Kind::Op, std::string(1, c), loc);
  }

  std::string_view src_;
  int id_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
  int depth_ = 0;
  Loc open_loc_;
  std::vector<int> indents_;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, int source_id, int first_line) {
  return Lexer(source, source_id, first_line).run();
}

bool needs_more_input(std::string_view source) {
  // Brackets and strings: count outside strings and comments.
  int depth = 0;
  char quote = 0;
  bool comment = false;
  for (std::size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (comment) {
      if (c == '\n') comment = false;
      continue;
    }
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      else if (c == '\n')
        quote = 0;  // an unterminated string is an error, not more input
      continue;
    }
    if (c == '#')
      comment = true;
    else if (c == '"' || c == '\'')
      quote = c;
    else if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0)
      --depth;
  }
  if (depth > 0) return true;
  // The last line (the entry ends with one '\n' per line typed).
  std::string_view s = source;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  auto trim = [](std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    return t;
  };
  auto opens_block = [&](std::string_view ln) {
    std::string_view t = trim(ln);
    return !t.empty() && t.back() == ':' && ln[0] != ':';
  };
  std::size_t nl = s.rfind('\n');
  std::string_view last = trim(nl == std::string_view::npos ? s : s.substr(nl + 1));
  if (!last.empty() && last.back() == '\\') return true;
  // A block opened by a line ending in ':' stays open until an empty line.
  bool opened = false;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find('\n', start);
    if (opens_block(s.substr(start, end == std::string_view::npos ? s.npos : end - start))) {
      opened = true;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return opened && !last.empty();
}

}  // namespace lanes::repl
